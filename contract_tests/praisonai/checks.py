"""Checks on PraisonAI answers shared by the tests and the state machine."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from contract_tests.praisonai.client import STATUSES, TERMINAL, parse_timestamp
from contract_tests.violation import advise
from contract_tests.violation import checking as pin

ORDER = {"queued": 0, "running": 1, "succeeded": 2, "failed": 2, "cancelled": 2}


def utc_timestamp(value: Any, name: str) -> datetime:
    """PRA-STA-006: an ISO 8601 timestamp; in UTC as the examples show (PRA-STA-012, an advisory)."""
    stamp = parse_timestamp(value)
    advise("PRA-STA-012", stamp.tzinfo is not None and stamp.utcoffset() == timedelta(0),
           f"expected {name} in UTC (Z or +00:00), as the pages' examples are; got {value!r}")
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)


def present(body: dict[str, Any], name: str) -> bool:
    return body.get(name) is not None


def check_status_object(body: dict[str, Any], job_id: str, profile: str = "impl", *, about: str = "") -> None:
    """One status answer on its own: PRA-STA-001..010, 012, 013, each check pinned on its clause, or
    all of them on `about` when the object is another endpoint's answer (a cancel answers one)."""

    def checking(clause: str) -> AbstractContextManager[None]:
        return pin(about or clause)

    with checking("PRA-STA-001"):
        assert body.get("job_id") == job_id, f"expected job_id {job_id!r}; got {body.get('job_id')!r}"
    status = body.get("status")
    with checking("PRA-STA-002"):
        assert status in STATUSES, f"expected status among {STATUSES}; got {status!r}"
    with checking("PRA-STA-006"):
        created = utc_timestamp(body.get("created_at"), "created_at")
    with checking("PRA-STA-007"):
        started = utc_timestamp(body["started_at"], "started_at") if present(body, "started_at") else None
        if status in ("running", "succeeded", "failed"):
            assert started is not None, f"expected started_at once the job has run; got {body}"
    with checking("PRA-STA-008"):
        completed = utc_timestamp(body["completed_at"], "completed_at") if present(body, "completed_at") else None
        if status in TERMINAL:
            assert completed is not None, f"expected completed_at for a {status} job; got {body}"
        else:
            assert completed is None, f"expected no completed_at before the job ends; got {body}"
    retry = body.get("retry_after")
    # The reference always sends it; the status page tells clients what to do when it is not there
    # (get-run-status.mdx:144-145), so under the docs profile it may be left out.
    if status not in TERMINAL and (retry is not None or profile == "impl"):
        with checking("PRA-STA-009"):
            assert isinstance(retry, int) and not isinstance(retry, bool) and retry > 0, (
                f"expected a positive integer retry_after while {status}; got {retry!r}")
    with checking("PRA-STA-013"):
        if started is not None:
            assert created <= started, f"expected created_at <= started_at; got {body}"
        if completed is not None:
            assert (started or created) <= completed, f"expected started_at/created_at <= completed_at; got {body}"
    progress = body.get("progress")
    if status == "running":
        with checking("PRA-STA-003"):
            assert isinstance(progress, dict) and "percentage" in progress, (
                f"expected progress while running; got {body}")
    if isinstance(progress, dict):
        pct = progress.get("percentage")
        with checking("PRA-STA-004"):
            assert isinstance(pct, int | float) and not isinstance(pct, bool) and 0 <= pct <= 100, (
                f"expected progress.percentage in 0..100; got {pct!r}")
        step = progress.get("current_step")
        with checking("PRA-STA-005"):
            assert step is None or isinstance(step, str), f"expected current_step to be a string; got {step!r}"
    if status == "failed":
        error = body.get("error")
        with checking("PRA-STA-010"):
            assert isinstance(error, str) and error.strip(), f"expected an error message for a failed job; got {body}"


@dataclass
class History:
    """What was seen of one job so far: PRA-STA-014/015, PRA-CAN-004/005 across observations."""

    job_id: str
    profile: str = "impl"
    statuses: list[str] = field(default_factory=list)
    percentage: float = -1.0
    stamps: dict[str, str] = field(default_factory=dict)
    cancelled_while_queued: bool = False

    def observe(self, body: dict[str, Any]) -> None:
        status = body.get("status")
        if self.statuses and status in ORDER:  # the move first: a finished job seen running again is that
            before = self.statuses[-1]
            with pin("PRA-STA-014"):
                if before in TERMINAL:
                    assert status == before, f"expected {self.job_id} to stay {before}; got {status}"
                assert ORDER[status] >= ORDER[before], f"expected {self.job_id} not to go from {before} to {status}"
        check_status_object(body, self.job_id, self.profile)
        self.statuses.append(str(status))
        progress = body.get("progress")
        if status == "running" and isinstance(progress, dict):
            pct = float(progress["percentage"])
            advise("PRA-STA-015", pct >= self.percentage, f"progress went back: {self.percentage} -> {pct}")
            self.percentage = pct
        for name in ("created_at", "started_at", "completed_at"):
            if present(body, name):
                seen = self.stamps.setdefault(name, body[name])
                with pin("PRA-STA-014"):
                    assert parse_timestamp(seen) == parse_timestamp(body[name]), (
                        f"expected {name} of {self.job_id} never to change: {seen} -> {body[name]}")
        if self.cancelled_while_queued:
            with pin("PRA-CAN-004"):
                assert status == "cancelled" and not present(body, "started_at"), (
                    f"expected a job cancelled while queued never to start; got {body}")


# praisonai 4.7.19 jobs/models.py:145-157 (JobStatusResponse, serialised without exclude_none).
IMPL_STATUS_KEYS = frozenset({"job_id", "status", "progress", "created_at", "started_at", "completed_at",
                              "agent_id", "run_id", "session_id", "error", "retry_after"})
IMPL_PROGRESS_KEYS = frozenset({"percentage", "current_step", "steps_completed", "steps_total"})


def check_impl_fields(body: dict[str, Any]) -> None:
    """PRA-STA-016I: every key in every state, null when unset (the reference never omits one)."""
    missing = sorted(IMPL_STATUS_KEYS - set(body))
    assert not missing, f"expected every status key in a {body.get('status')} job; missing {missing}: {body}"
    progress = body["progress"]
    assert isinstance(progress, dict) and not sorted(IMPL_PROGRESS_KEYS - set(progress)), (
        f"expected progress with {sorted(IMPL_PROGRESS_KEYS)}; got {progress!r}")
    status = body["status"]
    if status == "queued":  # models.py:286-289: only start() sets started_at
        assert body["started_at"] is None, f"expected started_at null while queued; got {body}"
    if status in TERMINAL:  # models.py:244-248: retry_after only while queued or running
        assert body["retry_after"] is None, f"expected retry_after null once {status}; got {body}"
