"""Procs, runs, data segments and jobs: the Kinetica lifecycle, free of HTTP.

When a run is executed, the scenario (plus the hints in its params) is turned into a *plan*: per
segment, how long it runs (seconds, a number of status polls, or forever), how it ends, what it
prints and returns. A segment starts at once, or, when its proc limits concurrency per node, when
a slot on its node frees up. Afterwards only events change anything (a kill, a forced failure, a
clear, a status poll), and every answer is computed from plan + events + `clock.now()`. Nothing
runs in the background; a finished segment never changes again.

Every public method takes a typed request (mockserver.kinetica.requests) and returns a view (plain
values or the dataclasses below), or raises `KineticaError` for a logical error; turning those into
Avro-field records is the HTTP side's work (mockserver.kinetica.records). `version` counts changes,
so that side can cache an answer until something changes.
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Protocol

from mockserver.clock import Clock
from mockserver.ids import IdCounter
from mockserver.kinetica.errors import KineticaError
from mockserver.kinetica.job_tags import JobTags
from mockserver.kinetica.requests import (
    CreateJob,
    CreateProc,
    ExecuteProc,
    GetJob,
    Hints,
    KillProc,
    ProcDefinition,
    ShowProcStatus,
)
from mockserver.kinetica.scenario import Behaviour, Duration, KineticaScenario
from mockserver.retention import FinishedRuns, Retention
from mockserver.scenario import Scenario, ScenarioStore

__all__ = ["ID_COUNTERS", "JOB_IDS", "RUN_IDS", "KineticaError", "KineticaModel"]

NONE, RUNNING, COMPLETE, ERROR, KILLED = "none", "running", "complete", "error", "killed"
JOB_RUNNING, JOB_DONE, JOB_ERROR, JOB_CANCELLED = "RUNNING", "DONE", "ERROR", "CANCELLED"
CORE_VERSION = "7.2.3.0"
KILLED_MESSAGE = "proc instance killed"
# Run ids and job ids, decimal numbers, never handed out twice in this process (mockserver.ids);
# by name for the state file (ApiSpec.id_counters).
RUN_IDS = IdCounter()
JOB_IDS = IdCounter()
ID_COUNTERS = {"run": RUN_IDS, "job": JOB_IDS}


class RecordedSegment(Protocol):
    def segment(self, run_id: str, index: int, now: float) -> Segment: ...


class RecordedJob(Protocol):
    @property
    def duration(self) -> float | None:
        """Seconds until it ends; None: it never ends on its own."""

    @property
    def error(self) -> str | None:
        """The recorded error message, when it ended in ERROR."""


class RecordedSession(Protocol):
    """Where replayed runs' and jobs' plans come from (mockserver.kinetica.replay.KineticaReplay)."""

    def run_for(self, proc_name: str) -> Sequence[RecordedSegment] | None: ...

    def job_for(self, endpoint: str) -> RecordedJob | None: ...

    def rewind(self) -> None: ...


# -- the plan of one data segment ---------------------------------------------------------------
@dataclass(eq=False, slots=True)
class Segment:
    index: int
    created: float
    duration: float | None          # seconds; None: ends after `polls_needed` polls, or hangs
    polls_needed: int | None        # None unless the end is counted in status polls
    hang: bool
    outcome: str                    # COMPLETE or ERROR, if nobody intervenes
    fail_message: str
    results: dict[str, str]
    stdout: tuple[str, ...]
    stderr: tuple[str, ...]
    start: float | None = None
    end: float | None = None        # known once decided; the segment is finished when now >= end
    final: str = COMPLETE           # status from `end` on
    message: str = ""
    polls_seen: int = 0
    run_id: str = ""
    delay: float = 0.0              # replayed: from its creation to its recorded start (inf: never starts)
    stdout_at: tuple[float, ...] | None = None   # replayed: when each line is printed, after the start
    stderr_at: tuple[float, ...] | None = None

    def unplan(self) -> None:
        self.start = self.end = None
        self.final, self.message = COMPLETE, ""

    def begin(self, at: float) -> None:
        """Start when the slot comes free at `at`; a replayed segment not before its recorded start,
        which already holds whatever queueing the recording saw (so a wait is not counted twice)."""
        self.start = at = max(at, self.created + self.delay)
        if self.hang:
            return
        if self.duration is not None:
            self.end, self.final = at + self.duration, self.outcome
        elif self.polls_needed == 0:
            self.end, self.final = at, self.outcome
        if self.end is not None and self.final == ERROR:
            self.message = self.fail_message

    def status(self, now: float) -> str:
        if self.end is not None and now >= self.end:
            return self.final
        if self.start is None or now < self.start:
            return NONE
        return RUNNING

    def finished(self, now: float) -> bool:
        return self.end is not None and now >= self.end

    def running(self, now: float) -> bool:
        return self.start is not None and self.start <= now and not self.finished(now)

    def stop(self, now: float, final: str, message: str) -> bool:
        """Kill or fail the segment at `now` unless it has already finished."""
        if self.finished(now):
            return False
        self.end, self.final, self.message = now, final, message
        return True

    def poll(self, now: float) -> bool:
        """Count a status poll of a segment that ends after N polls; False if it does not count."""
        if self.polls_needed is None or not self.running(now) or self.end is not None:
            return False
        self.polls_seen += 1
        if self.polls_seen >= self.polls_needed:
            self.end, self.final = now, self.outcome
            if self.final == ERROR:
                self.message = self.fail_message
        return True

    def lines(self, stream: tuple[str, ...], now: float, limit: int) -> list[str]:
        """Lines printed by `now` (spread evenly over the planned duration), the last `limit`."""
        if self.start is None or not stream or limit <= 0:
            return []
        upto = min(now, self.end) if self.end is not None else now
        if upto < self.start:
            return []
        printed_at = self.stdout_at if stream is self.stdout else self.stderr_at
        span = self.duration or 0.0
        if printed_at is not None:
            begun = self.start
            count = bisect.bisect_right(range(len(printed_at)), upto, key=lambda k: begun + printed_at[k])
        elif span <= 0:
            count = len(stream)
        else:
            count = min(len(stream), math.floor((upto - self.start) * len(stream) / span + 1e-9) + 1)
        return list(stream[max(0, count - limit):count])

    def timings(self, now: float) -> dict[str, int]:
        # The docs only say "timing information"; these key names are this mock's choice.
        out: dict[str, int] = {}
        if self.start is not None and self.start <= now:
            out["start_time"] = round(self.start * 1000)
            stop = self.end if self.finished(now) else now
            out["elapsed_ms"] = round((stop - self.start) * 1000)  # type: ignore[operator]
            if self.finished(now):
                out["end_time"] = round(self.end * 1000)  # type: ignore[operator]
        return out


_NO_RESULTS: Mapping[str, str] = MappingProxyType({})


@dataclass(eq=False, slots=True)
class FinishedSegment:
    """A segment that has finished, reduced to what its answers show: it never changes again, and
    a mock left running holds very many."""

    final: str
    message: str
    start: float | None
    end: float
    results: Mapping[str, str]
    stdout: tuple[str, ...]           # every line it printed
    stderr: tuple[str, ...]
    polls_seen: int

    @classmethod
    def of(cls, segment: Segment, now: float) -> FinishedSegment:
        assert segment.end is not None
        everything = 1 << 30
        return cls(segment.final, segment.message, segment.start, segment.end,
                   MappingProxyType(segment.results) if segment.results else _NO_RESULTS,
                   tuple(segment.lines(segment.stdout, now, everything)),
                   tuple(segment.lines(segment.stderr, now, everything)), segment.polls_seen)

    def status(self, now: float) -> str:
        return self.final

    def finished(self, now: float) -> bool:
        return True

    def poll(self, now: float) -> bool:
        return False

    def stop(self, now: float, final: str, message: str) -> bool:
        return False

    @staticmethod
    def lines(printed: tuple[str, ...], now: float, limit: int) -> list[str]:
        return list(printed[-limit:]) if limit > 0 else []

    def timings(self, now: float) -> dict[str, int]:
        if self.start is None:   # stopped before it started
            return {}
        return {"start_time": round(self.start * 1000), "elapsed_ms": round((self.end - self.start) * 1000),
                "end_time": round(self.end * 1000)}


class NodeQueue:
    """One node's slots for one proc: at most `capacity` of its segments run at once, FIFO.

    Starts are planned when something changes (a segment admitted, killed, failed, or ended by a
    poll), from the planned ends of the segments ahead: a read only compares the plan with the clock,
    so answering one changes nothing here.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.segments: list[Segment] = []  # admitted, in order; dropped once finished before a plan

    def admit(self, segment: Segment, now: float) -> None:
        self.segments.append(segment)
        self.plan(now)

    def withdraw(self, segment: Segment) -> None:
        """A segment stopped before it started: it never takes a slot."""
        if segment in self.segments:
            self.segments.remove(segment)

    def plan(self, now: float) -> None:
        """(Re)plan the start of every segment not started by `now`: each takes the earliest slot
        that frees up (a segment whose end is not known yet holds its slot)."""
        self.segments = [s for s in self.segments if s.end is None or s.end >= now]
        free = [-math.inf] * self.capacity  # a heap of the instants slots come free
        for segment in self.segments:
            slot = heapq.heappop(free)
            if segment.start is None or segment.start > now:
                segment.unplan()
                if slot != math.inf:
                    segment.begin(max(slot, segment.created))
            heapq.heappush(free, segment.end if segment.end is not None else math.inf)


# -- procs, runs, jobs --------------------------------------------------------------------------
@dataclass(eq=False)
class AutoStart:
    run_id: str
    request: ExecuteProc
    ordinal: int   # the run's place since the last reset: what seeds its random choices


@dataclass(eq=False)
class Proc:
    definition: ProcDefinition
    max_concurrency: int                       # 0 = unlimited
    queues: dict[int, NodeQueue] = field(default_factory=dict)
    auto_starts: dict[str, AutoStart] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.definition.name

    def queue(self, node: int) -> NodeQueue:
        if node not in self.queues:
            self.queues[node] = NodeQueue(self.max_concurrency)
        return self.queues[node]


_EMPTY: Mapping[Any, Any] = MappingProxyType({})


@dataclass(eq=False, slots=True)
class Run:
    run_id: str
    proc: Proc
    created: float
    params: Mapping[str, str]
    bin_params: Mapping[str, bytes]
    input_table_names: Sequence[str]
    input_column_names: Mapping[str, Sequence[str]]
    output_table_names: Sequence[str]
    options: Mapping[str, str]
    run_tag: str
    max_output_lines: int
    segments: Sequence[Segment | FinishedSegment]
    done: bool = False   # compacted: finished for good, every segment a FinishedSegment

    def finished(self, now: float) -> bool:
        return self.done or all(s.finished(now) for s in self.segments)

    def compact(self, now: float) -> None:
        """Once finished: keep only what the answers show, share what is empty."""
        self.segments = tuple(FinishedSegment.of(s, now) for s in self.segments)  # type: ignore[arg-type]
        self.params = self.params or _EMPTY
        self.bin_params = self.bin_params or _EMPTY
        self.input_table_names = tuple(self.input_table_names)
        self.input_column_names = self.input_column_names or _EMPTY
        self.output_table_names = tuple(self.output_table_names)
        self.options = self.options or _EMPTY
        self.done = True

    def overall(self, now: float) -> str:
        statuses = [s.status(now) for s in self.segments]
        if RUNNING in statuses:
            return RUNNING
        if NONE in statuses:
            return NONE if all(st == NONE for st in statuses) else RUNNING
        for rollup in (ERROR, KILLED):
            if rollup in statuses:
                return rollup
        return COMPLETE

    def status_slice(self, now: float) -> dict[str, Any]:
        """This run's entries of every show_proc_status map (fresh containers: callers may keep them)."""
        ids = [str(i) for i in range(len(self.segments))]
        limit = self.max_output_lines
        return {
            "proc_names": self.proc.name,
            "params": dict(self.params),
            "bin_params": dict(self.bin_params),
            "input_table_names": list(self.input_table_names),
            "input_column_names": {t: list(c) for t, c in self.input_column_names.items()},
            "output_table_names": list(self.output_table_names),
            "options": dict(self.options),
            "overall_statuses": self.overall(now),
            "statuses": {i: s.status(now) for i, s in zip(ids, self.segments, strict=True)},
            "messages": {i: (s.message if s.finished(now) else "")
                         for i, s in zip(ids, self.segments, strict=True)},
            "results": {i: (dict(s.results) if s.status(now) == COMPLETE else {})
                        for i, s in zip(ids, self.segments, strict=True)},
            "bin_results": {i: {} for i in ids},
            "output": {i: {"stdout": s.lines(s.stdout, now, limit), "stderr": s.lines(s.stderr, now, limit)}
                       for i, s in zip(ids, self.segments, strict=True)},
            "timings": {i: s.timings(now) for i, s in zip(ids, self.segments, strict=True)},
        }


@dataclass(eq=False)
class Job:
    job_id: int
    endpoint: str
    encoding: str                    # "binary" or "json": how the inner request came, and the answer goes
    tag: str
    created: float
    duration: float | None
    polls_needed: int | None
    outcome: str                     # JOB_DONE or JOB_ERROR
    response: bytes                  # the inner endpoint's encoded response record
    error_message: str
    end: float | None = None
    cancelled_at: float | None = None
    polls_seen: int = 0

    def __post_init__(self) -> None:
        if self.duration is not None:
            self.end = self.created + self.duration
        elif self.polls_needed == 0:
            self.end = self.created

    def status(self, now: float) -> str:
        if self.cancelled_at is not None:
            return JOB_CANCELLED
        if self.end is not None and now >= self.end:
            return self.outcome
        return JOB_RUNNING

    def progress(self, now: float) -> int:
        status = self.status(now)
        if status in (JOB_DONE, JOB_ERROR):
            return 100
        at = self.cancelled_at if self.cancelled_at is not None else now
        if self.duration:
            return max(0, min(99, int(100 * (at - self.created) / self.duration)))
        if self.polls_needed:
            return min(99, 100 * self.polls_seen // self.polls_needed)
        return 0


_JOB_TAG = re.compile(r"^[A-Za-z0-9_-]+$")


# -- views (what the model answers; a proc's is its ProcDefinition) --------------------------------
@dataclass(frozen=True)
class StatusView:
    """Per run, its entries of every show_proc_status map (see STATUS_MAPS)."""

    runs: dict[str, dict[str, Any]]
    final: bool  # no answer to the same question can ever differ (every run finished, none cleared)


@dataclass(frozen=True)
class JobView:
    endpoint: str
    status: str
    progress: int
    encoding: str
    response: bytes  # the inner endpoint's encoded answer, once DONE
    error_message: str
    tag: str


@dataclass(frozen=True)
class JobCreated:
    job_id: int
    tag: str


# -- the model ----------------------------------------------------------------------------------
class KineticaModel:
    """All Kinetica state of one mock instance. Thread-safe: one lock around every operation."""

    def __init__(self, clock: Clock, scenario: Callable[[], Scenario] | ScenarioStore, *,
                 core_version: str = CORE_VERSION, retention: Retention | None = None) -> None:
        """`retention`: when finished runs are forgotten (default: never, as the database does)."""
        self.clock = clock
        self.retention = retention if retention is not None else Retention()
        self._scenario = scenario
        self.core_version = core_version
        self._lock = threading.RLock()
        self.generation = 0  # resets and restarts
        self.version = 0     # every change of state
        # A recorded session's runs and jobs (mockserver.kinetica.replay): the k-th run of a proc
        # and the k-th job for an endpoint follow the recorded ones instead of the scenario.
        self.recorded: RecordedSession | None = None
        self._reset_state()

    # -- housekeeping -------------------------------------------------------------------------
    def _reset_state(self) -> None:
        self._procs: dict[str, Proc] = {}
        self._runs: dict[str, Run] = {}
        # Heap of (instant, run id) at which a segment is planned to end: a run found finished
        # then is compacted (see _settle). Entries go stale when plans change; each is checked.
        self._ends: list[tuple[float, str]] = []
        self._retired: FinishedRuns[str] = FinishedRuns(self.retention)
        self._jobs: dict[int, Job] = {}
        self._job_tags = JobTags()
        self._run_seq = 0
        self._job_seq = 0

    def reset(self) -> None:
        """Forget every proc, run and job (a replay starts again from the recording's first run)."""
        with self._lock:
            if self.recorded is not None:
                self.recorded.rewind()
            self._reset_state()
            self.generation += 1
            self.version += 1

    def scenario(self) -> KineticaScenario:
        return self._scenario().section("kinetica")

    def _root_scenario(self) -> Scenario:
        return self._scenario()

    def _now(self) -> float:
        return self.clock.now()

    def _settle(self) -> float:
        """Now; every run whose last segment has ended by now is compacted (finished for good).
        Costs the runs that finished since the last call, not the runs stored."""
        now = self.clock.now()
        ends = self._ends
        while ends and ends[0][0] <= now:
            _, run_id = heapq.heappop(ends)
            run = self._runs.get(run_id)
            if run is not None and not run.done and run.finished(now):
                run.compact(now)
                self._retired.add(max(s.end for s in run.segments if s.end is not None), run_id)
        for run_id in self._retired.due(lambda: len(self._runs), now):
            if self._runs.pop(run_id, None) is not None:   # else cleared already
                self.version += 1
        return now

    def _track(self, segments: Iterable[Segment | FinishedSegment]) -> None:
        """Note the planned ends of these segments (after anything that may have changed them)."""
        for segment in segments:
            if isinstance(segment, Segment) and segment.end is not None:
                heapq.heappush(self._ends, (segment.end, segment.run_id))

    def _track_proc(self, proc: Proc) -> None:
        for queue in proc.queues.values():
            self._track(queue.segments)

    def _proc(self, name: str) -> Proc:
        if not name:
            raise KineticaError("proc_name must not be empty")
        proc = self._procs.get(name)
        if proc is None:
            raise KineticaError(f"Proc '{name}' does not exist")
        return proc

    # -- procs --------------------------------------------------------------------------------
    def create_proc(self, request: CreateProc) -> str:
        with self._lock:
            name = request.proc.name
            if name in self._procs:
                raise KineticaError(f"Proc '{name}' already exists")
            limit = request.max_concurrency_per_node
            self._procs[name] = Proc(
                request.proc, limit if limit is not None else self.scenario().max_concurrency_per_node)
            self.version += 1
            return name

    def show_proc(self, name: str) -> list[ProcDefinition]:
        """One proc, or every proc when `name` is empty: as defined, with the options it shows now."""
        with self._lock:
            procs = [self._proc(name)] if name else list(self._procs.values())
            return [replace(p.definition, options=self._shown_options(p)) for p in procs]

    @staticmethod
    def _shown_options(proc: Proc) -> dict[str, str]:
        shown = dict(proc.definition.options)
        if proc.auto_starts:
            # Where the auto-start run ids are reported is this mock's choice (the docs only say
            # /show/proc reports them).
            shown["auto_start_run_id"] = ",".join(proc.auto_starts)
        return shown

    def has_proc(self, name: str) -> bool:
        with self._lock:
            return name in self._procs

    def delete_proc(self, name: str) -> str:
        """Delete a proc; its running runs are killed (and stay visible in /show/proc/status)."""
        with self._lock:
            proc = self._proc(name)
            now = self._settle()
            for run in self._runs.values():
                if run.proc is proc:
                    self._kill(run, now)
            del self._procs[proc.name]
            self.version += 1
            return proc.name

    # -- runs ---------------------------------------------------------------------------------
    def execute_proc(self, request: ExecuteProc) -> str:
        """The new run's id."""
        with self._lock:
            proc = self._proc(request.name)
            if proc.definition.distributed:
                stray = sorted(set(request.input_column_names) - set(request.input_table_names))
                if stray:
                    raise KineticaError(f"input_column_names names table(s) {stray} "
                                        "that are not in input_table_names")
            self._run_seq += 1
            # Never reused in this process, reset or not (a reproduce line names it); the random
            # choices are seeded by the run's place since the reset, so a seeded scenario repeats.
            run_id = str(RUN_IDS.next())
            self.version += 1
            if request.execute_at_startup:
                proc.auto_starts[run_id] = AutoStart(run_id, request, self._run_seq)
                return run_id
            self._start_run(run_id, proc, request, self._settle(), self._run_seq)
            return run_id

    def _start_run(self, run_id: str, proc: Proc, request: ExecuteProc, now: float, ordinal: int) -> Run:
        scenario = self.scenario()
        hints = request.hints
        behaviour = hints.over(scenario.behaviour_for(proc.name, request.run_tag))
        rng = self._root_scenario().rng("kinetica", "run", str(ordinal))
        count = behaviour.segments if proc.definition.distributed else 1
        recorded = self.recorded.run_for(proc.name) if self.recorded is not None else None
        if recorded:
            chosen = recorded if proc.definition.distributed else recorded[:1]
            segments = [plan.segment(run_id, i, now) for i, plan in enumerate(chosen)]
        else:
            segments = [self._plan_segment(run_id, i, now, behaviour, hints, rng) for i in range(count or 1)]
        if proc.definition.distributed:
            tables = list(request.input_table_names)
            columns = {t: list(request.input_column_names.get(t, scenario.tables.get(t, ()))) for t in tables}
            outputs = list(request.output_table_names)
        else:  # table parameters are ignored for nondistributed procs
            tables, columns, outputs = [], {}, []
        run = Run(run_id=run_id, proc=proc, created=now, params=dict(request.params),
                  bin_params=dict(request.bin_params), input_table_names=tables,
                  input_column_names=columns, output_table_names=outputs, options=dict(request.options),
                  run_tag=request.run_tag, max_output_lines=request.max_output_lines, segments=segments)
        self._runs[run_id] = run
        for segment in segments:
            if proc.max_concurrency > 0:
                proc.queue(segment.index).admit(segment, now)  # one data segment per node
            else:
                segment.begin(now)
        self._track(segments)
        self._track_proc(proc)
        return run

    @staticmethod
    def _plan_segment(run_id: str, index: int, now: float, behaviour: Behaviour, hints: Hints, rng: Any
                      ) -> Segment:
        duration_spec = behaviour.duration or Duration()
        drawn = duration_spec.draw(rng)
        failure = behaviour.failure
        assert failure is not None
        fails = failure.fails(index, rng)  # always drawn, so hints never shift later draws
        if hints.fail_segments is not None:
            fails = hints.fail_segments == "all" or index in hints.fail_segments
        message = hints.fail_message if hints.fail_message is not None else failure.message_for(index)
        return Segment(
            index=index, created=now,
            duration=drawn, polls_needed=duration_spec.polls if drawn is None else None,
            hang=bool(behaviour.hang), outcome=ERROR if fails else COMPLETE, fail_message=message,
            results=dict(behaviour.results or {}), stdout=behaviour.stdout or (),
            stderr=behaviour.stderr or (), run_id=run_id)

    def count_poll(self, request: ShowProcStatus) -> None:
        """A status poll, as an event: segments whose duration is counted in polls end after N of
        them. The HTTP layer records it before it reads, so that reading changes nothing."""
        with self._lock:
            now = self._now()
            for run in self._select(request.run_id, request.run_tag):
                if not run.done and any([segment.poll(now) for segment in run.segments]):
                    self.version += 1  # one may have ended a segment and freed a slot
                    self._replan(run.proc, now)
                    self._track(run.segments)
                    self._track_proc(run.proc)

    def show_proc_status(self, request: ShowProcStatus) -> StatusView:
        """The selected runs' status (clear_complete, when asked, removes the finished ones)."""
        with self._lock:
            now = self._settle()
            runs = self._select(request.run_id, request.run_tag)
            view = StatusView({run.run_id: run.status_slice(now) for run in runs},
                              final=all(run.finished(now) for run in runs) and not request.clear_complete)
            if request.clear_complete:
                for run in runs:
                    if run.finished(now):
                        del self._runs[run.run_id]
                        self.version += 1
            return view

    def _select(self, run_id: str, run_tag: str) -> list[Run]:
        if run_id:
            run = self._runs.get(run_id)
            runs = [run] if run is not None else []
        else:
            runs = list(self._runs.values())
        if run_tag:
            runs = [r for r in runs if r.run_tag == run_tag]
        return runs

    def kill_proc(self, request: KillProc) -> list[str]:
        """The ids of the runs killed."""
        with self._lock:
            run_id, run_tag = request.run_id, request.run_tag
            now = self._settle()
            killed = [r.run_id for r in self._select(run_id, run_tag) if self._kill(r, now)]
            if request.clear_execute_at_startup:
                for proc in self._procs.values():
                    for rid in list(proc.auto_starts):
                        started = self._runs.get(rid)
                        tag = proc.auto_starts[rid].request.run_tag
                        if (not run_id or rid == run_id) and (not run_tag or tag == run_tag):
                            del proc.auto_starts[rid]
                            if rid not in killed and (started is None or not started.finished(now)):
                                killed.append(rid)
            self.version += 1
            return killed

    def _kill(self, run: Run, now: float) -> bool:
        """Kill whatever of the run has not finished; True if anything was (only unfinished runs)."""
        if run.finished(now):
            return False
        for segment in run.segments:
            waiting = segment.start is None or segment.start > now
            if segment.stop(now, KILLED, KILLED_MESSAGE) and waiting and isinstance(segment, Segment):
                segment.start = None
                self._withdraw(run.proc, segment)
        self._replan(run.proc, now)
        self._track(run.segments)
        self._track_proc(run.proc)
        return True

    @staticmethod
    def _withdraw(proc: Proc, segment: Segment) -> None:
        for queue in proc.queues.values():
            queue.withdraw(segment)

    @staticmethod
    def _replan(proc: Proc, now: float) -> None:
        for queue in proc.queues.values():
            queue.plan(now)

    # -- auto-start ---------------------------------------------------------------------------
    def startup(self) -> list[str]:
        """What the database does when it starts: run every recorded auto-start run not yet running."""
        with self._lock:
            now = self._now()
            started = []
            for proc in self._procs.values():
                for auto in proc.auto_starts.values():
                    if auto.run_id not in self._runs:
                        self._start_run(auto.run_id, proc, auto.request, now, auto.ordinal)
                        started.append(auto.run_id)
                        self.version += 1
            return started

    def restart(self) -> list[str]:
        """A database restart: runs and jobs are gone, procs stay, auto-start runs begin."""
        with self._lock:
            self.generation += 1
            self.version += 1  # run ids come back: nothing cached about the old runs may survive
            self._runs.clear()
            self._ends.clear()
            self._retired.clear()
            self._jobs.clear()
            self._job_tags.clear()
            for proc in self._procs.values():
                proc.queues.clear()
            return self.startup()

    # -- jobs ---------------------------------------------------------------------------------
    def create_job(self, request: CreateJob, run: Callable[[], bytes]) -> JobCreated:
        """A job for an inner request: `run()` answers it now (the encoded response record, or
        KineticaError), and the job holds that answer until the job's time is up."""
        with self._lock:
            tag = request.tag
            if tag and not _JOB_TAG.match(tag):
                raise KineticaError(f"job_tag {tag!r} may only use letters, digits, '_' and '-'")
            if tag in self._job_tags:
                raise KineticaError(f"job_tag {tag!r} is already in use")
            scenario = self.scenario()
            self._job_seq += 1
            job_id = JOB_IDS.next()  # never reused in this process (see mockserver.ids)
            try:
                response, outcome, error = run(), JOB_DONE, ""
            except KineticaError as exc:
                response, outcome, error = b"", JOB_ERROR, exc.message
            now = self._now()
            rng = self._root_scenario().rng("kinetica", "job", self._job_seq)
            duration = scenario.job_duration.draw(rng)
            polls_needed = scenario.job_duration.polls if duration is None else None
            recorded = self.recorded.job_for(request.endpoint) if self.recorded is not None else None
            if recorded is not None:
                duration, polls_needed = recorded.duration, None
                if recorded.error is not None and outcome == JOB_DONE:
                    response, outcome, error = b"", JOB_ERROR, recorded.error
            tag = tag or f"job-{job_id}"
            self._jobs[job_id] = Job(
                job_id=job_id, endpoint=request.endpoint, encoding=request.encoding, tag=tag, created=now,
                duration=duration, polls_needed=polls_needed,
                outcome=outcome, response=response, error_message=error)
            self._job_tags[tag] = job_id
            self.version += 1
            return JobCreated(job_id, tag)

    def count_job_poll(self, request: GetJob) -> None:
        """A /get/job poll, as an event (jobs whose duration is counted in polls); unknown ids are the
        read's to refuse."""
        with self._lock:
            job_id = self._job_tags.job_of(request.tag, request.job_id)
            job = self._jobs.get(job_id) if job_id is not None else None
            if job is not None and job.polls_needed is not None and job.end is None and job.cancelled_at is None:
                job.polls_seen += 1
                self.version += 1
                if job.polls_seen >= job.polls_needed:
                    job.end = self.clock.now()

    def get_job(self, request: GetJob) -> JobView:
        with self._lock:
            if request.tag:
                if request.tag not in self._job_tags:
                    raise KineticaError(f"no job with job_tag {request.tag!r}")
                job = self._jobs[self._job_tags[request.tag]]
            else:
                found = self._jobs.get(request.job_id)
                if found is None:
                    raise KineticaError(f"Job {request.job_id} does not exist")
                job = found
            now = self.clock.now()
            status = job.status(now)
            return JobView(job.endpoint, status, job.progress(now), job.encoding,
                           job.response if status == JOB_DONE else b"", job.error_message, job.tag)

    # -- system -------------------------------------------------------------------------------
    def system_properties(self, public_url: str | None = None) -> dict[str, str]:
        """What the gpudb constructor reads: the version, and a one-host, non-HA cluster whose
        head node is the URL the client used (so it never tries to go elsewhere)."""
        return {
            "version.gpudb_core_version": self.core_version,
            "conf.enable_ha": "FALSE",
            "conf.enable_httpd_proxy": "FALSE",
            "conf.use_https": "FALSE",
            "conf.number_of_hosts": "1",
            "conf.host0_public_urls": public_url or "http://127.0.0.1:9191",
        }

    # -- control helpers (the control plane and tests call these) ------------------------------
    def kill_run(self, run_id: str) -> bool:
        with self._lock:
            run = self._runs.get(run_id)
            if run is None:
                raise KineticaError(f"no run {run_id!r}")
            self.version += 1
            return self._kill(run, self._settle())

    def fail_segment_now(self, run_id: str, segment: int, message: str = "failed by the mock's control plane"
                         ) -> bool:
        """End one segment with `error` now; False if it had already finished."""
        with self._lock:
            run = self._runs.get(run_id)
            if run is None:
                raise KineticaError(f"no run {run_id!r}")
            if not 0 <= segment < len(run.segments):
                raise KineticaError(f"run {run_id} has no data segment {segment}")
            seg = run.segments[segment]
            now = self._settle()
            if seg.finished(now) or not isinstance(seg, Segment):
                return False
            if seg.start is None or seg.start > now:  # still queued: it starts and fails at once
                self._withdraw(run.proc, seg)
                seg.unplan()
                seg.start = now
            self.version += 1
            failed = seg.stop(now, ERROR, message)
            self._replan(run.proc, now)
            self._track(run.segments)
            self._track_proc(run.proc)
            return failed

    def cancel_job(self, job_id: int) -> bool:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise KineticaError(f"Job {job_id} does not exist")
            now = self.clock.now()
            if job.status(now) != JOB_RUNNING:
                return False
            job.cancelled_at = now
            self.version += 1
            return True

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able view of everything, for inspectors and debugging."""
        with self._lock:
            now = self._settle()
            return {
                "now": now,
                "generation": self.generation,
                "procs": [{
                    "name": p.name, "execution_mode": p.definition.execution_mode, "command": p.definition.command,
                    "args": list(p.definition.args), "options": dict(p.definition.options),
                    "files": sorted(p.definition.files),
                    "max_concurrency_per_node": p.max_concurrency,
                    "auto_start_run_ids": list(p.auto_starts),
                } for p in self._procs.values()],
                "runs": [self._run_view(r, now) for r in self._runs.values()],
                "jobs": [{
                    "job_id": j.job_id, "endpoint": j.endpoint, "job_tag": j.tag,
                    "job_status": j.status(now), "progress": j.progress(now),
                    "request_encoding": j.encoding, "error_message": j.error_message,
                } for j in self._jobs.values()],
            }

    @staticmethod
    def _run_view(run: Run, now: float) -> dict[str, Any]:
        return {
            "run_id": run.run_id, "proc_name": run.proc.name, "run_tag": run.run_tag,
            "created": run.created, "overall_status": run.overall(now),
            "segments": [{
                "segment": index, "status": s.status(now), "message": s.message if s.finished(now) else "",
                "start": s.start if s.start is not None and s.start <= now else None,
                "end": s.end if s.finished(now) else None,
                "polls_seen": s.polls_seen,
                "stdout_tail": s.lines(s.stdout, now, 5), "stderr_tail": s.lines(s.stderr, now, 5),
            } for index, s in enumerate(run.segments)],
        }

    def settle(self) -> None:
        """Bring the model to now (what every operation starts with): before the scenario changes,
        so that what came due before it came due under the old one."""
        with self._lock:
            self._settle()

    def runs(self) -> Iterable[str]:
        with self._lock:
            self._settle()
            return list(self._runs)


STATUS_MAPS = ("proc_names", "params", "bin_params", "input_table_names", "input_column_names",
               "output_table_names", "options", "overall_statuses", "statuses", "messages", "results",
               "bin_results", "output", "timings")
