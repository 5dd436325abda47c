"""A session recorded against the real praisonai 4.7.19 app replays on the virtual clock
(mockserver/praisonai/replay.py): the same status sequence at the recorded instants (divided by the
speed), the same progress, results and errors, and the status endpoint, the listing and the stream
agree at every instant in between.

The session is recorded through the validating proxy (`mockserver.proxy.Proxy(record=...)`) in front
of the reference, as a user would record one: the cassette holds the bytes as they went, each event
stream's events as the network cut them. The recording drives the reference in real time without
sleeping: each status poll is made when the run's own event stream says something changed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import EventSource, connect_sse

from mockserver.cassette import RecordedExchange, read_cassette
from mockserver.proxy import Proxy
from mockserver.runtime import MockServer
from tests.praisonai.reference import reference_server

pytestmark = pytest.mark.xdist_group("reference-app")

SPEED = 2.0
RUNS = {
    "alpha": {"mock_steps": 3, "mock_step_seconds": 0.3, "mock_result": {"answer": 42, "note": "caf\u00e9 \u2615"}},
    "beta": {"mock_steps": 2, "mock_step_seconds": 0.2, "mock_fail": "agent crashed"},
    "gamma": {"mock_steps": 2, "mock_step_seconds": 0.2, "mock_hang": True},
}
TERMINAL = ("succeeded", "failed", "cancelled")


def _record_run(http: httpx.Client, base: str, prompt: str) -> str:
    submitted = http.post(f"{base}/api/v1/runs", json={"prompt": prompt, "config": RUNS[prompt]})
    assert submitted.status_code == 202, submitted.text
    job_id: str = submitted.json()["job_id"]
    http.get(f"{base}/api/v1/runs/{job_id}")
    with connect_sse(http, "GET", f"{base}/api/v1/runs/{job_id}/stream") as source:
        for event in source.iter_sse():
            status = http.get(f"{base}/api/v1/runs/{job_id}").json()
            if prompt == "gamma" and event.event == "progress" and status["status"] == "running":
                http.post(f"{base}/api/v1/runs/{job_id}/cancel")
    http.get(f"{base}/api/v1/runs/{job_id}")
    http.get(f"{base}/api/v1/runs/{job_id}/result")
    return job_id


@pytest.fixture(scope="module")
def cassette(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("praisonai-replay")
    path = folder / "session.jsonl"
    with reference_server(folder, warm_up=True) as target, \
            Proxy(api="praisonai", target=target, record=path) as proxy, httpx.Client(timeout=30) as http:
        for prompt in RUNS:
            _record_run(http, proxy.url, prompt)
        http.get(f"{proxy.url}/api/v1/runs")
        assert proxy.violations() == [], [v.to_json() for v in proxy.violations()]
    return path


@pytest.fixture
def replay(cassette: Path) -> Iterator[MockServer]:
    server = MockServer(apis=["praisonai"], frozen_clock=True, replay=cassette, replay_speed=SPEED).start()
    try:
        yield server
    finally:
        server.stop()


def _recorded_polls(cassette: Path) -> dict[str, list[tuple[float, dict[str, Any]]]]:
    """Per prompt: the recorded status answers, at seconds after the run's submission."""
    exchanges = list(read_cassette(cassette))
    submits = {json.loads(e.response_body)["job_id"]: e for e in exchanges
               if e.method == "POST" and e.path == "/api/v1/runs"}
    polls: dict[str, list[tuple[float, dict[str, Any]]]] = {}
    for job_id, submit in submits.items():
        prompt = json.loads(submit.request_body)["prompt"]
        polls[prompt] = [(e.started - submit.started, json.loads(e.response_body)) for e in exchanges
                         if e.method == "GET" and e.path == f"/api/v1/runs/{job_id}"]
    return polls


def _recorded(exchanges: list[RecordedExchange], path_end: str, job_id: str) -> RecordedExchange:
    return next(e for e in exchanges if e.path == f"/api/v1/runs/{job_id}{path_end}")


def _shape(body: dict[str, Any]) -> tuple[Any, ...]:
    return (body["status"], body["progress"], body["error"])


def test_the_recorded_status_sequence_replays_at_the_recorded_instants(cassette: Path, replay: MockServer) -> None:
    polls = _recorded_polls(cassette)
    assert [b["status"] for _, b in polls["alpha"]][-1] == "succeeded"
    assert {b["status"] for _, b in polls["gamma"]} >= {"running", "cancelled"}
    base, clock = replay.urls["praisonai"], replay.clock
    with httpx.Client(base_url=base, timeout=10) as http:
        for prompt, recorded in polls.items():
            submitted = http.post("/api/v1/runs", json={"prompt": prompt, "config": RUNS[prompt]})
            assert submitted.status_code == 202
            job_id, created = submitted.json()["job_id"], clock.now()
            answers = []
            # Between two recorded polls, the replay answers what the earlier one saw.
            instants = [at for at, _ in recorded] + [recorded[-1][0] + 1.0]
            for (at, body), following in zip(recorded, instants[1:], strict=True):
                target = created + (at + following) / 2 / SPEED
                if target > clock.now():
                    clock.set(target)
                if prompt == "gamma" and body["status"] == "cancelled" and answers[-1][0] == "running":
                    assert http.post(f"/api/v1/runs/{job_id}/cancel").status_code == 200
                answer = http.get(f"/api/v1/runs/{job_id}").json()
                answers.append(_shape(answer))
                assert answers[-1] == _shape(body), (prompt, at)
                listed = {j["job_id"]: j for j in http.get("/api/v1/runs").json()["jobs"]}
                assert _shape(listed[job_id]) == _shape(body)
                with connect_sse(http, "GET", f"/api/v1/runs/{job_id}/stream") as source:
                    first = next(source.iter_sse())   # the stream opens with the status now
                assert (first.event, json.loads(first.data)["status"]) == ("status", body["status"])
            assert [a[0] for a in answers] == [b["status"] for _, b in recorded]


def test_results_errors_and_the_stream_replay_as_recorded(cassette: Path, replay: MockServer) -> None:
    exchanges = list(read_cassette(cassette))
    submits = {json.loads(e.request_body)["prompt"]: json.loads(e.response_body)["job_id"]
               for e in exchanges if e.method == "POST" and e.path == "/api/v1/runs"}
    base, clock = replay.urls["praisonai"], replay.clock
    with httpx.Client(base_url=base, timeout=10) as http:
        ids = {prompt: http.post("/api/v1/runs", json={"prompt": prompt, "config": RUNS[prompt]}).json()["job_id"]
               for prompt in ("alpha", "beta")}
        clock.advance(60)
        for prompt, job_id in ids.items():
            recorded_result = json.loads(_recorded(exchanges, "/result", submits[prompt]).response_body)
            result = http.get(f"/api/v1/runs/{job_id}/result").json()
            for key in ("status", "result", "error"):
                assert result[key] == recorded_result[key], (prompt, key)
            recorded_stream = _recorded(exchanges, "/stream", submits[prompt]).events
            # The reference frames events with CRLF; the proxy keeps them as they came.
            assert all(e.text.endswith("\r\n\r\n") for e in recorded_stream)
            with connect_sse(http, "GET", f"/api/v1/runs/{job_id}/stream") as source:
                events = [(e.event, e.data) for e in source.iter_sse()]
            # The last event (the result or the error) is the recorded one.
            assert events[-1] == _last_event(recorded_stream[-1].text)
        assert ids and result["status"] == "failed" and result["error"] == "agent crashed"
        alpha = http.get(f"/api/v1/runs/{ids['alpha']}/result").json()
        assert "caf\u00e9 \u2615" in str(alpha["result"])   # non-ASCII text through proxy and replay


def test_a_run_replays_mid_way_on_the_stream_as_on_the_status_endpoint(cassette: Path, replay: MockServer) -> None:
    polls = _recorded_polls(cassette)["alpha"]
    running = next(at for at, body in polls if body["status"] == "running" and body["progress"]["steps_completed"] == 1)
    base, clock = replay.urls["praisonai"], replay.clock
    with httpx.Client(base_url=base, timeout=10) as http:
        job_id = http.post("/api/v1/runs", json={"prompt": "alpha", "config": RUNS["alpha"]}).json()["job_id"]
        clock.set(clock.now() + running / SPEED + 1e-4)
        status = http.get(f"/api/v1/runs/{job_id}").json()
        assert status["status"] == "running" and status["progress"]["steps_completed"] == 1
        with connect_sse(http, "GET", f"/api/v1/runs/{job_id}/stream") as source:
            first = []
            for event in source.iter_sse():
                first.append((event.event, json.loads(event.data)))
                if len(first) == 2:
                    break
        assert first[0] == ("status", {"status": "running", "job_id": job_id})
        assert first[1][0] == "progress" and first[1][1]["percentage"] == status["progress"]["percentage"]
        health = http.get("/health").json()
        assert health["executor_stats"]["running_jobs"] == 1


def _last_event(text: str) -> tuple[str, str]:
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=text.encode())
    event = next(EventSource(response).iter_sse())
    return event.event, event.data


def test_stream_events_cut_anywhere_by_the_recorder_are_observed_when_their_last_piece_came() -> None:
    from mockserver.cassette import StreamEvent
    from mockserver.praisonai.plan import Plan
    from mockserver.praisonai.replay import recorded_runs

    def exchange(method: str, path: str, request: bytes, response: bytes, started: float,
                 events: tuple[StreamEvent, ...] = ()) -> RecordedExchange:
        return RecordedExchange("praisonai", method, path, "", [("content-type", "application/json")], request,
                                202 if method == "POST" else 200, [("content-type", "application/json")], response,
                                started, 0.0, events)

    stream = (StreamEvent(0.5, 'event: status\r\ndata: {"status": "running", "job_id": "run_a"}\r\n\r\nevent: prog'),
              StreamEvent(1.5, 'ress\r\ndata: {"percentage": 50.0, "step": "Step 2 of 2"}\r\n'),
              StreamEvent(2.5, '\r\nevent: result\r\ndata: {"result": "done"}\r\n\r\n'))
    replay = recorded_runs([
        exchange("POST", "/api/v1/runs", b'{"prompt": "p"}', b'{"job_id": "run_a", "status": "queued"}', 10.0),
        exchange("GET", "/api/v1/runs/run_a/stream", b"", b"", 10.0, stream),
    ], speed=1.0)
    planned = Plan(steps=3, step_seconds=1.0, fail=None, hang=False, queue_seconds=0.0, result="x", timeout=3600)
    plan = replay.plan_for("p", planned)
    # Started at 0.5 s; step 1 shown by the event whose blank line came at 2.5 s; over at 2.5 s.
    assert plan.report_offsets is not None
    assert (plan.queue_seconds + 0.001, *plan.report_offsets, plan.end_offset) == pytest.approx((0.5, 0.0, 2.0, 2.0))
    assert (plan.steps, plan.result, plan.fail, plan.hang) == (2, "done", None, False)
    assert replay.plan_for("p", planned) is planned   # one recorded run with this prompt


def test_a_run_recorded_as_cancelled_runs_past_its_timeout_until_the_client_cancels(replay: MockServer) -> None:
    base, clock = replay.urls["praisonai"], replay.clock
    with httpx.Client(base_url=base, timeout=10) as http:
        job_id = http.post("/api/v1/runs", json={"prompt": "gamma", "config": RUNS["gamma"]}).json()["job_id"]
        clock.advance(7200)   # twice the run's 3600 s timeout
        assert http.get(f"/api/v1/runs/{job_id}").json()["status"] == "running"
        assert http.post(f"/api/v1/runs/{job_id}/cancel").json()["status"] == "cancelled"


def test_a_stream_in_the_pages_framing_replays_like_the_references() -> None:
    from mockserver.cassette import StreamEvent
    from mockserver.praisonai.plan import Plan
    from mockserver.praisonai.replay import recorded_runs

    def envelope(event: str, data: dict[str, Any]) -> str:
        return f"data: {json.dumps({'event': event, 'data': data})}\n\n"

    stream = (StreamEvent(0.5, envelope("progress", {"percentage": 0.0, "current_step": "Step 1 of 2"})),
              StreamEvent(1.5, envelope("progress", {"percentage": 50.0, "current_step": "Step 2 of 2"})),
              StreamEvent(2.5, envelope("complete", {"status": "succeeded", "job_id": "run_a"})),
              StreamEvent(2.5, "data: [DONE]\n\n"))
    json_headers = [("content-type", "application/json")]
    replay = recorded_runs([
        RecordedExchange("praisonai", "POST", "/api/v1/runs", "", json_headers, b'{"prompt": "p"}', 202,
                         json_headers, b'{"job_id": "run_a", "status": "queued"}', 10.0, 0.0),
        RecordedExchange("praisonai", "GET", "/api/v1/runs/run_a/stream", "", [], b"", 200,
                         [("content-type", "text/event-stream")], b"", 10.0, 2.5, stream),
    ], speed=1.0)
    planned = Plan(steps=3, step_seconds=1.0, fail=None, hang=False, queue_seconds=0.0, result="x", timeout=3600)
    plan = replay.plan_for("p", planned)
    assert plan.report_offsets is not None
    assert (plan.queue_seconds + 0.001, *plan.report_offsets, plan.end_offset) == pytest.approx((0.5, 0.0, 1.0, 2.0))
    assert (plan.steps, plan.fail, plan.hang) == (2, None, False)
