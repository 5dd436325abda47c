"""The proxy's incremental lifecycle tracking gives the verdicts `contract_tests.history.replay` gives
over the whole history, and never judges a subject gone after it finished (the retention latitudes)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from contract_tests.history import GONE, KINETICA_RUN, PRAISONAI_RUN, REMOVED, Observation, replay
from mockserver.proxy.lifecycle import Tracker

STATUSES = [*PRAISONAI_RUN.rank, GONE, REMOVED, "unheard-of"]


def verdicts(history: list[tuple[str, str]]) -> list[tuple[str, str]]:
    tracker = Tracker(PRAISONAI_RUN)
    found = []
    for subject, status in history:
        found += [(subject, f.clause) for f in tracker.saw(subject, status, {"exchange": 0}, "test")]
    return found


def without_gone_after_the_end(history: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The history as replay should judge it: a GONE after a finished status is not held against it."""
    last: dict[str, str] = {}
    removed: set[str] = set()
    kept = []
    for subject, status in history:
        if status == GONE and subject not in removed and last.get(subject) in PRAISONAI_RUN.terminal:
            continue
        if status == REMOVED:
            removed.add(subject)
        elif status in PRAISONAI_RUN.rank and subject not in removed:
            last[subject] = status
        kept.append((subject, status))
    return kept


@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(STATUSES)), max_size=25))
def test_incremental_verdicts_equal_a_replay_of_everything(history: list[tuple[str, str]]) -> None:
    kept = without_gone_after_the_end(history)
    expected = [(v.subject, v.clause) for v in replay(
        [Observation(s, status, step) for step, (s, status) in enumerate(kept)], PRAISONAI_RUN)]
    assert verdicts(history) == expected


def test_a_finished_run_that_goes_back_shows_both_answers_as_evidence() -> None:
    tracker = Tracker(KINETICA_RUN)
    assert tracker.saw("7", "killed", {"exchange": 3}, "/show/proc/status") == []
    assert tracker.saw("7", GONE, {"exchange": 4}, "/show/proc/status") == []  # expired: open
    (finding,) = tracker.saw("7", "complete", {"exchange": 5}, "/show/proc/status")
    assert finding.clause == "KIN-SPS-020" and finding.earlier == {"exchange": 3}
    assert tracker.saw("8", "running", {"exchange": 6}, "s") == []
    (lost,) = tracker.saw("8", GONE, {"exchange": 7}, "s")
    assert lost.clause == "KIN-SPS-021"

