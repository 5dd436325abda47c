"""Lifecycle rules replayed over the whole recorded history of runs and jobs.

The state machines check each answer as it comes; this module looks back over everything seen in
one machine run, in order, whatever endpoint said it (a status read, a cancel answer, a listing):

- no status goes back (each lifecycle gives its statuses a rank);
- a finished status never changes, so a cancelled, killed or failed run never later completes;
- every id the target handed out stays answerable until it is deleted or cleared, and a deleted
  or cleared one does not come back.

Pure functions over a list of `Observation`s; the machines feed them and assert `replay(...)` is empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from contract_tests.violation import ClauseViolation

__all__ = [
    "GONE",
    "KINETICA_JOB",
    "KINETICA_RUN",
    "KINETICA_SEGMENT",
    "PRAISONAI_RUN",
    "REMOVED",
    "Lifecycle",
    "Log",
    "Observation",
    "Violation",
    "replay",
]

# What an observation can say besides a status.
GONE = "<gone>"          # the target said it does not know the id
REMOVED = "<removed>"    # the test deleted or cleared it: from now on it may (and must) be gone


@dataclass(frozen=True)
class Lifecycle:
    """One kind of thing's statuses: rank (forward order) and which finished ones end badly."""

    name: str
    rank: Mapping[str, int]
    ends_badly: frozenset[str]
    clauses: Mapping[str, str] = field(default_factory=dict)  # rule -> clause id, for the report

    @property
    def terminal(self) -> frozenset[str]:
        top = max(self.rank.values())
        return frozenset(s for s, r in self.rank.items() if r == top)


PRAISONAI_RUN = Lifecycle(
    "PraisonAI run", {"queued": 0, "running": 1, "succeeded": 2, "failed": 2, "cancelled": 2},
    frozenset({"failed", "cancelled"}),
    {"back": "PRA-STA-014", "changed": "PRA-STA-014", "revived": "PRA-CAN-005", "lost": "PRA-STA-017",
     "returned": "PRA-DEL-001"})
KINETICA_RUN = Lifecycle(
    "Kinetica run", {"none": 0, "running": 1, "complete": 2, "error": 2, "killed": 2},
    frozenset({"error", "killed"}),
    {"back": "KIN-SPS-014", "changed": "KIN-SPS-014", "revived": "KIN-SPS-020", "lost": "KIN-SPS-021",
     "returned": "KIN-SPS-004"})
KINETICA_SEGMENT = Lifecycle("Kinetica segment", KINETICA_RUN.rank, KINETICA_RUN.ends_badly,
                             {**KINETICA_RUN.clauses, "lost": "KIN-SPS-001"})
KINETICA_JOB = Lifecycle(
    "Kinetica job", {"RUNNING": 0, "DONE": 1, "ERROR": 1, "CANCELLED": 1}, frozenset({"ERROR", "CANCELLED"}),
    {"back": "KIN-JOB-003", "changed": "KIN-JOB-003", "revived": "KIN-JOB-003", "lost": "KIN-JOB-002",
     "returned": "KIN-JOB-002"})


@dataclass(frozen=True)
class Observation:
    """What was learnt about one subject (a run, a segment, a job) at one step of the test."""

    subject: str
    status: str        # a status of the lifecycle, GONE or REMOVED
    step: int
    source: str = ""   # what said it, e.g. "POST /api/v1/runs/x/cancel"


@dataclass(frozen=True)
class Violation:
    rule: str          # back | changed | revived | lost | returned
    clause: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"[{self.clause}] {self.message}"


def replay(observations: Iterable[Observation], lifecycle: Lifecycle) -> list[Violation]:
    """Every violation of the lifecycle rules in this history (observations in the order made)."""
    last: dict[str, Observation] = {}      # last status seen (GONE/REMOVED excluded)
    removed: dict[str, Observation] = {}
    found: list[Violation] = []

    def fail(rule: str, obs: Observation, message: str) -> None:
        clause = lifecycle.clauses.get(rule, "")
        where = f" (step {obs.step}{', ' + obs.source if obs.source else ''})"
        found.append(Violation(rule, clause, obs.subject, f"{lifecycle.name} {obs.subject}: {message}{where}"))

    for obs in observations:
        before = last.get(obs.subject)
        if obs.status == REMOVED:
            removed[obs.subject] = obs
            continue
        if obs.status == GONE:
            if before is not None and obs.subject not in removed:
                fail("lost", obs, f"was {before.status} at step {before.step}, then unknown though never "
                                  "deleted or cleared")
            continue
        if obs.subject in removed:
            fail("returned", obs, f"deleted or cleared at step {removed[obs.subject].step}, then {obs.status} again")
            continue
        if obs.status not in lifecycle.rank:
            continue  # an unknown status is another clause's business
        if before is not None and before.status != obs.status:
            if before.status in lifecycle.terminal:
                if before.status in lifecycle.ends_badly and obs.status in lifecycle.terminal:
                    fail("revived", obs, f"ended {before.status} at step {before.step}, later {obs.status}")
                else:
                    fail("changed", obs, f"finished {before.status} at step {before.step}, later {obs.status}")
            elif lifecycle.rank[obs.status] < lifecycle.rank[before.status]:
                fail("back", obs, f"went back from {before.status} (step {before.step}) to {obs.status}")
        last[obs.subject] = obs
    return found


class Log:
    """The observations of one machine run, numbered by step; `check()` replays them."""

    def __init__(self, lifecycle: Lifecycle) -> None:
        self.lifecycle = lifecycle
        self.observations: list[Observation] = []
        self.step = 0

    def next_step(self) -> None:
        self.step += 1

    def saw(self, subject: str, status: str, source: str = "") -> None:
        self.observations.append(Observation(subject, status, self.step, source))

    def gone(self, subject: str, source: str = "") -> None:
        self.saw(subject, GONE, source)

    def removed(self, subject: str, source: str = "") -> None:
        self.saw(subject, REMOVED, source)

    def check(self) -> None:
        """Raise for every violation, pinned on the clauses they break (see contract_tests.violation)."""
        found = replay(self.observations, self.lifecycle)
        if found:
            clauses = tuple(sorted({v.clause for v in found if v.clause}))
            raise ClauseViolation(clauses, "the recorded history breaks the lifecycle rules:\n"
                                  + "\n".join(map(str, found[:10])))
