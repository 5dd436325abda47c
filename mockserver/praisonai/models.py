"""The PraisonAI runs model: submissions, a FIFO concurrency limit, an admission (queue) limit,
idempotency keys, timeouts, cancellation and deletion. Free of HTTP.

State is computed on read. A run stores what was asked (its `Plan`, fixed at submission) and the
events that happened to it (cancelled at t, deleted at t). Everything else - when it starts (which
depends on the runs ahead of it for a slot), when and how it ends, its progress - is derived from
those plus `clock.now()`. The derivation replays the queue as praisonai's executor runs it: every run
waits `queue_seconds`, then joins one FIFO queue for `max_concurrent` slots (an asyncio.Semaphore in
praisonai/jobs/executor.py:257); its timeout counts from its start (executor.py:267-271).
Nothing ticks in the background; the schedule is recomputed only when an event or the scenario
changes, and the past never changes: an event at t only affects what happens after t.
"""

from __future__ import annotations

import builtins
import heapq
import math
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.clock import Clock
from mockserver.ids import praisonai_job_id
from mockserver.praisonai.plan import NO_PROGRESS, Plan, Progress, effective_timeout, make_plan
from mockserver.praisonai.scenario import PraisonAIScenario
from mockserver.praisonai.webhook_targets import WebhookPolicy
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


@dataclass(frozen=True)
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


@dataclass
class _Run:
    seq: int
    job_id: str
    request: SubmitRequest
    created_at: float
    plan: Plan
    cancelled_at: float | None = None
    # Whether it was still queued when cancelled: then it never starts, even if a slot frees at
    # that same instant by a later event (the instant alone cannot order the two).
    cancelled_queued: bool = False
    deleted_at: float | None = None
    webhook_taken: bool = False


@dataclass(frozen=True)
class _Fate:
    """Derived from plan + events: when the run starts and ends, and how it ends."""

    start: float | None            # None: cancelled before it got a slot; inf: waits forever
    end: float                     # inf: not ended (yet), e.g. a hang with no timeout in sight
    outcome: str                   # succeeded | failed | cancelled
    error: str | None
    timed_out: bool = False


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
    request: SubmitRequest
    plan: Plan
    at: float

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def session_id(self) -> str | None:
        return self.request.session_id

    @property
    def webhook_url(self) -> str | None:
        return self.request.webhook_url

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
            "prompt": self.request.prompt,
            "session_id": self.request.session_id,
            "agent_file": self.request.agent_file,
            "webhook_url": self.request.webhook_url,
            "idempotency_key": self.request.idempotency_key,
            "plan": {"steps": self.plan.steps, "step_seconds": self.plan.step_seconds,
                     "fail": self.plan.fail, "hang": self.plan.hang,
                     "queue_seconds": self.plan.queue_seconds, "timeout": self.plan.timeout,
                     "invalid_hint": self.plan.invalid_hint},
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
                 webhook_allow: Iterable[str] = (), job_id_format: str = "run_hex") -> None:
        """`job_id_format`: `run_hex` (the reference's) or `uuid` (a latitude: ids are opaque)."""
        if job_id_format not in JOB_ID_FORMATS:
            raise ValueError(f"job_id_format must be one of {JOB_ID_FORMATS}; got {job_id_format!r}")
        self.clock = clock
        self.job_id_format = job_id_format
        self.scenario_store = scenario_store if scenario_store is not None else ScenarioStore()
        self.profile = profile
        self.allow_loopback_webhooks = allow_loopback_webhooks
        self.webhook_networks = WebhookPolicy.of(networks=webhook_allow).allowed
        self._lock = threading.RLock()
        self.reset()

    @property
    def webhook_policy(self) -> WebhookPolicy:
        """Where webhooks may go (read at every submit and delivery)."""
        return WebhookPolicy(self.allow_loopback_webhooks, self.webhook_networks)

    # -- lifecycle of the model itself ----------------------------------------------------------
    def reset(self) -> None:
        """Forget every run (ids are never handed out again: see mockserver.ids)."""
        with self._lock:
            self._runs: list[_Run] = []                 # every accepted run, deleted ones too
            self._by_id: dict[str, _Run] = {}           # visible (not deleted) runs
            self._by_key: dict[str, str] = {}           # idempotency key -> job_id
            self._fates: dict[str, _Fate] | None = None
            self._fates_key: tuple[int, Limits] | None = None
            self.version = getattr(self, "version", 0) + 1
            self.webhook_log: list[dict[str, Any]] = []

    # -- scenario -------------------------------------------------------------------------------
    def _scenario(self):  # -> Scenario
        return self.scenario_store.current

    def section(self) -> PraisonAIScenario:
        # Cached per scenario version: a scenario without the section resolves its default via
        # the section registry, which is too slow to do for every run of every list.
        version = self.scenario_store.version
        cached = getattr(self, "_section_cache", None)
        if cached is None or cached[0] != version:
            section = self._scenario().section("praisonai")
            assert isinstance(section, PraisonAIScenario)
            cached = self._section_cache = (version, section)
        return cached[1]

    def limits(self) -> Limits:
        s = self.section()
        return Limits(s.max_concurrent, s.queue_limit, s.default_timeout)

    # -- commands -------------------------------------------------------------------------------
    def submit(self, request: SubmitRequest) -> tuple[RunView, bool]:
        """The run for this request and whether it is new. An idempotency key already in use
        returns that run (praisonai/jobs/router.py:69-84); a full queue raises QueueFull."""
        with self._lock:
            now = self.clock.now()
            key = request.idempotency_key
            if key and key in self._by_key:
                return self._view(self._by_id[self._by_key[key]], now), False
            limits = self.limits()
            fates = self._fates_now(limits)
            unfinished = sum(1 for r in self._runs if fates[r.job_id].end > now)
            if unfinished >= limits.max_queued:
                raise QueueFull(limits.max_queued)
            section = self.section()
            behaviour = section.behaviour_for(request.prompt, request.session_id, request.agent_file)
            plan = make_plan(behaviour, request.config or {}, request.prompt,
                             effective_timeout(request.timeout, limits.default_timeout))
            run = _Run(seq=len(self._runs), job_id=praisonai_job_id(self.job_id_format), request=request,
                       created_at=now, plan=plan)
            self._runs.append(run)
            self._by_id[run.job_id] = run
            if key:
                self._by_key[key] = run.job_id
            self._changed()
            return self._view(run, now), True

    def get(self, job_id: str) -> RunView:
        with self._lock:
            return self._view(self._visible(job_id), self.clock.now())

    def find_by_key(self, key: str) -> RunView | None:
        """The run holding this idempotency key, if any."""
        with self._lock:
            job_id = self._by_key.get(key)
            return self._view(self._by_id[job_id], self.clock.now()) if job_id is not None else None

    def find(self, job_id: str) -> RunView | None:
        """Like get, but None for an unknown or deleted run (what a stream needs)."""
        with self._lock:
            run = self._by_id.get(job_id)
            return self._view(run, self.clock.now()) if run is not None else None

    def cancel(self, job_id: str) -> RunView:
        """Cancel a queued or running run (praisonai/jobs/executor.py:193-220). The control plane
        uses this too. Raises RunNotFound, or RunFinished for a terminal run."""
        with self._lock:
            run = self._visible(job_id)
            now = self.clock.now()
            view = self._view(run, now)
            if view.terminal:
                raise RunFinished(view)
            run.cancelled_at = now
            run.cancelled_queued = view.status == "queued"
            self._changed()
            return self._view(run, now)

    def delete(self, job_id: str) -> RunView:
        """Remove a terminal run and free its idempotency key (router.py:248-265)."""
        with self._lock:
            run = self._visible(job_id)
            now = self.clock.now()
            view = self._view(run, now)
            if not view.terminal:
                raise RunUnfinished(view)
            run.deleted_at = now
            del self._by_id[job_id]
            key = run.request.idempotency_key
            if key and self._by_key.get(key) == job_id:
                del self._by_key[key]
            self.version += 1  # deleting a finished run changes no one's schedule
            return view

    # -- queries --------------------------------------------------------------------------------
    def list(self, *, status: str | None = None, session_id: str | None = None, page: int = 1,
             page_size: int = 20) -> tuple[list[RunView], int]:
        """Newest first (praisonai/jobs/store.py:238-242); returns (page of runs, total matching)."""
        with self._lock:
            now = self.clock.now()
            runs = sorted(self._by_id.values(), key=lambda r: (r.created_at, r.seq), reverse=True)
            views = [self._view(r, now) for r in runs]
        if status:
            views = [v for v in views if v.status == status]
        if session_id:
            views = [v for v in views if v.session_id == session_id]
        offset = (page - 1) * page_size
        return views[offset:offset + page_size], len(views)

    def views(self) -> builtins.list[RunView]:
        with self._lock:
            now = self.clock.now()
            return [self._view(r, now) for r in self._by_id.values()]

    def counts(self, *, include_deleted: bool = False) -> dict[str, int]:
        """Runs by status, every status present."""
        with self._lock:
            now = self.clock.now()
            runs: Iterable[_Run] = self._runs if include_deleted else self._by_id.values()
            counts = dict.fromkeys(STATUSES, 0)
            for run in runs:
                counts[self._view(run, now).status] += 1
            return counts

    def unfinished(self) -> int:
        """Admitted runs not yet finished: what praisonai reports as running_jobs (executor.py:591)."""
        c = self.counts()
        return c["queued"] + c["running"]

    def next_change(self, job_id: str, after: float) -> float:
        """The first instant > `after` at which the run's status or progress changes (inf: none
        without a new event). Streams sleep until then."""
        with self._lock:
            run = self._by_id.get(job_id)
            if run is None:
                return math.inf
            fate = self._fates_now(self.limits())[job_id]
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
            fates = self._fates_now(self.limits())
            due = []
            for run in self._runs:
                if run.webhook_taken or not run.request.webhook_url or fates[run.job_id].end > now:
                    continue
                run.webhook_taken = True
                view = self._view(run, now)
                if accept(view):
                    due.append(view)
            return due

    def pending_webhooks(self) -> bool:
        with self._lock:
            return any(r.request.webhook_url and not r.webhook_taken for r in self._runs)

    def record_webhook(self, entry: Mapping[str, Any]) -> None:
        with self._lock:
            self.webhook_log.append(dict(entry))

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
                "runs": [v.as_dict() for v in sorted(self.views(), key=lambda v: self._by_id_seq(v.job_id))],
                "webhooks": list(self.webhook_log),
            }

    # -- internals ------------------------------------------------------------------------------
    def _visible(self, job_id: str) -> _Run:
        run = self._by_id.get(job_id)
        if run is None:
            raise RunNotFound(job_id)
        return run

    def _by_id_seq(self, job_id: str) -> int:
        run = self._by_id.get(job_id)
        return run.seq if run is not None else -1

    def _changed(self) -> None:
        self.version += 1
        self._fates = None

    def _fates_now(self, limits: Limits) -> dict[str, _Fate]:
        key = (self.scenario_store.version, limits)
        if self._fates is None or self._fates_key != key:
            self._fates = _replay(self._runs, limits.max_concurrent)
            self._fates_key = key
        return self._fates

    def _view(self, run: _Run, now: float) -> RunView:
        fate = self._fates_now(self.limits())[run.job_id]
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
            request=run.request, plan=plan, at=now)


def _replay(runs: list[_Run], max_concurrent: int) -> dict[str, _Fate]:
    """Every run's fate: FIFO for `max_concurrent` slots in order of readiness (created_at +
    pickup + queue_seconds, then submission order), each run holding its slot from start to end."""
    fates: dict[str, _Fate] = {}
    slots: list[float] = []   # min-heap of the instants at which busy slots free up
    for run in sorted(runs, key=lambda r: (r.created_at + r.plan.queue_seconds, r.seq)):
        ready = run.created_at + PICKUP_SECONDS + run.plan.queue_seconds
        free_at = slots[0] if len(slots) >= max_concurrent else -math.inf
        start = max(ready, free_at)
        if run.cancelled_at is not None and (run.cancelled_queued or run.cancelled_at < start):
            # Cancelled while queued: never holds a slot (executor.py:203-217).
            fates[run.job_id] = _Fate(None, run.cancelled_at, "cancelled", None)
            continue
        fate = _ending(run, start)
        fates[run.job_id] = fate
        if len(slots) >= max_concurrent:
            heapq.heapreplace(slots, fate.end)
        else:
            heapq.heappush(slots, fate.end)
    return fates


def _ending(run: _Run, start: float) -> _Fate:
    """How a run that starts at `start` ends: on its own, by timeout, or cancelled."""
    plan = run.plan
    if math.isinf(start):
        end, outcome, error, timed_out = math.inf, "failed", None, False
    else:
        end = plan.end_instant(start)
        outcome, error, timed_out = plan.natural_outcome, plan.natural_error, False
        # asyncio.wait_for(timeout) (executor.py:268-271): finishing exactly at the deadline counts;
        # a negative timeout expires before even an instant run can finish.
        deadline = start + max(plan.timeout, 0) if plan.timeout < 10**12 else math.inf
        if deadline < end or plan.timeout < 0:
            end, outcome, error, timed_out = deadline, "failed", f"Job timed out after {plan.timeout}s", True
    if run.cancelled_at is not None and run.cancelled_at < end:
        return _Fate(start, run.cancelled_at, "cancelled", None)
    return _Fate(start, end, outcome, error, timed_out)
