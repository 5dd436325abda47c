"""The PraisonAI runs model: submissions, a FIFO concurrency limit, an admission (queue) limit,
idempotency keys, timeouts, cancellation and deletion. Free of HTTP.

State is computed on read. A run stores what was asked (its `Plan`, fixed at submission) and the
events that happened to it (cancelled at t, deleted at t). Everything else - when it starts (which
depends on the runs ahead of it for a slot), when and how it ends, its progress - is derived from
those plus `clock.now()`. The derivation replays the queue as praisonai's executor runs it: every run
waits `queue_seconds`, then joins one FIFO queue for `max_concurrent` slots (an asyncio.Semaphore in
praisonai/jobs/executor.py:257); its timeout counts from its start (executor.py:267-271).
Nothing ticks in the background. Every operation first settles the model at `clock.now()`: runs
whose start has come take a slot, runs whose end has come are frozen as finished (a finished run's
fate is final). Only unfinished runs are ever scheduled again (when an event or the limits change),
so no operation costs more with more finished runs stored, and the past never changes: an event at
t only affects what happens after t.
"""

from __future__ import annotations

import builtins
import heapq
import itertools
import math
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from mockserver.clock import Clock
from mockserver.ids import IdCounter, scramble48
from mockserver.praisonai.plan import NO_PROGRESS, Plan, Progress, effective_timeout, make_plan
from mockserver.praisonai.scenario import PraisonAIScenario
from mockserver.praisonai.webhook_targets import WebhookPolicy
from mockserver.retention import FinishedRuns, Retention
from mockserver.scenario import ScenarioStore

STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
# praisonai/jobs/models.py:244-248: what a poller is told to wait, by status.
RETRY_AFTER = {"queued": 2, "running": 5}
# The reference answers the submit before its executor task first runs (router.py:115,
# executor.py:184), so a new run is always "queued" in the 202 and starts a moment later; this is
# that moment (about what the reference takes on 127.0.0.1).
PICKUP_SECONDS = 0.001
# praisonai/jobs/executor.py:26 + router.py:133: a refused submission is told to retry after 1 s.
QUEUE_FULL_RETRY_AFTER = 1
JOB_ID_FORMATS = ("run_hex", "uuid")
# Job ids never handed out twice in this process (mockserver.ids); by name for the state file.
JOB_IDS = IdCounter()
ID_COUNTERS = {"job": JOB_IDS}


def new_job_id(form: str = "run_hex") -> str:
    """`run_hex` (the reference's form: `run_` + 12 hex digits, praisonai/jobs/models.py:184) or
    `uuid` (a latitude: LAT-PRA-JOB-ID); unique either way, and consecutive ones do not look so."""
    n = JOB_IDS.next()
    if form == "uuid":  # the counter in the low bits keeps it unique; version bits fall in the scramble
        return str(uuid.UUID(int=(scramble48(n) << 64) | n, version=4))
    return f"run_{scramble48(n):012x}"


class RecordedRuns(Protocol):
    """Where replayed runs' plans come from (mockserver.praisonai.replay.PraisonAIReplay)."""

    def plan_for(self, prompt: str, planned: Plan) -> Plan: ...

    def rewind(self) -> None: ...


class RunNotFound(KeyError):
    def __init__(self, job_id: str) -> None:
        super().__init__(job_id)
        self.job_id = job_id


class RunFinished(Exception):
    """The run is terminal, so it cannot be cancelled."""

    def __init__(self, view: RunView) -> None:
        super().__init__(f"run {view.job_id} is already {view.status}")
        self.view = view


class RunUnfinished(Exception):
    """The run is queued or running, so it cannot be deleted (or has no result yet)."""

    def __init__(self, view: RunView) -> None:
        super().__init__(f"run {view.job_id} is still {view.status}")
        self.view = view


class QueueFull(Exception):
    def __init__(self, limit: int, retry_after: int = QUEUE_FULL_RETRY_AFTER) -> None:
        super().__init__(f"{limit} unfinished runs admitted already")
        self.limit = limit
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class SubmitRequest:
    """A validated submit body (see mockserver.praisonai.validation)."""

    prompt: str
    agent_file: str | None = None
    agent_yaml: str | None = None
    recipe_name: str | None = None
    recipe_config: Mapping[str, Any] = field(default_factory=dict)
    framework: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    webhook_url: str | None = None
    timeout: int | None = None
    session_id: str | None = None
    idempotency_key: str | None = None
    idempotency_scope: str | None = None


@dataclass(frozen=True, slots=True)
class _Fate:
    """Derived from plan + events: when the run starts and ends, and how it ends."""

    start: float | None            # None: cancelled before it got a slot; inf: waits forever
    end: float                     # inf: not ended (yet), e.g. a hang with no timeout in sight
    outcome: str                   # succeeded | failed | cancelled
    error: str | None
    timed_out: bool = False


_UNSCHEDULED = _Fate(math.inf, math.inf, "failed", None)


@dataclass(slots=True)
class _Run:
    """One stored run: compact (slots; of the request only what views and filters read), since a
    mock left running may hold very many."""

    seq: int
    job_id: str
    prompt: str
    session_id: str | None
    agent_file: str | None
    webhook_url: str | None
    idempotency_key: str | None
    created_at: float
    plan: Plan
    # Final once the run has finished; for a queued run, what the current schedule says.
    fate: _Fate = _UNSCHEDULED
    cancelled_at: float | None = None
    # Whether it was still queued when cancelled: then it never starts, even if a slot frees at
    # that same instant by a later event (the instant alone cannot order the two).
    cancelled_queued: bool = False
    webhook_taken: bool = False

    @property
    def ready_key(self) -> tuple[float, int]:
        """FIFO order for a slot: readiness, then submission."""
        return (self.created_at + self.plan.queue_seconds, self.seq)


@dataclass(frozen=True)
class RunView:
    """One run as seen at instant `at`. Timestamps are epoch seconds; profiles format them."""

    job_id: str
    status: str
    progress: Progress
    created_at: float
    started_at: float | None
    completed_at: float | None
    error: str | None
    result: Any
    retry_after: int | None
    timed_out: bool
    prompt: str
    session_id: str | None
    agent_file: str | None
    webhook_url: str | None
    idempotency_key: str | None
    plan: Plan
    at: float

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, profile-neutral: for the control plane, the inspector and the journal."""
        return {
            "job_id": self.job_id,
            "status": self.status,
            "progress": {"percentage": self.progress.percentage, "current_step": self.progress.current_step,
                         "steps_completed": self.progress.steps_completed,
                         "steps_total": self.progress.steps_total},
            "created_at": self.created_at,
            "started_at": self.started_at,
            "completed_at": self.completed_at,
            "error": self.error,
            "result": self.result if self.status == "succeeded" else None,
            "timed_out": self.timed_out,
            "prompt": self.prompt,
            "session_id": self.session_id,
            "agent_file": self.agent_file,
            "webhook_url": self.webhook_url,
            "idempotency_key": self.idempotency_key,
            "plan": {"steps": self.plan.steps, "step_seconds": self.plan.step_seconds,
                     "fail": self.plan.fail, "hang": self.plan.hang,
                     # inf (a replayed run never seen starting) is no JSON number
                     "queue_seconds": self.plan.queue_seconds if math.isfinite(self.plan.queue_seconds) else None,
                     "timeout": self.plan.timeout, "invalid_hint": self.plan.invalid_hint,
                     "replayed": self.plan.report_offsets is not None},
        }


@dataclass(frozen=True)
class Limits:
    max_concurrent: int
    max_queued: int
    default_timeout: int


class PraisonAIModel:
    """All PraisonAI runs of one mock. Thread-safe: the server thread and a test may both use it."""

    def __init__(self, clock: Clock, scenario_store: ScenarioStore | None = None, *,
                 profile: str = "impl", allow_loopback_webhooks: bool = False,
                 webhook_allow: Iterable[str] = (), job_id_format: str = "run_hex",
                 retention: Retention | None = None) -> None:
        """`job_id_format`: `run_hex` (the reference's) or `uuid` (a latitude: ids are opaque).
        `retention`: when finished runs are forgotten (default: never)."""
        if job_id_format not in JOB_ID_FORMATS:
            raise ValueError(f"job_id_format must be one of {JOB_ID_FORMATS}; got {job_id_format!r}")
        self.clock = clock
        self.job_id_format = job_id_format
        self.scenario_store = scenario_store if scenario_store is not None else ScenarioStore()
        self.profile = profile
        self.allow_loopback_webhooks = allow_loopback_webhooks
        self.webhook_networks = WebhookPolicy.of(networks=webhook_allow).allowed
        self._lock = threading.RLock()
        self.retention = retention if retention is not None else Retention()
        # Told of what changes outside any request (webhooks handed out and delivered), for a
        # state file (mockserver.durable), which gives it back through `redo_event`.
        self.on_event: Callable[[str, Mapping[str, Any]], None] | None = None
        # A recorded session's plans (mockserver.praisonai.replay): the k-th submission with a
        # prompt follows the k-th recorded run with it, instead of the scenario.
        self.recorded: RecordedRuns | None = None
        self.reset()

    @property
    def webhook_policy(self) -> WebhookPolicy:
        """Where webhooks may go (read at every submit and delivery)."""
        return WebhookPolicy(self.allow_loopback_webhooks, self.webhook_networks)

    # -- lifecycle of the model itself ----------------------------------------------------------
    def reset(self) -> None:
        """Forget every run (ids are never handed out again: see mockserver.ids)."""
        with self._lock:
            self._next_seq = 0
            # Visible (not deleted) runs in submission order, which is also created_at order: the
            # clock never goes back. Newest first is this order reversed.
            self._by_id: dict[str, _Run] = {}
            self._by_key: dict[str, str] = {}           # idempotency key -> job_id
            self._queued: dict[str, _Run] = {}          # not started, not cancelled
            self._running: dict[str, _Run] = {}         # holding a slot at the last settle
            self._ends: list[tuple[float, int, str]] = []   # heap of running runs' ends (lazy)
            self._finished = dict.fromkeys(TERMINAL, 0)     # visible finished runs by outcome
            self._deleted = dict.fromkeys(TERMINAL, 0)      # deleted runs by outcome
            self._webhooks_due: dict[str, _Run] = {}    # with a webhook_url not handed out yet
            self._retired: FinishedRuns[str] = FinishedRuns(self.retention)    # finished runs, for the retention
            # The queued runs' schedule: runs in FIFO order (each one's fate set), the first not yet
            # started, the slots as the simulation left them, and what it was computed for.
            self._schedule: builtins.list[_Run] = []
            self._schedule_pos = 0
            self._tail_slots: builtins.list[float] = []
            self._schedule_key: tuple[int, Limits] | None = None
            self._settled_at = -math.inf   # the last instant the model was settled at
            self.version = getattr(self, "version", 0) + 1
            self.webhook_log: list[dict[str, Any]] = []
            if self.recorded is not None:
                self.recorded.rewind()

    # -- scenario -------------------------------------------------------------------------------
    def _scenario(self):  # -> Scenario
        return self.scenario_store.current

    def section(self) -> PraisonAIScenario:
        return self._section_and_limits()[0]

    def limits(self) -> Limits:
        return self._section_and_limits()[1]

    def _section_and_limits(self) -> tuple[PraisonAIScenario, Limits]:
        # Cached per scenario version: a scenario without the section resolves its default via
        # the section registry, which is too slow to do for every run of every list, and every
        # operation (a poll too) compares the limits with the schedule's.
        version = self.scenario_store.version
        cached = getattr(self, "_section_cache", None)
        if cached is None or cached[0] != version:
            section = self._scenario().section("praisonai")
            assert isinstance(section, PraisonAIScenario)
            limits = Limits(section.max_concurrent, section.queue_limit, section.default_timeout)
            cached = self._section_cache = (version, section, limits)
        return cached[1], cached[2]

    # -- commands -------------------------------------------------------------------------------
    def submit(self, request: SubmitRequest) -> tuple[RunView, bool]:
        """The run for this request and whether it is new. An idempotency key already in use
        returns that run (praisonai/jobs/router.py:69-84); a full queue raises QueueFull."""
        with self._lock:
            now = self.clock.now()
            limits = self._settle(now)
            key = request.idempotency_key
            if key and key in self._by_key:
                return self._view(self._by_id[self._by_key[key]], now), False
            if len(self._queued) + len(self._running) >= limits.max_queued:
                raise QueueFull(limits.max_queued)
            section = self.section()
            behaviour = section.behaviour_for(request.prompt, request.session_id, request.agent_file)
            plan = make_plan(behaviour, request.config or {}, request.prompt,
                             effective_timeout(request.timeout, limits.default_timeout))
            if self.recorded is not None:
                plan = self.recorded.plan_for(request.prompt, plan)
            run = _Run(seq=self._next_seq, job_id=new_job_id(self.job_id_format), prompt=request.prompt,
                       session_id=request.session_id, agent_file=request.agent_file,
                       webhook_url=request.webhook_url, idempotency_key=key, created_at=now, plan=plan)
            self._next_seq += 1
            self._by_id[run.job_id] = run
            self._queued[run.job_id] = run
            if request.webhook_url:
                self._webhooks_due[run.job_id] = run
            if key:
                self._by_key[key] = run.job_id
            self._enqueue(run, limits)
            self.version += 1
            self._settle(now)
            return self._view(run, now), True

    def get(self, job_id: str) -> RunView:
        with self._lock:
            now = self._now()
            return self._view(self._visible(job_id), now)

    def stored(self, job_id: str) -> bool:
        """Whether the run is still stored (not deleted, not past the retention)."""
        with self._lock:
            self._now()
            return job_id in self._by_id

    def find_by_key(self, key: str) -> RunView | None:
        """The run holding this idempotency key, if any."""
        with self._lock:
            now = self._now()
            job_id = self._by_key.get(key)
            return self._view(self._by_id[job_id], now) if job_id is not None else None

    def find(self, job_id: str) -> RunView | None:
        """Like get, but None for an unknown or deleted run (what a stream needs)."""
        with self._lock:
            now = self._now()
            run = self._by_id.get(job_id)
            return self._view(run, now) if run is not None else None

    def cancel(self, job_id: str) -> RunView:
        """Cancel a queued or running run (praisonai/jobs/executor.py:193-220). The control plane
        uses this too. Raises RunNotFound, or RunFinished for a terminal run."""
        with self._lock:
            now = self._now()
            run = self._visible(job_id)
            view = self._view(run, now)
            if view.terminal:
                raise RunFinished(view)
            run.cancelled_at = now
            run.cancelled_queued = view.status == "queued"
            if run.cancelled_queued:
                # Never holds a slot (executor.py:203-217).
                del self._queued[job_id]
                run.fate = _Fate(None, now, "cancelled", None)
            else:
                del self._running[job_id]   # its entry in _ends goes stale
                run.fate = _Fate(run.fate.start, now, "cancelled", None)
            self._finished["cancelled"] += 1
            self._retired.add(now, job_id)
            self._schedule_key = None       # a slot freed or a queued run left: reschedule
            self.version += 1
            return self._view(run, now)

    def delete(self, job_id: str) -> RunView:
        """Remove a terminal run and free its idempotency key (router.py:248-265)."""
        with self._lock:
            now = self._now()
            run = self._visible(job_id)
            view = self._view(run, now)
            if not view.terminal:
                raise RunUnfinished(view)
            self._forget(run)
            return view

    def _forget(self, run: _Run) -> None:
        """Drop a finished run: deleted, or past the retention (its memory goes with it)."""
        del self._by_id[run.job_id]
        self._finished[run.fate.outcome] -= 1
        self._deleted[run.fate.outcome] += 1
        key = run.idempotency_key
        if key and self._by_key.get(key) == run.job_id:
            del self._by_key[key]
        self.version += 1  # forgetting a finished run changes no one's schedule

    # -- queries --------------------------------------------------------------------------------
    def list(self, *, status: str | None = None, session_id: str | None = None, page: int = 1,
             page_size: int = 20) -> tuple[list[RunView], int]:
        """Newest first (praisonai/jobs/store.py:238-242); returns (page of runs, total matching).
        Without a session filter, a page costs its offset plus its size, whatever the number of runs."""
        offset = (page - 1) * page_size
        with self._lock:
            now = self.clock.now()
            self._settle(now)
            runs: Iterable[_Run]
            if status in ("queued", "running"):
                group = self._queued if status == "queued" else self._running
                runs = sorted(group.values(), key=lambda r: r.seq, reverse=True)
            else:
                runs = reversed(self._by_id.values())
                if status:
                    runs = (r for r in runs if r.fate.end <= now and r.fate.outcome == status)
            if session_id:
                matching = [r for r in runs if r.session_id == session_id]
                chosen, total = matching[offset:offset + page_size], len(matching)
            else:
                stored = len(self._by_id)  # islice takes no offset past sys.maxsize, and none is needed
                chosen = [] if offset >= stored else builtins.list(
                    itertools.islice(runs, offset, min(offset + page_size, stored)))
                total = self._count(status) if status else stored
            return [self._view(r, now) for r in chosen], total

    def views(self) -> builtins.list[RunView]:
        with self._lock:
            now = self.clock.now()
            self._settle(now)
            return [self._view(r, now) for r in self._by_id.values()]

    def counts(self, *, include_deleted: bool = False) -> dict[str, int]:
        """Runs by status, every status present; kept as runs change, not counted."""
        with self._lock:
            self._settle(self.clock.now())
            counts = {status: self._count(status) for status in STATUSES}
            if include_deleted:
                for status, n in self._deleted.items():
                    counts[status] += n
            return counts

    def settle(self) -> None:
        """Bring the model to now (what every operation starts with): before the scenario changes,
        so that a new schedule starts from the instant of the change, not from the last request."""
        with self._lock:
            self._settle(self.clock.now())

    def unfinished(self) -> int:
        """Admitted runs not yet finished: what praisonai reports as running_jobs (executor.py:591)."""
        with self._lock:
            self._settle(self.clock.now())
            return len(self._queued) + len(self._running)

    def next_change(self, job_id: str, after: float) -> float:
        """The first instant > `after` at which the run's status or progress changes (inf: none
        without a new event). Streams sleep until then."""
        with self._lock:
            self._now()
            run = self._by_id.get(job_id)
            if run is None:
                return math.inf
            fate = run.fate
        candidates = [fate.end]
        if fate.start is not None:
            candidates.append(fate.start)
            candidates.extend(run.plan.report_instants(fate.start))
        later = [t for t in candidates if t > after]
        return min(later) if later else math.inf

    def take_due_webhooks(self, accept: Callable[[RunView], bool] = lambda view: True) -> builtins.list[RunView]:
        """Finished runs with a webhook_url not handed out before (deleted ones included); each
        run is handed out once, whether `accept` takes it or not."""
        with self._lock:
            now = self.clock.now()
            self._settle(now)
            due = []
            for run in builtins.list(self._webhooks_due.values()):
                if run.fate.end > now:
                    continue
                del self._webhooks_due[run.job_id]
                run.webhook_taken = True
                if self.on_event is not None:
                    self.on_event("webhook_taken", {"job_id": run.job_id})
                view = self._view(run, now)
                if accept(view):
                    due.append(view)
            return due

    def pending_webhooks(self) -> bool:
        with self._lock:
            return bool(self._webhooks_due)

    def record_webhook(self, entry: Mapping[str, Any]) -> None:
        with self._lock:
            self.webhook_log.append(dict(entry))
            if self.on_event is not None:
                self.on_event("webhook", entry)

    def redo_event(self, kind: str, payload: Mapping[str, Any]) -> None:
        """An event `on_event` told of, happening again (a state file's restore): a webhook handed
        out is not handed out again, a delivery is in the log as it was."""
        with self._lock:
            if kind == "webhook_taken":
                run = self._webhooks_due.pop(str(payload["job_id"]), None)
                if run is not None:
                    run.webhook_taken = True
            elif kind == "webhook":
                self.webhook_log.append(dict(payload))
            else:
                raise ValueError(f"no PraisonAI event {kind!r}")

    def snapshot(self) -> dict[str, Any]:
        """JSON-able state for the control plane and the inspector."""
        with self._lock:
            limits = self.limits()
            return {
                "now": self.clock.now(),
                "profile": self.profile,
                "limits": {"max_concurrent": limits.max_concurrent, "max_queued": limits.max_queued,
                           "default_timeout": limits.default_timeout},
                "counts": self.counts(),
                "runs": [v.as_dict() for v in self.views()],
                "webhooks": list(self.webhook_log),
            }

    # -- internals ------------------------------------------------------------------------------
    def _visible(self, job_id: str) -> _Run:
        run = self._by_id.get(job_id)
        if run is None:
            raise RunNotFound(job_id)
        return run

    def _count(self, status: str) -> int:
        if status == "queued":
            return len(self._queued)
        if status == "running":
            return len(self._running)
        return self._finished[status]

    def _now(self) -> float:
        """Now, with the model settled at now (what every read and command starts with)."""
        now = self.clock.now()
        self._settle(now)
        return now

    def _settle(self, now: float) -> Limits:
        """Bring the model to `now`: queued runs whose start has come take their slot, running runs
        whose end has come are finished for good. Costs what changed, not what is stored."""
        limits = self.limits()
        if self._schedule_key != (self.scenario_store.version, limits):
            self._reschedule(limits)
        self._settled_at = now
        schedule = self._schedule
        pos = self._schedule_pos
        while pos < len(schedule) and schedule[pos].fate.start <= now:  # type: ignore[operator]
            run = schedule[pos]
            pos += 1
            del self._queued[run.job_id]
            if run.fate.end <= now:
                self._finished[run.fate.outcome] += 1
                self._retired.add(run.fate.end, run.job_id)
            else:
                self._running[run.job_id] = run
                heapq.heappush(self._ends, (run.fate.end, run.seq, run.job_id))
        if pos > 1024 and pos * 2 > len(schedule):
            del schedule[:pos]
            pos = 0
        self._schedule_pos = pos
        ends = self._ends
        while ends and ends[0][0] <= now:
            end, _, job_id = heapq.heappop(ends)
            ending = self._running.get(job_id)    # gone or another end: cancelled meanwhile
            if ending is not None and ending.fate.end == end:
                del self._running[job_id]
                self._finished[ending.fate.outcome] += 1
                self._retired.add(end, job_id)
        for job_id in self._retired.due(lambda: len(self._by_id), now):
            retired = self._by_id.get(job_id)
            if retired is not None:   # else deleted already
                self._forget(retired)
        return limits

    def _reschedule(self, limits: Limits) -> None:
        """The queued runs' fates: FIFO for `max_concurrent` slots in order of readiness (created_at
        + pickup + queue_seconds, then submission order), behind the runs holding a slot. What
        changed it (a cancel, new limits) happened after the last settle, and every queued run was
        still queued then: none starts before that instant."""
        slots = sorted(run.fate.end for run in self._running.values())
        del slots[:max(len(slots) - limits.max_concurrent, 0)]   # a lowered limit: those slots go
        self._tail_slots = slots   # sorted, so already a heap
        self._schedule = []
        self._schedule_pos = 0
        self._schedule_key = (self.scenario_store.version, limits)
        for run in sorted(self._queued.values(), key=lambda r: r.ready_key):
            self._place(run, limits.max_concurrent)

    def _enqueue(self, run: _Run, limits: Limits) -> None:
        """Schedule a new run: behind the last one when it is ready last (the usual case), or
        reschedule every queued run."""
        schedule = self._schedule
        if (self._schedule_key == (self.scenario_store.version, limits)
                and (self._schedule_pos >= len(schedule) or schedule[-1].ready_key <= run.ready_key)):
            self._place(run, limits.max_concurrent)
        else:
            self._schedule_key = None

    def _place(self, run: _Run, max_concurrent: int) -> None:
        slots = self._tail_slots
        ready = run.created_at + PICKUP_SECONDS + run.plan.queue_seconds
        free_at = slots[0] if len(slots) >= max_concurrent else -math.inf
        run.fate = fate = _ending(run, max(ready, free_at, self._settled_at))
        if len(slots) >= max_concurrent:
            heapq.heapreplace(slots, fate.end)
        else:
            heapq.heappush(slots, fate.end)
        self._schedule.append(run)

    def _view(self, run: _Run, now: float) -> RunView:
        """The run at `now`; the model must be settled at `now`."""
        fate = run.fate
        plan = run.plan
        started = fate.start is not None and fate.start <= now
        ended = fate.end <= now
        if ended:
            status = fate.outcome
        elif started:
            status = "running"
        else:
            status = "queued"
        if started:
            assert fate.start is not None
            progress = plan.progress(fate.start, min(now, fate.end),
                                     succeeded=ended and fate.outcome == "succeeded")
        else:
            progress = NO_PROGRESS
        return RunView(
            job_id=run.job_id, status=status, progress=progress, created_at=run.created_at,
            started_at=fate.start if started else None, completed_at=fate.end if ended else None,
            error=fate.error if ended else None,
            result=plan.result if ended and fate.outcome == "succeeded" else None,
            retry_after=RETRY_AFTER.get(status), timed_out=ended and fate.timed_out,
            prompt=run.prompt, session_id=run.session_id, agent_file=run.agent_file,
            webhook_url=run.webhook_url, idempotency_key=run.idempotency_key, plan=plan, at=now)


def _ending(run: _Run, start: float) -> _Fate:
    """How a run that starts at `start` ends: on its own, by timeout, or cancelled."""
    plan = run.plan
    if math.isinf(start):
        end, outcome, error, timed_out = math.inf, "failed", None, False
    else:
        end = plan.end_instant(start)
        outcome, error, timed_out = plan.natural_outcome, plan.natural_error, False
        # asyncio.wait_for(timeout) (executor.py:268-271): finishing exactly at the deadline counts;
        # a negative timeout expires before even an instant run can finish. A replayed run ends as
        # recorded (its server's timeout, if any, is in the recording), at any replay speed.
        deadline = start + max(plan.timeout, 0) if plan.timeout < 10**12 else math.inf
        if plan.report_offsets is None and (deadline < end or plan.timeout < 0):
            end, outcome, error, timed_out = deadline, "failed", f"Job timed out after {plan.timeout}s", True
    return _Fate(start, end, outcome, error, timed_out)
