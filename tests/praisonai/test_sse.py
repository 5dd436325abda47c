"""SSE streams over a real socket, parsed with httpx-sse, driven by the virtual clock: a run that
succeeds, fails, is cancelled, waits in the queue, and one opened after the run finished.

A reader thread collects events; the test waits for each event to arrive (bounded), never for time
to pass: the stream moves because the test advances the clock."""

from __future__ import annotations

import json
import queue
import threading
from typing import Any

import httpx
import pytest
from httpx_sse import ServerSentEvent, connect_sse

from mockserver.praisonai.models import PraisonAIModel
from mockserver.server import ServerThread
from tests.praisonai.conftest import EPOCH, finished, load, started

END = object()


class Reader(threading.Thread):
    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.events: queue.Queue[Any] = queue.Queue()
        self.opened = threading.Event()
        self.status_code: int | None = None

    def run(self) -> None:
        try:
            with httpx.Client(timeout=10) as client, connect_sse(client, "GET", self.url) as source:
                self.status_code = source.response.status_code
                self.opened.set()
                for event in source.iter_sse():
                    self.events.put(event)
        except Exception as exc:  # surfaced to the test through the queue
            self.events.put(exc)
        finally:
            self.opened.set()
            self.events.put(END)

    def take(self, n: int) -> list[ServerSentEvent]:
        got = []
        for _ in range(n):
            item = self.events.get(timeout=5)
            assert item is not END and not isinstance(item, Exception), f"stream ended early: {item!r}"
            got.append(item)
        return got

    def ended(self) -> bool:
        return self.events.get(timeout=5) is END


def open_stream(server: ServerThread, job_id: str) -> Reader:
    reader = Reader(f"{server.url}/api/v1/runs/{job_id}/stream")
    reader.start()
    assert reader.opened.wait(5)
    return reader


def submit(server: ServerThread, **body: Any) -> str:
    response = httpx.post(f"{server.url}/api/v1/runs", json={"prompt": "p", **body})
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def named(events: list[ServerSentEvent]) -> list[tuple[str, str]]:
    return [(e.event, e.data) for e in events]


def envelopes(events: list[ServerSentEvent]) -> list[Any]:
    return [e.data if e.data == "[DONE]" else json.loads(e.data) for e in events]


@pytest.mark.parametrize("profile", ["impl"])
def test_impl_stream_of_a_run_that_succeeds(live, model: PraisonAIModel) -> None:
    job = submit(live, config={"mock_steps": 2, "mock_step_seconds": 4, "mock_result": {"k": 1}})
    started(model, job)
    reader = open_stream(live, job)
    assert named(reader.take(2)) == [
        ("status", f'{{"status": "running", "job_id": "{job}"}}'),
        ("progress", '{"percentage": 0.0, "step": "Step 1 of 2"}')]
    model.clock.advance(4)
    assert named(reader.take(1)) == [("progress", '{"percentage": 50.0, "step": "Step 2 of 2"}')]
    model.clock.advance(4)
    assert named(reader.take(3)) == [
        ("status", f'{{"status": "succeeded", "job_id": "{job}"}}'),
        ("progress", '{"percentage": 100.0, "step": "Step 2 of 2"}'),
        ("result", "{\"result\": \"{'k': 1}\"}")]
    assert reader.ended()


@pytest.mark.parametrize("profile", ["impl"])
def test_impl_stream_of_a_run_that_fails_after_waiting_in_the_queue(live, model, scenarios) -> None:
    load(scenarios, {"max_concurrent": 1})
    first = submit(live, config={"mock_steps": 1, "mock_step_seconds": 4})
    job = submit(live, config={"mock_steps": 2, "mock_step_seconds": 1, "mock_fail": 'bad "input"'})
    reader = open_stream(live, job)
    assert named(reader.take(2)) == [
        ("status", f'{{"status": "queued", "job_id": "{job}"}}'),
        ("progress", '{"percentage": 0.0, "step": ""}')]
    finished(model, first)
    assert named(reader.take(1)) == [("status", f'{{"status": "running", "job_id": "{job}"}}')]
    model.clock.advance(1)
    assert named(reader.take(1)) == [("progress", '{"percentage": 50.0, "step": "Step 2 of 2"}')]
    model.clock.advance(1)
    assert named(reader.take(2)) == [
        ("status", f'{{"status": "failed", "job_id": "{job}"}}'),
        ("error", '{"error": "bad \\"input\\""}')]
    assert reader.ended()


@pytest.mark.parametrize("profile", ["impl"])
def test_impl_heartbeat_comes_before_a_change_more_than_five_seconds_away(live, model) -> None:
    job = submit(live, config={"mock_steps": 2, "mock_step_seconds": 12})
    started(model, job)
    reader = open_stream(live, job)
    reader.take(2)
    model.clock.advance(12)   # the clock jumps past the heartbeat instant and the next step at once
    beat, progress = reader.take(2)
    assert (beat.event, progress.event) == ("heartbeat", "progress")
    model.clock.advance(12)
    assert [e.event for e in reader.take(4)] == ["heartbeat", "status", "progress", "result"]
    assert reader.ended()


@pytest.mark.parametrize("profile", ["impl"])
def test_impl_stream_of_a_cancelled_run_with_a_heartbeat(live, model) -> None:
    job = submit(live, config={"mock_hang": True, "mock_steps": 1})
    started(model, job)
    reader = open_stream(live, job)
    reader.take(2)
    model.clock.advance(6)   # five quiet seconds: the reference sends a heartbeat
    (beat,) = reader.take(1)
    assert beat.event == "heartbeat"
    assert json.loads(beat.data)["timestamp"] == "2026-01-01T00:00:05.001000+00:00"
    assert httpx.post(f"{live.url}/api/v1/runs/{job}/cancel").status_code == 200
    assert named(reader.take(2)) == [
        ("status", f'{{"status": "cancelled", "job_id": "{job}"}}'),
        ("cancelled", '{"message": "Job was cancelled"}')]
    assert reader.ended()


@pytest.mark.parametrize("profile", ["impl"])
def test_impl_stream_opened_on_a_finished_run_replays_the_end(live, model) -> None:
    job = submit(live, config={"mock_steps": 2, "mock_fail": "x"})
    finished(model, job)
    reader = open_stream(live, job)
    assert reader.status_code == 200
    assert named(reader.take(3)) == [
        ("status", f'{{"status": "failed", "job_id": "{job}"}}'),
        ("progress", '{"percentage": 50.0, "step": "Step 2 of 2"}'),
        ("error", '{"error": "x"}')]
    assert reader.ended()


@pytest.mark.parametrize("profile", ["docs"])
def test_docs_stream_of_a_run_that_succeeds(live, model) -> None:
    job = submit(live, config={"mock_steps": 2, "mock_step_seconds": 10})
    started(model, job)
    reader = open_stream(live, job)   # 10 s steps: the keep-alive comments are not events
    first = reader.take(2)
    assert {e.event for e in first} == {"message"}   # unnamed events
    assert envelopes(first) == [
        {"event": "log", "data": {"message": "Job running"}},
        {"event": "progress", "data": {"percentage": 0.0, "current_step": "Step 1 of 2"}}]
    model.clock.advance(10)
    assert envelopes(reader.take(1)) == [
        {"event": "progress", "data": {"percentage": 50.0, "current_step": "Step 2 of 2"}}]
    model.clock.advance(10)
    assert envelopes(reader.take(3)) == [
        {"event": "progress", "data": {"percentage": 100.0, "current_step": "Step 2 of 2"}},
        {"event": "complete", "data": {"status": "succeeded", "job_id": job}},
        "[DONE]"]
    assert reader.ended()


@pytest.mark.parametrize("profile", ["docs"])
def test_docs_stream_of_a_run_that_fails(live, model) -> None:
    job = submit(live, config={"mock_steps": 1, "mock_step_seconds": 3, "mock_fail": "boom"})
    started(model, job)
    reader = open_stream(live, job)
    reader.take(2)
    model.clock.advance(3)
    assert envelopes(reader.take(2)) == [
        {"event": "complete", "data": {"status": "failed", "job_id": job}}, "[DONE]"]
    assert reader.ended()


@pytest.mark.parametrize("profile", ["docs"])
def test_docs_stream_of_a_cancelled_run(live, model) -> None:
    job = submit(live, config={"mock_hang": True})
    started(model, job)
    reader = open_stream(live, job)
    reader.take(2)
    model.cancel(job)   # the inspector's way; the stream notices the event, not the clock
    assert envelopes(reader.take(2)) == [
        {"event": "complete", "data": {"status": "cancelled", "job_id": job}}, "[DONE]"]
    assert reader.ended()
    assert model.get(job).completed_at == EPOCH + 0.001


@pytest.mark.parametrize("profile", ["docs"])
def test_docs_stream_opened_on_a_finished_run_is_refused(live, model) -> None:
    job = submit(live, config={"mock_steps": 0})
    finished(model, job)
    response = httpx.get(f"{live.url}/api/v1/runs/{job}/stream")
    assert response.status_code == 400 and "already completed" in response.json()["detail"]
