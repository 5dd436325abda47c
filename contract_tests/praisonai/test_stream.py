"""The SSE stream: media type, framing per profile, one terminal event agreeing with the status."""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests.praisonai.client import PraisonTarget, Stream
from contract_tests.violation import advise, checking

clause = pytest.mark.clause

# impl: the terminal event's name says the outcome (router.py:323-341); docs: a 'complete' event
# whose data carries the status (stream-run.mdx:30, 40).
IMPL_TERMINAL = {"result": "succeeded", "error": "failed", "cancelled": "cancelled"}


def terminal_events(stream: Stream, profile: str) -> list[tuple[str | None, Any]]:
    """(status the event announces, event) for each terminal event in the stream."""
    found: list[tuple[str | None, Any]] = []
    for event in stream.events:
        if profile == "docs" and event.event == "complete":
            data = event.data if isinstance(event.data, dict) else {}
            found.append((data.get("status"), event))
        elif profile == "impl" and event.event in IMPL_TERMINAL:
            found.append((IMPL_TERMINAL[event.event], event))
    return found


def check_stream(pra: PraisonTarget, stream: Stream, job_id: str, profile: str) -> str | None:
    with checking("PRA-SSE-001"):
        assert stream.status == 200, f"expected 200 for the stream; got {stream.status} {stream.body}"
        assert stream.content_type.startswith("text/event-stream"), (
            f"expected text/event-stream; got {stream.content_type}")
    terminals = terminal_events(stream, profile)
    with checking("PRA-SSE-002D" if profile == "docs" else "PRA-SSE-002I"):
        assert terminals, f"expected a terminal event framed as the {profile} profile says; got {stream.data_lines}"
    with checking("PRA-SSE-003"):
        assert len(terminals) == 1, f"expected exactly one terminal event; got {[e.raw for _, e in terminals]}"
        announced, event = terminals[0]
        assert stream.events[-1] is event, (
            f"expected the stream to end at the terminal event; got {stream.events[-1].raw}")
        final = pra.status(job_id)["status"]
        assert announced == final, f"expected the terminal event ({announced}) to agree with the status ({final})"
    last = -1.0
    for ev in stream.events:
        if ev.event == "progress" and isinstance(ev.data, dict) and "percentage" in ev.data:
            pct = float(ev.data["percentage"])
            with checking("PRA-SSE-006"):
                assert 0 <= pct <= 100, f"expected progress in 0..100; got {pct}"
            advise("PRA-SSE-007", pct >= last, f"progress went back: {last} -> {pct}")
            last = pct
    return announced


@clause("PRA-SSE-001", "PRA-SSE-003", "PRA-SSE-006", "PRA-SSE-007")
@pytest.mark.parametrize("outcome", ["succeeded", "failed", "cancelled"])
def test_stream_ends_with_one_terminal_event(pra_hints: PraisonTarget, contract_profile: str, outcome: str) -> None:
    pra = pra_hints
    config = {"succeeded": pra.hints(steps=3), "failed": pra.hints(steps=2, mock_fail="stream failure"),
              "cancelled": pra.hints(mock_hang=True)}[outcome]
    job_id = pra.submit_ok(config=config)["job_id"]
    during = (lambda: _cancel(pra, job_id)) if outcome == "cancelled" else None
    stream = pra.stream(job_id, during=during)
    announced = check_stream(pra, stream, job_id, contract_profile)
    with checking("PRA-SSE-003"):
        assert announced == outcome, f"expected the stream of a {outcome} run to end {outcome}; got {announced}"


def _cancel(pra: PraisonTarget, job_id: str) -> None:
    pra.wait_status(job_id, "running")
    assert pra.cancel(job_id).status_code == 200


@clause("PRA-SSE-002D")
def test_stream_framing_docs(pra_hints: PraisonTarget) -> None:
    pra = pra_hints
    job_id = pra.submit_ok(config=pra.hints(steps=2))["job_id"]
    stream = pra.stream(job_id)
    assert stream.status == 200
    assert all(ev.event in ("progress", "log", "complete") for ev in stream.events), (
        f"expected data-framed events progress/log/complete; got {[e.raw for e in stream.events]}")
    complete = stream.events[-1]
    assert complete.event == "complete" and complete.data.get("job_id") == job_id, f"got {complete.raw}"
    assert stream.data_lines[-1].strip() == "[DONE]", f"expected 'data: [DONE]' last; got {stream.data_lines[-1:]}"


@clause("PRA-SSE-002I")
def test_stream_framing_impl(pra_hints: PraisonTarget) -> None:
    pra = pra_hints
    job_id = pra.submit_ok(config=pra.hints(steps=2))["job_id"]
    stream = pra.stream(job_id)
    names = [ev.event for ev in stream.events]
    allowed = {"status", "progress", "heartbeat", *IMPL_TERMINAL}
    assert set(names) <= allowed, f"expected named events among {sorted(allowed)}; got {names}"
    assert names[0] == "status" and stream.events[0].data.get("job_id") == job_id, f"got {stream.events[0].raw}"
    assert names[-1] == "result", f"expected a 'result' event at the end of a succeeded run; got {names}"


@clause("PRA-SSE-005D")
def test_stream_of_a_finished_job_is_400_docs(pra_hints: PraisonTarget) -> None:
    pra = pra_hints
    job_id = pra.submit_ok(config=pra.hints(steps=1))["job_id"]
    pra.wait_terminal(job_id)
    stream = pra.stream(job_id, drive_clock=False)
    assert stream.status == 400, f"expected 400 for the stream of a finished job; got {stream.status}"


@clause("PRA-SSE-005I", "PRA-SSE-003")
def test_stream_of_a_finished_job_ends_at_once_impl(pra_hints: PraisonTarget) -> None:
    pra = pra_hints
    job_id = pra.submit_ok(config=pra.hints(steps=1))["job_id"]
    pra.wait_terminal(job_id)
    stream = pra.stream(job_id, drive_clock=False)
    with checking("PRA-SSE-005I"):
        assert stream.status == 200, f"expected the stream of a finished job to answer 200; got {stream.status}"
        assert stream.events and stream.events[0].event == "status", f"expected the status first; got {stream.events}"
    assert check_stream(pra, stream, job_id, "impl") == "succeeded"
