"""The lifecycle rules replayed over a recorded history (contract_tests.history)."""

from __future__ import annotations

import pytest

from contract_tests.history import (
    GONE,
    KINETICA_JOB,
    KINETICA_RUN,
    PRAISONAI_RUN,
    REMOVED,
    Log,
    Observation,
    replay,
)
from contract_tests.violation import ClauseViolation


def history(*events: tuple[str, str]) -> list[Observation]:
    return [Observation(subject, status, step) for step, (subject, status) in enumerate(events)]


def rules(observations: list[Observation], lifecycle=PRAISONAI_RUN) -> list[tuple[str, str]]:
    return [(v.rule, v.clause) for v in replay(observations, lifecycle)]


def test_a_forward_history_with_deletes_breaks_nothing() -> None:
    events = history(("a", "queued"), ("b", "queued"), ("a", "running"), ("b", "cancelled"), ("a", "running"),
                     ("a", "succeeded"), ("b", "cancelled"), ("b", REMOVED), ("b", GONE), ("a", "succeeded"))
    assert replay(events, PRAISONAI_RUN) == []


def test_a_cancelled_run_that_later_succeeds_is_revived() -> None:
    # Issue 11 item 1, as the machines record it: the cancel answer, then a later status read.
    found = replay(history(("x", "queued"), ("x", "cancelled"), ("y", "cancelled"), ("x", "succeeded")),
                   PRAISONAI_RUN)
    assert [(v.rule, v.clause, v.subject) for v in found] == [("revived", "PRA-CAN-005", "x")]
    assert "ended cancelled at step 1, later succeeded (step 3)" in str(found[0])


@pytest.mark.parametrize(("first", "then", "rule"), [
    ("running", "queued", "back"),
    ("succeeded", "failed", "changed"),
    ("succeeded", "running", "changed"),
    ("failed", "succeeded", "revived"),
    ("cancelled", "queued", "changed"),
])
def test_no_status_goes_back_and_a_finished_one_never_changes(first: str, then: str, rule: str) -> None:
    assert [r for r, _ in rules(history(("a", first), ("a", then)))] == [rule]


def test_an_id_must_stay_answerable_until_removed_and_stay_gone_after() -> None:
    assert rules(history(("a", "queued"), ("a", GONE))) == [("lost", "PRA-STA-017")]
    assert rules(history(("a", "succeeded"), ("a", REMOVED), ("a", "succeeded"))) == [("returned", "PRA-DEL-001")]
    assert rules(history(("a", GONE))) == []  # never handed out by the target: not ours to judge


def test_kinetica_lifecycles_name_their_own_clauses() -> None:
    assert rules(history(("7", "killed"), ("7", "complete")), KINETICA_RUN) == [("revived", "KIN-SPS-020")]
    assert rules(history(("7", "running"), ("7", "none")), KINETICA_RUN) == [("back", "KIN-SPS-014")]
    assert rules(history(("7", "complete"), ("7", GONE)), KINETICA_RUN) == [("lost", "KIN-SPS-021")]
    assert rules(history(("3", "CANCELLED"), ("3", "DONE")), KINETICA_JOB) == [("revived", "KIN-JOB-003")]
    assert KINETICA_JOB.terminal == {"DONE", "ERROR", "CANCELLED"}


def test_unknown_statuses_are_left_to_other_clauses() -> None:
    assert replay(history(("a", "queued"), ("a", "paused"), ("a", "running")), PRAISONAI_RUN) == []


def test_the_log_numbers_steps_and_fails_with_every_violation() -> None:
    log = Log(PRAISONAI_RUN)
    log.saw("a", "cancelled", "POST /api/v1/runs/a/cancel")
    log.next_step()
    log.saw("a", "succeeded", "GET /api/v1/runs/a")
    with pytest.raises(ClauseViolation, match=r"PRA-CAN-005.*step 1, GET /api/v1/runs/a") as caught:
        log.check()
    assert caught.value.clauses == ("PRA-CAN-005",)  # the report credits the failure to that clause alone
    log.observations.pop()
    log.check()
