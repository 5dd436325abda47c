"""PraisonAI runs from a cassette: each recorded run's observed timeline as a `Plan`.

Matching: the k-th submission with a prompt follows the k-th run recorded with that prompt (in the
order the recorded submissions began); a submission whose prompt has no recorded run left is
planned by the scenario as usual. Only submissions the recording accepted as new (202 with a job
id) are runs; a resubmission under an idempotency key found its run and is none.

What a recorded run is observed in: its submit answer (queued), status polls, listings, cancel
answers, result answers, and its event stream's status, progress, result and error events, each at
the instant the request began (an event: at its offset). From those (see mockserver.replaying for
the rule that places a change at the first observation showing it):
- it starts (leaves `queued`) at the first observation showing it running, finished on its own, or
  reporting progress; a run never seen so stays queued (a cancel answer alone says nothing);
- step k is reported at the first observation showing k steps completed; steps never shown are never
  reported before the end (a success reports them all at its end);
- it ends at the first terminal observation: `succeeded` with the recorded result (from
  /result, else the stream's result event), `failed` with the recorded error; `cancelled`, or no end
  in the recording, replays as a run that goes on until the replaying client cancels it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from httpx_sse import EventSource

from mockserver.cassette import RecordedExchange
from mockserver.praisonai.models import PICKUP_SECONDS, TERMINAL, PraisonAIModel
from mockserver.praisonai.plan import Plan
from mockserver.praisonai.stream_events import json_or_none, read_stream_event
from mockserver.replaying import Recorded

__all__ = ["PraisonAIReplay", "install", "recorded_runs"]

_RUNS = "/api/v1/runs"
_NO_RESULT: Any = object()


@dataclass
class _Seen:
    """One observation of a run: seconds after its submission, and what it showed."""

    at: float
    status: str | None = None
    done: int | None = None        # steps completed
    total: int | None = None       # steps in all
    result: Any = _NO_RESULT       # from /result: the value itself
    streamed: Any = _NO_RESULT     # from the stream's result event: its text (cut at 1000 characters)
    error: str | None = None


@dataclass
class _Timeline:
    job_id: str
    prompt: str
    submitted: float
    seen: list[_Seen] = field(default_factory=list)

    def plan(self, planned: Plan, speed: float) -> Plan:
        """This run's plan: the scenario's (`planned`, for the timeout and a result never recorded)
        with the recorded instants, outcome, result and error."""
        seen = sorted((s for s in self.seen if s.at >= 0), key=lambda s: s.at)
        # Started: seen running, finished on its own, or reporting progress (a cancel says nothing).
        start = next((s.at for s in seen if s.status in ("running", "succeeded", "failed")
                      or (s.status is None and s.total is not None)), math.inf)
        end_seen = next((s for s in seen if s.status in TERMINAL), None)
        total = max((s.total for s in seen if s.total), default=0)
        offsets = []
        for k in range(total):
            shown = next((s.at for s in seen if s.done is not None and s.done >= k and s.at >= start
                          and s.status != "queued"), None)
            if shown is None and k > 0 and end_seen is not None and end_seen.status == "succeeded":
                shown = end_seen.at   # a success shows every step done
            offsets.append(0.0 if k == 0 else (max(shown - start, 0.0) / speed if shown is not None
                                               else math.inf))
        for k in range(1, len(offsets)):   # reports come in order
            offsets[k] = max(offsets[k], offsets[k - 1])
        result = next((s.result for s in seen if s.result is not _NO_RESULT),
                      next((s.streamed for s in seen if s.streamed is not _NO_RESULT), planned.result))
        error = next((s.error for s in seen if s.error), None)
        queue_seconds = (max(start / speed - PICKUP_SECONDS, 0.0) if math.isfinite(start) else math.inf)
        ends = end_seen is not None and end_seen.status in ("succeeded", "failed")
        end_offset = max(end_seen.at - start, 0.0) / speed if ends and end_seen is not None else math.inf
        failed = ends and end_seen is not None and end_seen.status == "failed"
        return dataclasses.replace(
            planned, steps=total, step_seconds=0.0, report_offsets=tuple(offsets),
            end_offset=end_offset, queue_seconds=queue_seconds, result=result, invalid_hint=None,
            fail=(error or "Unknown error") if failed else None, hang=not ends)


class PraisonAIReplay:
    """The recorded runs of one cassette, handed to submissions by prompt (see the module's doc)."""

    def __init__(self, timelines: Sequence[_Timeline], speed: float) -> None:
        self.speed = speed
        self._recorded = Recorded((t.prompt, t) for t in timelines)

    def __len__(self) -> int:
        return len(self._recorded)

    def plan_for(self, prompt: str, planned: Plan) -> Plan:
        timeline = self._recorded.take(prompt)
        return planned if timeline is None else timeline.plan(planned, self.speed)

    def rewind(self) -> None:
        self._recorded.rewind()


def recorded_runs(exchanges: Sequence[RecordedExchange], speed: float) -> PraisonAIReplay:
    runs: dict[str, _Timeline] = {}
    for exchange in exchanges:
        if exchange.method == "POST" and exchange.path == _RUNS and exchange.status == 202:
            body, request = json_or_none(exchange.response_body), json_or_none(exchange.request_body)
            if isinstance(body, dict) and isinstance(body.get("job_id"), str) and isinstance(request, dict):
                job_id = body["job_id"]
                if job_id not in runs:   # the same id again: an idempotent resubmission
                    runs[job_id] = _Timeline(job_id, str(request.get("prompt", "")), exchange.started)
    for exchange in exchanges:
        for job_id, seen in _observations(exchange):
            run = runs.get(job_id)
            if run is not None:
                seen.at -= run.submitted
                run.seen.append(seen)
    return PraisonAIReplay(sorted(runs.values(), key=lambda t: t.submitted), speed)


def install(model: PraisonAIModel, exchanges: list[RecordedExchange], speed: float) -> str:
    """The spec's replay hook: what it found."""
    model.recorded = replay = recorded_runs(exchanges, speed)
    return f"{len(replay)} run(s)"


# -- reading observations out of exchanges -------------------------------------------------------------
def _observations(exchange: RecordedExchange) -> list[tuple[str, _Seen]]:
    if exchange.status is None or not exchange.path.startswith(_RUNS):
        return []
    rest = exchange.path[len(_RUNS):].strip("/")
    parts = rest.split("/") if rest else []
    at = exchange.started
    body = json_or_none(exchange.response_body)
    if not parts:
        if exchange.method == "POST" and exchange.status == 202 and isinstance(body, dict):
            return [(str(body.get("job_id")), _Seen(at, status=body.get("status")))]
        if exchange.method == "GET" and exchange.status == 200 and isinstance(body, dict):
            jobs = body.get("jobs")
            if not isinstance(jobs, list):
                return []
            return [(str(item.get("job_id")), _status_seen(at, item)) for item in jobs if isinstance(item, dict)]
        return []
    job_id = parts[0]
    if len(parts) == 1 and exchange.method == "GET" and exchange.status == 200 and isinstance(body, dict):
        return [(job_id, _status_seen(at, body))]
    if parts[1:] == ["cancel"] and exchange.status == 200 and isinstance(body, dict):
        return [(job_id, _status_seen(at, body))]
    if parts[1:] == ["result"] and exchange.status == 200 and isinstance(body, dict):
        seen = _Seen(at, status=body.get("status"), error=body.get("error"))
        if body.get("status") == "succeeded" and "result" in body:
            seen.result = body["result"]
        return [(job_id, seen)]
    if parts[1:] == ["stream"] and exchange.status == 200:
        return [(job_id, seen) for seen in _stream_seen(exchange)]
    return []


def _status_seen(at: float, body: dict[str, Any]) -> _Seen:
    progress = body.get("progress")
    if not isinstance(progress, dict):
        progress = {}
    done, total = progress.get("steps_completed"), progress.get("steps_total")
    return _Seen(at, status=body.get("status"), done=done if isinstance(done, int) else None,
                 total=total if isinstance(total, int) else None, error=body.get("error") or None)


def _stream_seen(exchange: RecordedExchange) -> list[_Seen]:
    """The stream's events (parsed by httpx-sse), each an observation at the offset of the recorded
    piece that completed it: a recorder may cut the stream anywhere, not only between events."""
    arrived = [0.0]

    def pieces() -> Iterator[bytes]:
        for recorded in exchange.events:
            arrived[0] = recorded.offset   # read lazily: set while the parser holds this piece
            yield recorded.text.encode("utf-8")

    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=pieces())
    found = []
    for sse in EventSource(response).iter_sse():
        read = read_stream_event(sse.event, sse.data)
        if read is None:
            continue
        (name, data), at = read, exchange.started + arrived[0]
        if name in ("status", "complete") and isinstance(data.get("status"), str):
            found.append(_Seen(at, status=data["status"]))
        elif name == "progress":
            found.append(_progress_seen(at, data))
        elif name == "result":
            found.append(_Seen(at, status="succeeded", streamed=data.get("result")))
        elif name == "error":
            found.append(_Seen(at, status="failed", error=data.get("error")))
        elif name == "cancelled":
            found.append(_Seen(at, status="cancelled"))
    return found


def _progress_seen(at: float, data: dict[str, Any]) -> _Seen:
    """`{"percentage": 33.3, "step": "Step 2 of 3"}` (the pages: `current_step`): the step's total,
    and the steps done."""
    words = str(data.get("step") or data.get("current_step") or "").split()
    total = int(words[3]) if len(words) == 4 and words[3].isdigit() else None
    percentage = data.get("percentage")
    done = (round(float(percentage) * total / 100) if total and isinstance(percentage, int | float) else None)
    return _Seen(at, done=done, total=total)

