"""Procs, runs, data segments and jobs: the Kinetica lifecycle, free of HTTP.

When a run is executed, the scenario (plus the hints in its params) is turned into a *plan*: per
segment, how long it runs (seconds, a number of status polls, or forever), how it ends, what it
prints and returns. A segment starts at once, or, when its proc limits concurrency per node, when
a slot on its node frees up. Afterwards only events change anything (a kill, a forced failure, a
clear, a status poll), and every answer is computed from plan + events + `clock.now()`. Nothing
runs in the background; a finished segment never changes again.

Every public method takes the decoded request record (a dict with the Avro field names) and
returns the response record, or raises `KineticaError` for a logical error.
"""

from __future__ import annotations

import math
import re
import threading
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from mockserver.clock import Clock
from mockserver.ids import KINETICA_JOB_IDS, KINETICA_RUN_IDS
from mockserver.kinetica.scenario import Behaviour, Duration, KineticaScenario, generated_lines
from mockserver.scenario import Scenario, ScenarioStore

NONE, RUNNING, COMPLETE, ERROR, KILLED = "none", "running", "complete", "error", "killed"
JOB_RUNNING, JOB_DONE, JOB_ERROR, JOB_CANCELLED = "RUNNING", "DONE", "ERROR", "CANCELLED"
DEFAULT_MAX_OUTPUT_LINES = 100
CORE_VERSION = "7.2.3.0"
KILLED_MESSAGE = "proc instance killed"

# (endpoint, request encoding "binary"|"json", payload) -> the encoded response record.
JobDispatcher = Callable[[str, str, bytes], bytes]


class KineticaError(Exception):
    """A logical error: the HTTP layer answers it with the ERROR wrapper and HTTP 400."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- option parsing -----------------------------------------------------------------------------
def _bool_option(options: dict[str, str], key: str, default: bool = False) -> bool:
    raw = options.get(key)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise KineticaError(f"option {key} must be 'true' or 'false', not {raw!r}")
    return value == "true"


def _int_option(options: dict[str, str], key: str, default: int, *, minimum: int = 0) -> int:
    raw = options.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise KineticaError(f"option {key} must be an integer, not {raw!r}") from None
    if value < minimum:
        raise KineticaError(f"option {key} must be at least {minimum}, not {value}")
    return value


# -- the plan of one data segment ---------------------------------------------------------------
@dataclass(eq=False)
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

    def begin(self, at: float) -> None:
        self.start = at
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

    def poll(self, now: float) -> None:
        if self.polls_needed is None or not self.running(now) or self.end is not None:
            return
        self.polls_seen += 1
        if self.polls_seen >= self.polls_needed:
            self.end, self.final = now, self.outcome
            if self.final == ERROR:
                self.message = self.fail_message

    def lines(self, stream: tuple[str, ...], now: float, limit: int) -> list[str]:
        """Lines printed by `now` (spread evenly over the planned duration), the last `limit`."""
        if self.start is None or not stream or limit <= 0:
            return []
        upto = min(now, self.end) if self.end is not None else now
        if upto < self.start:
            return []
        span = self.duration or 0.0
        if span <= 0:
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


class NodeQueue:
    """One node's slots for one proc: at most `capacity` of its segments run at once, FIFO."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.active: list[Segment] = []
        self.waiting: deque[Segment] = deque()

    def admit(self, segment: Segment, now: float) -> None:
        self.settle(now)
        if len(self.active) < self.capacity:
            segment.begin(now)
            self.active.append(segment)
        else:
            self.waiting.append(segment)

    def settle(self, now: float) -> None:
        """Replay slot hand-overs up to `now`: each ended segment lets the next waiter start."""
        while True:
            ended = [s for s in self.active if s.end is not None and s.end <= now]
            if not ended:
                return
            first = min(ended, key=lambda s: s.end)  # type: ignore[arg-type,return-value]
            self.active.remove(first)
            if self.waiting:
                nxt = self.waiting.popleft()
                nxt.begin(max(first.end, nxt.created))  # type: ignore[type-var]
                self.active.append(nxt)

    def withdraw(self, segment: Segment) -> None:
        if segment in self.waiting:
            self.waiting.remove(segment)


# -- procs, runs, jobs --------------------------------------------------------------------------
@dataclass(eq=False)
class AutoStart:
    run_id: str
    request: dict[str, Any]
    ordinal: int   # the run's place since the last reset: what seeds its random choices


@dataclass(eq=False)
class Proc:
    name: str
    execution_mode: str
    files: dict[str, bytes]
    command: str
    args: list[str]
    options: dict[str, str]
    max_concurrency: int                       # 0 = unlimited
    queues: dict[int, NodeQueue] = field(default_factory=dict)
    auto_starts: dict[str, AutoStart] = field(default_factory=dict)

    @property
    def distributed(self) -> bool:
        return self.execution_mode == "distributed"

    def queue(self, node: int) -> NodeQueue:
        if node not in self.queues:
            self.queues[node] = NodeQueue(self.max_concurrency)
        return self.queues[node]


@dataclass(eq=False)
class Run:
    run_id: str
    proc: Proc
    created: float
    params: dict[str, str]
    bin_params: dict[str, bytes]
    input_table_names: list[str]
    input_column_names: dict[str, list[str]]
    output_table_names: list[str]
    options: dict[str, str]
    run_tag: str
    max_output_lines: int
    segments: list[Segment]
    final_slice: dict[str, Any] | None = None   # the status answer, cached once finished

    def finished(self, now: float) -> bool:
        return all(s.finished(now) for s in self.segments)

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
        """This run's entries of every show_proc_status map; cached once the run has finished."""
        if self.final_slice is not None:
            return self.final_slice
        ids = [str(s.index) for s in self.segments]
        limit = self.max_output_lines
        slice_ = {
            "proc_names": self.proc.name,
            "params": self.params,
            "bin_params": self.bin_params,
            "input_table_names": self.input_table_names,
            "input_column_names": self.input_column_names,
            "output_table_names": self.output_table_names,
            "options": self.options,
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
        if self.finished(now):
            self.final_slice = slice_
        return slice_


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


# -- the model ----------------------------------------------------------------------------------
class KineticaModel:
    """All Kinetica state of one mock instance. Thread-safe: one lock around every operation."""

    def __init__(self, clock: Clock, scenario: Callable[[], Scenario] | ScenarioStore, *,
                 dispatcher: JobDispatcher | None = None, core_version: str = CORE_VERSION) -> None:
        self.clock = clock
        self._scenario = scenario
        self.dispatcher = dispatcher
        self.core_version = core_version
        self._lock = threading.RLock()
        self.generation = 0
        self._reset_state()

    # -- housekeeping -------------------------------------------------------------------------
    def _reset_state(self) -> None:
        self._procs: dict[str, Proc] = {}
        self._runs: dict[str, Run] = {}
        self._jobs: dict[int, Job] = {}
        self._job_tags: dict[str, int] = {}
        self._run_seq = 0
        self._job_seq = 0
        self._busy: set[NodeQueue] = set()   # queues with waiters: the only ones that need settling

    def reset(self) -> None:
        """Forget every proc, run and job."""
        with self._lock:
            self._reset_state()
            self.generation += 1

    def scenario(self) -> KineticaScenario:
        return self._scenario().section("kinetica")

    def _root_scenario(self) -> Scenario:
        return self._scenario()

    def _now(self) -> float:
        now = self.clock.now()
        for queue in list(self._busy):
            queue.settle(now)
            if not queue.waiting:
                self._busy.discard(queue)
        return now

    def _proc(self, name: str) -> Proc:
        if not name:
            raise KineticaError("proc_name must not be empty")
        proc = self._procs.get(name)
        if proc is None:
            raise KineticaError(f"Proc '{name}' does not exist")
        return proc

    # -- procs --------------------------------------------------------------------------------
    def create_proc(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            name = request["proc_name"]
            if not name.strip():
                raise KineticaError("proc_name must not be empty")
            mode = request["execution_mode"] or "distributed"
            if mode not in ("distributed", "nondistributed"):
                raise KineticaError(f"execution_mode must be 'distributed' or 'nondistributed', not {mode!r}")
            options = dict(request["options"])
            limit = _int_option(options, "max_concurrency_per_node", self.scenario().max_concurrency_per_node)
            if name in self._procs:
                raise KineticaError(f"Proc '{name}' already exists")
            self._procs[name] = Proc(name=name, execution_mode=mode, files=dict(request["files"]),
                                     command=request["command"], args=list(request["args"]),
                                     options=options, max_concurrency=limit)
            return {"proc_name": name, "info": {}}

    def show_proc(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            options = request["options"]
            include_files = _bool_option(options, "include_files")
            name = request["proc_name"]
            procs = [self._proc(name)] if name else list(self._procs.values())
            return {
                "proc_names": [p.name for p in procs],
                "execution_modes": [p.execution_mode for p in procs],
                "files": [dict(p.files) if include_files else {} for p in procs],
                "commands": [p.command for p in procs],
                "args": [list(p.args) for p in procs],
                "options": [self._shown_options(p) for p in procs],
                "info": {},
            }

    @staticmethod
    def _shown_options(proc: Proc) -> dict[str, str]:
        shown = dict(proc.options)
        if proc.auto_starts:
            # Where the auto-start run ids are reported is this mock's choice (the docs only say
            # /show/proc reports them).
            shown["auto_start_run_id"] = ",".join(proc.auto_starts)
        return shown

    def has_proc(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            name = request["proc_name"]
            if not name:
                raise KineticaError("proc_name must not be empty")
            return {"proc_name": name, "proc_exists": name in self._procs, "info": {}}

    def delete_proc(self, request: dict[str, Any]) -> dict[str, Any]:
        """Delete a proc; its running runs are killed (and stay visible in /show/proc/status)."""
        with self._lock:
            proc = self._proc(request["proc_name"])
            now = self._now()
            for run in self._runs.values():
                if run.proc is proc:
                    self._kill(run, now)
            for queue in proc.queues.values():
                self._busy.discard(queue)
            del self._procs[proc.name]
            return {"proc_name": proc.name, "info": {}}

    # -- runs ---------------------------------------------------------------------------------
    def execute_proc(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            proc = self._proc(request["proc_name"])
            options = dict(request["options"])
            at_startup = _bool_option(options, "execute_at_startup")
            _int_option(options, "max_output_lines", DEFAULT_MAX_OUTPUT_LINES)
            if proc.distributed:
                tables = list(request["input_table_names"])
                stray = sorted(set(request["input_column_names"]) - set(tables))
                if stray:
                    raise KineticaError(f"input_column_names names table(s) {stray} "
                                        "that are not in input_table_names")
            _Hints.parse(request["params"])  # reject bad hints before anything changes
            self._run_seq += 1
            # Never reused in this process, reset or not (a reproduce line names it); the random
            # choices are seeded by the run's place since the reset, so a seeded scenario repeats.
            run_id = str(KINETICA_RUN_IDS.next())
            if at_startup:
                proc.auto_starts[run_id] = AutoStart(run_id, _copy_request(request), self._run_seq)
                return {"run_id": run_id, "info": {}}
            self._start_run(run_id, proc, request, self._now(), self._run_seq)
            return {"run_id": run_id, "info": {}}

    def _start_run(self, run_id: str, proc: Proc, request: dict[str, Any], now: float, ordinal: int) -> Run:
        scenario = self.scenario()
        options = dict(request["options"])
        run_tag = options.get("run_tag", "")
        hints = _Hints.parse(request["params"])
        behaviour = hints.over(scenario.behaviour_for(proc.name, run_tag))
        rng = self._root_scenario().rng("kinetica", "run", str(ordinal))
        count = behaviour.segments if proc.distributed else 1
        segments = [self._plan_segment(i, now, behaviour, hints, rng) for i in range(count or 1)]
        if proc.distributed:
            tables = list(request["input_table_names"])
            columns = {t: list(request["input_column_names"].get(t, scenario.tables.get(t, ())))
                       for t in tables}
            outputs = list(request["output_table_names"])
        else:  # table parameters are ignored for nondistributed procs
            tables, columns, outputs = [], {}, []
        run = Run(run_id=run_id, proc=proc, created=now, params=dict(request["params"]),
                  bin_params=dict(request["bin_params"]), input_table_names=tables,
                  input_column_names=columns, output_table_names=outputs, options=options,
                  run_tag=run_tag,
                  max_output_lines=_int_option(options, "max_output_lines", DEFAULT_MAX_OUTPUT_LINES),
                  segments=segments)
        self._runs[run_id] = run
        for segment in segments:
            if proc.max_concurrency > 0:
                queue = proc.queue(segment.index)  # one data segment per node
                queue.admit(segment, now)
                if queue.waiting:
                    self._busy.add(queue)
            else:
                segment.begin(now)
        return run

    @staticmethod
    def _plan_segment(index: int, now: float, behaviour: Behaviour, hints: _Hints, rng: Any) -> Segment:
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
            stderr=behaviour.stderr or ())

    def show_proc_status(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            options = request["options"]
            clear = _bool_option(options, "clear_complete")
            now = self._now()
            runs = self._select(request["run_id"], options.get("run_tag", ""))
            for run in runs:
                if run.final_slice is None:
                    for segment in run.segments:
                        segment.poll(now)
            now = self._now()  # a poll may have ended a segment and freed a slot
            response: dict[str, Any] = {name: {} for name in STATUS_MAPS}
            for run in runs:
                slice_ = run.status_slice(now)
                for name in STATUS_MAPS:
                    response[name][run.run_id] = slice_[name]
            if clear:
                for run in runs:
                    if run.finished(now):
                        del self._runs[run.run_id]
            response["info"] = {}
            return response

    def immutable_status_key(self, request: dict[str, Any]) -> Hashable | None:
        """A key for caching the encoded answer of this status request, if that answer can never
        change: one named, finished run, no clear_complete. None otherwise."""
        options = request["options"]
        if options.get("clear_complete", "").lower() == "true" or not request["run_id"]:
            return None
        with self._lock:
            run = self._runs.get(request["run_id"])
            if run is None or (run.final_slice is None and not run.finished(self._now())):
                return None
            return ("show_proc_status", self.generation, run.run_id, options.get("run_tag", ""))

    def is_current(self, key: Hashable) -> bool:
        """Whether an answer cached under `key` (from immutable_status_key) still stands: same
        generation, and the run not cleared since."""
        _, generation, run_id, _ = key  # type: ignore[misc]
        return generation == self.generation and run_id in self._runs

    def _select(self, run_id: str, run_tag: str) -> list[Run]:
        if run_id:
            run = self._runs.get(run_id)
            runs = [run] if run is not None else []
        else:
            runs = list(self._runs.values())
        if run_tag:
            runs = [r for r in runs if r.run_tag == run_tag]
        return runs

    def kill_proc(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            options = request["options"]
            clear_startup = _bool_option(options, "clear_execute_at_startup")
            run_tag = options.get("run_tag", "")
            run_id = request["run_id"]
            now = self._now()
            killed = [r.run_id for r in self._select(run_id, run_tag) if self._kill(r, now)]
            if clear_startup:
                for proc in self._procs.values():
                    for rid in list(proc.auto_starts):
                        started = self._runs.get(rid)
                        tag = proc.auto_starts[rid].request["options"].get("run_tag", "")
                        if (not run_id or rid == run_id) and (not run_tag or tag == run_tag):
                            del proc.auto_starts[rid]
                            if rid not in killed and (started is None or not started.finished(now)):
                                killed.append(rid)
            return {"run_ids": killed, "info": {}}

    def _kill(self, run: Run, now: float) -> bool:
        """Kill whatever of the run has not finished; True if anything was (only unfinished runs)."""
        if run.finished(now):
            return False
        for segment in run.segments:
            if segment.stop(now, KILLED, KILLED_MESSAGE) and segment.start is None:
                for queue in run.proc.queues.values():
                    queue.withdraw(segment)
        return True

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
            return started

    def restart(self) -> list[str]:
        """A database restart: runs and jobs are gone, procs stay, auto-start runs begin."""
        with self._lock:
            self.generation += 1  # run ids come back: nothing cached about the old runs may survive
            self._runs.clear()
            self._jobs.clear()
            self._job_tags.clear()
            self._busy.clear()
            for proc in self._procs.values():
                proc.queues.clear()
            return self.startup()

    # -- jobs ---------------------------------------------------------------------------------
    def create_job(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            endpoint = request["endpoint"]
            if not endpoint:
                raise KineticaError("endpoint must not be empty")
            encoding = request["request_encoding"].lower() or "binary"
            if encoding == "snappy":
                raise KineticaError("request_encoding 'snappy' is not supported by this mock")
            if encoding not in ("binary", "json"):
                raise KineticaError(f"request_encoding must be 'binary' or 'json', not {encoding!r}")
            options = request["options"]
            tag = options.get("job_tag", "")
            if tag and not _JOB_TAG.match(tag):
                raise KineticaError(f"job_tag {tag!r} may only use letters, digits, '_' and '-'")
            if tag in self._job_tags:
                raise KineticaError(f"job_tag {tag!r} is already in use")
            if self.dispatcher is None:
                raise KineticaError("jobs are not available: no dispatcher is attached to the model")
            payload = request["data"] if encoding == "binary" else request["data_str"].encode("utf-8")
            scenario = self.scenario()
            self._job_seq += 1
            job_id = KINETICA_JOB_IDS.next()  # never reused in this process (see mockserver.ids)
            # The inner request runs now; the job holds its answer until the job's time is up.
            try:
                response, outcome, error = self.dispatcher(endpoint, encoding, payload), JOB_DONE, ""
            except KineticaError as exc:
                response, outcome, error = b"", JOB_ERROR, exc.message
            now = self._now()
            rng = self._root_scenario().rng("kinetica", "job", self._job_seq)
            duration = scenario.job_duration.draw(rng)
            tag = tag or f"job-{job_id}"
            self._jobs[job_id] = Job(
                job_id=job_id, endpoint=endpoint, encoding=encoding, tag=tag, created=now,
                duration=duration,
                polls_needed=scenario.job_duration.polls if duration is None else None,
                outcome=outcome, response=response, error_message=error)
            self._job_tags[tag] = job_id
            return {"job_id": job_id, "info": {"job_tag": tag, "query_id": f"mock-query-{job_id}"}}

    def get_job(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            tag = request["options"].get("job_tag", "")
            if tag:
                if tag not in self._job_tags:
                    raise KineticaError(f"no job with job_tag {tag!r}")
                job = self._jobs[self._job_tags[tag]]
            else:
                job = self._jobs.get(request["job_id"])
                if job is None:
                    raise KineticaError(f"Job {request['job_id']} does not exist")
            now = self.clock.now()
            if job.polls_needed is not None and job.end is None and job.cancelled_at is None:
                job.polls_seen += 1
                if job.polls_seen >= job.polls_needed:
                    job.end = now
            status = job.status(now)
            done = status == JOB_DONE
            return {
                "endpoint": job.endpoint,
                "job_status": status,
                "running": status == JOB_RUNNING,
                "progress": job.progress(now),
                "successful": done,
                "response_encoding": job.encoding,
                "job_response": job.response if done and job.encoding == "binary" else b"",
                "job_response_str": job.response.decode("utf-8") if done and job.encoding == "json" else "",
                "status_map": {"error_message": job.error_message} if status == JOB_ERROR else {},
                "info": {"job_tag": job.tag},
            }

    # -- system -------------------------------------------------------------------------------
    def show_system_properties(self, request: dict[str, Any], *, public_url: str | None = None
                               ) -> dict[str, Any]:
        """What the gpudb constructor reads: the version, and a one-host, non-HA cluster whose
        head node is the URL the client used (so it never tries to go elsewhere)."""
        properties = {
            "version.gpudb_core_version": self.core_version,
            "conf.enable_ha": "FALSE",
            "conf.enable_httpd_proxy": "FALSE",
            "conf.use_https": "FALSE",
            "conf.number_of_hosts": "1",
            "conf.host0_public_urls": public_url or "http://127.0.0.1:9191",
        }
        return {"property_map": properties, "info": {}}

    def show_system_status(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"status_map": {"system": '{"status":"running"}'}, "info": {}}

    # -- control helpers (the control plane and tests call these) ------------------------------
    def kill_run(self, run_id: str) -> bool:
        with self._lock:
            run = self._runs.get(run_id)
            if run is None:
                raise KineticaError(f"no run {run_id!r}")
            return self._kill(run, self._now())

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
            now = self._now()
            if seg.finished(now):
                return False
            if seg.start is None:
                for queue in run.proc.queues.values():
                    queue.withdraw(seg)
                seg.start = now
            return seg.stop(now, ERROR, message)

    def cancel_job(self, job_id: int) -> bool:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise KineticaError(f"Job {job_id} does not exist")
            now = self.clock.now()
            if job.status(now) != JOB_RUNNING:
                return False
            job.cancelled_at = now
            return True

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able view of everything, for inspectors and debugging."""
        with self._lock:
            now = self._now()
            return {
                "now": now,
                "generation": self.generation,
                "procs": [{
                    "name": p.name, "execution_mode": p.execution_mode, "command": p.command,
                    "args": list(p.args), "options": dict(p.options), "files": sorted(p.files),
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
                "segment": s.index, "status": s.status(now), "message": s.message if s.finished(now) else "",
                "start": s.start if s.start is not None and s.start <= now else None,
                "end": s.end if s.finished(now) else None,
                "polls_seen": s.polls_seen,
                "stdout_tail": s.lines(s.stdout, now, 5), "stderr_tail": s.lines(s.stderr, now, 5),
            } for s in run.segments],
        }

    # -- for the HTTP layer ---------------------------------------------------------------------
    def handlers(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        """Endpoint -> model method."""
        return {
            "/create/proc": self.create_proc, "/show/proc": self.show_proc, "/has/proc": self.has_proc,
            "/delete/proc": self.delete_proc, "/execute/proc": self.execute_proc,
            "/show/proc/status": self.show_proc_status, "/kill/proc": self.kill_proc,
            "/create/job": self.create_job, "/get/job": self.get_job,
            "/show/system/properties": self.show_system_properties,
            "/show/system/status": self.show_system_status,
        }

    def runs(self) -> Iterable[str]:
        with self._lock:
            return list(self._runs)


STATUS_MAPS = ("proc_names", "params", "bin_params", "input_table_names", "input_column_names",
               "output_table_names", "options", "overall_statuses", "statuses", "messages", "results",
               "bin_results", "output", "timings")


def _copy_request(request: dict[str, Any]) -> dict[str, Any]:
    return {k: (dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v)
            for k, v in request.items()}


# -- behaviour hints in execute_proc params -----------------------------------------------------
@dataclass(frozen=True)
class _Hints:
    """The hints a test (or the conformance suite) puts in params; they win over scenario rules."""

    duration_s: float | None = None
    fail_segments: frozenset[int] | str | None = None
    fail_message: str | None = None
    hang: bool | None = None
    stdout: tuple[str, ...] | None = None
    stderr: tuple[str, ...] | None = None
    results: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, params: dict[str, str]) -> _Hints:
        duration = None
        if params.get("duration_ms", "") != "":
            raw = params["duration_ms"]
            try:
                duration = float(raw) / 1000.0
            except ValueError:
                raise KineticaError(f"param duration_ms must be a number of milliseconds, not {raw!r}") from None
            if not duration >= 0 or math.isinf(duration):
                raise KineticaError(f"param duration_ms must be >= 0, not {raw!r}")
        fail: frozenset[int] | str | None = None
        if params.get("fail_segments", "").strip():
            raw = params["fail_segments"].strip()
            if raw.lower() == "all":
                fail = "all"
            else:
                try:
                    fail = frozenset(int(p) for p in raw.split(",") if p.strip())
                except ValueError:
                    raise KineticaError(
                        f"param fail_segments must be 'all' or comma-separated segment numbers, not {raw!r}"
                    ) from None
        hang = None
        if params.get("hang", "") != "":
            hang = _bool_option(params, "hang")
        return cls(duration_s=duration, fail_segments=fail, fail_message=params.get("fail_message"),
                   hang=hang, stdout=_lines_hint(params, "stdout"), stderr=_lines_hint(params, "stderr"),
                   results={k[len("result_"):]: v for k, v in params.items()
                            if k.startswith("result_") and len(k) > len("result_")})

    def over(self, base: Behaviour) -> Behaviour:
        return Behaviour(
            segments=base.segments,
            duration=Duration.seconds(self.duration_s) if self.duration_s is not None else base.duration,
            failure=base.failure,
            hang=self.hang if self.hang is not None else base.hang,
            stdout=self.stdout if self.stdout is not None else base.stdout,
            stderr=self.stderr if self.stderr is not None else base.stderr,
            results={**(base.results or {}), **self.results},
        )


def _lines_hint(params: dict[str, str], stream: str) -> tuple[str, ...] | None:
    raw = params.get(f"{stream}_lines")
    if raw is None or raw == "":
        return None
    if raw.strip().isdigit():
        return generated_lines(stream, int(raw))
    return tuple(raw.split("\n"))
