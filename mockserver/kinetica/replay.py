"""Kinetica runs and jobs from a cassette: each recorded run's per-segment timeline, and each job's.

Matching: the k-th run of a proc (executed directly or through /create/job) follows the k-th run of
that proc in the recording, in the order the recorded requests began; the k-th job for an endpoint
follows the k-th recorded job for it. A run or job beyond the recorded ones is planned by the
scenario as usual. Requests and answers are read in the encoding they were recorded in (Avro binary
or JSON, per exchange), with the mock's own codec.

What a run is observed in: every /show/proc/status answer that lists it (each at the instant its
request began, measured from the run's /execute/proc or /create/job request). Per data segment,
with the rule of mockserver.replaying (a change at the first observation showing it):
- it starts at the first observation not `none`; never seen started, it never starts on its own;
- it ends at the first observation `complete` or `error`, with that observation's message and
  results, and printing the last output recorded for it; seen `killed` (a kill is the client's own
  request) or never seen ending, it keeps running until the replaying client kills it.
A job ends at its first /get/job answer `DONE` or `ERROR` (an ERROR with its recorded message);
seen `CANCELLED` or never seen ending, it runs until cancelled. Its progress is the mock's (even
over its recorded length), and a DONE job answers what its inner request answers in the replay.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockserver.cassette import RecordedExchange
from mockserver.kinetica import wire
from mockserver.kinetica.job_tags import JobTags
from mockserver.kinetica.models import COMPLETE, ERROR, NONE, KineticaModel, Segment
from mockserver.replaying import Recorded

__all__ = ["KineticaReplay", "install", "recorded_session"]

_EXECUTE, _STATUS, _CREATE_JOB, _GET_JOB = "/execute/proc", "/show/proc/status", "/create/job", "/get/job"
_ENDED = (COMPLETE, ERROR)


@dataclass(frozen=True)
class SegmentPlan:
    """One data segment's recorded timeline, in seconds after its run began (already scaled)."""

    start: float                   # inf: never seen started
    end: float | None              # None: no end of its own (killed, or unfinished when recorded)
    outcome: str = COMPLETE
    message: str = ""
    results: Mapping[str, str] = field(default_factory=dict)
    stdout: tuple[str, ...] = ()
    stderr: tuple[str, ...] = ()
    stdout_at: tuple[float, ...] = ()   # when each line was first shown, after the start
    stderr_at: tuple[float, ...] = ()

    def segment(self, run_id: str, index: int, now: float) -> Segment:
        ends = self.end is not None and math.isfinite(self.start)
        return Segment(index=index, created=now,
                       duration=(max(self.end - self.start, 0.0) if ends and self.end is not None else None),
                       polls_needed=None, hang=not ends, outcome=self.outcome, fail_message=self.message,
                       results=dict(self.results), stdout=self.stdout, stderr=self.stderr, run_id=run_id,
                       delay=self.start, stdout_at=self.stdout_at, stderr_at=self.stderr_at)


@dataclass(frozen=True)
class JobPlan:
    duration: float | None
    error: str | None


@dataclass
class _SegmentSeen:
    at: float
    status: str
    message: str
    results: Mapping[str, str]
    stdout: tuple[str, ...]
    stderr: tuple[str, ...]


@dataclass
class _Run:
    proc: str
    began: float
    run_id: str | None = None           # known from the answer (or, for a job, its DONE answer)
    job_id: int | None = None
    seen: dict[int, list[_SegmentSeen]] = field(default_factory=dict)

    def plan(self, speed: float) -> tuple[SegmentPlan, ...] | None:
        if not self.seen:
            return None
        return tuple(_segment_plan(self.seen[index], speed) for index in sorted(self.seen))


@dataclass
class _Job:
    endpoint: str
    began: float
    ended: float | None = None
    error: str | None = None
    open: bool = True                   # no terminal answer seen yet

    def plan(self, speed: float) -> JobPlan:
        if self.ended is None:
            return JobPlan(None, None)
        return JobPlan(max(self.ended - self.began, 0.0) / speed, self.error)


def _segment_plan(seen: list[_SegmentSeen], speed: float) -> SegmentPlan:
    seen = sorted(seen, key=lambda s: s.at)
    start = next((s.at for s in seen if s.status != NONE), math.inf)
    ended = next((s for s in seen if s.status in _ENDED), None)
    scaled_start = max(start, 0.0) / speed if math.isfinite(start) else math.inf
    printed: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {}
    for stream in ("stdout", "stderr"):
        lines: tuple[str, ...] = max((getattr(s, stream) for s in seen), key=len, default=())
        # Line k is printed at the first observation that showed more than k lines.
        at = tuple(next((max(s.at - start, 0.0) / speed for s in seen if len(getattr(s, stream)) > k), math.inf)
                   for k in range(len(lines))) if math.isfinite(start) else ()
        printed[stream] = (lines, at)
    (stdout, stdout_at), (stderr, stderr_at) = printed["stdout"], printed["stderr"]
    if ended is None:
        return SegmentPlan(scaled_start, None, stdout=stdout, stderr=stderr, stdout_at=stdout_at,
                           stderr_at=stderr_at)
    return SegmentPlan(scaled_start, max(ended.at, 0.0) / speed, ended.status, ended.message,
                       dict(ended.results), stdout, stderr, stdout_at, stderr_at)


class KineticaReplay:
    """One cassette's recorded runs (by proc name) and jobs (by endpoint)."""

    def __init__(self, runs: Sequence[_Run], jobs: Sequence[_Job], speed: float) -> None:
        self._runs = Recorded((run.proc, run.plan(speed)) for run in runs)
        self._jobs = Recorded((job.endpoint, job.plan(speed)) for job in jobs)
        self.counts = (len(runs), len(jobs))

    def run_for(self, proc_name: str) -> tuple[SegmentPlan, ...] | None:
        return self._runs.take(proc_name)

    def job_for(self, endpoint: str) -> JobPlan | None:
        return self._jobs.take(endpoint)

    def rewind(self) -> None:
        self._runs.rewind()
        self._jobs.rewind()


def install(model: KineticaModel, exchanges: list[RecordedExchange], speed: float) -> str:
    """The spec's replay hook: what it found."""
    model.recorded = replay = recorded_session(exchanges, speed)
    runs, jobs = replay.counts
    return f"{runs} run(s), {jobs} job(s)"


def recorded_session(exchanges: Sequence[RecordedExchange], speed: float) -> KineticaReplay:
    runs: list[_Run] = []
    by_run_id: dict[str, _Run] = {}
    by_job: dict[int, _Run] = {}
    jobs: dict[int, _Job] = {}
    tags = JobTags()                    # a job may be polled by its tag
    read_all = [(exchange, read) for exchange in exchanges if (read := _read(exchange)) is not None]
    for exchange, (endpoint, request, response) in read_all:
        if endpoint == _EXECUTE and response is not None:
            run = _Run(str(request.get("proc_name", "")), exchange.started, run_id=str(response.get("run_id")))
            runs.append(run)
            by_run_id[run.run_id or ""] = run
        elif endpoint == _CREATE_JOB and response is not None:
            job_id = int(response.get("job_id", -1))
            inner = str(request.get("endpoint", ""))
            jobs[job_id] = _Job(inner, exchange.started)
            tags.created(request, response)
            if inner == _EXECUTE:
                record = _inner_request(request)
                if record is not None:
                    run = _Run(str(record.get("proc_name", "")), exchange.started, job_id=job_id)
                    runs.append(run)
                    by_job[job_id] = run
        elif endpoint == _GET_JOB and response is not None:
            polled = tags.addressed(request)
            if polled is not None and polled in jobs:
                _job_seen(exchange, polled, response, jobs, by_job, by_run_id)
    # Second pass, once every run's id is known (a job's run is named only by its DONE answer, but
    # a listing of every run may have shown it before).
    for exchange, (endpoint, _, response) in read_all:
        if endpoint == _STATUS and response is not None:
            _status_seen(exchange.started, response, by_run_id)
    return KineticaReplay(runs, [jobs[key] for key in sorted(jobs, key=lambda k: jobs[k].began)], speed)


def _read(exchange: RecordedExchange) -> tuple[str, dict[str, Any], dict[str, Any] | None] | None:
    """The endpoint, its request record and its OK response record (None for an ERROR answer)."""
    endpoint = wire.endpoint_of(exchange.path)
    if endpoint is None or exchange.status is None or not exchange.response_body:
        return None
    try:
        encoding = wire.encoding_of(exchange.header("content-type", response=False))
        request = wire.codec(endpoint).decode_request(exchange.request_body, encoding)
        wrapper = wire.decode_wrapper(exchange.response_body, encoding)
        if wrapper.get("status") != "OK":
            return endpoint, request, None
        payload = wrapper["data_str"] if encoding == wire.JSON else wrapper["data"]
        return endpoint, request, wire.decode_response_record(endpoint, payload, encoding)
    except Exception:  # a recorded exchange this mock cannot read is no observation
        return None


def _inner_encoding(named: Any) -> str:
    """The wire encoding a job's inner request or answer is in ("json", else binary Avro)."""
    return wire.JSON if str(named or "binary").lower() == "json" else wire.BINARY


def _inner_request(request: Mapping[str, Any]) -> dict[str, Any] | None:
    encoding = _inner_encoding(request.get("request_encoding"))
    payload = request.get("data_str", "").encode("utf-8") if encoding == wire.JSON else request.get("data", b"")
    try:
        return wire.codec(_EXECUTE).decode_request(payload, encoding)
    except wire.WireError:
        return None


def _job_seen(exchange: RecordedExchange, job_id: int, response: Mapping[str, Any],
              jobs: dict[int, _Job], by_job: dict[int, _Run], by_run_id: dict[str, _Run]) -> None:
    job, status = jobs[job_id], str(response.get("job_status", ""))
    if job.open and status in ("DONE", "ERROR", "CANCELLED"):
        job.open = False
        if status != "CANCELLED":
            job.ended = exchange.started
            if status == "ERROR":
                job.error = str((response.get("status_map") or {}).get("error_message", ""))
    run = by_job.get(job_id)
    if status == "DONE" and run is not None and run.run_id is None:
        encoding = _inner_encoding(response.get("response_encoding"))
        payload = response.get("job_response_str", "") if encoding == wire.JSON else response.get("job_response", b"")
        try:
            run.run_id = str(wire.decode_response_record(_EXECUTE, payload, encoding).get("run_id"))
        except Exception:  # an inner answer this mock cannot read: the run is not observed
            return
        by_run_id[run.run_id] = run


def _status_seen(started: float, response: Mapping[str, Any], by_run_id: dict[str, _Run]) -> None:
    statuses = response.get("statuses") or {}
    for run_id, segments in statuses.items():
        run = by_run_id.get(run_id)
        if run is None or not isinstance(segments, Mapping):
            continue
        messages = (response.get("messages") or {}).get(run_id) or {}
        results = (response.get("results") or {}).get(run_id) or {}
        output = (response.get("output") or {}).get(run_id) or {}
        for key, status in segments.items():
            try:
                index = int(key)
            except ValueError:
                continue
            printed = output.get(key) or {}
            run.seen.setdefault(index, []).append(_SegmentSeen(
                started - run.began, str(status), str(messages.get(key, "")), dict(results.get(key) or {}),
                tuple(printed.get("stdout") or ()), tuple(printed.get("stderr") or ())))
