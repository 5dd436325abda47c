"""Per run and per job, the lifecycle rules of `contract_tests.history` over what passes the proxy.

`history.replay` judges a whole history; what it needs to judge the next observation of a subject is
only the subject's last status and whether it was removed. So each subject keeps those two, and each
new observation is replayed after them alone: the same verdicts as replaying everything, at a cost
that does not grow with the traffic. Evidence for a verdict is the exchange of the earlier answer and
the current one.

A passive observer cannot tell expiry from loss: a subject gone after it finished is not judged
(LAT-KIN-RETENTION, LAT-PRA-RETENTION leave it open how long finished ones stay).
"""

from __future__ import annotations

from dataclasses import dataclass

from contract_tests.history import GONE, REMOVED, Lifecycle, Observation, replay
from mockserver.proxy.findings import Evidence, Finding

__all__ = ["Tracker"]


@dataclass
class _State:
    last: tuple[Observation, Evidence] | None = None
    removed: tuple[Observation, Evidence] | None = None


class Tracker:
    """The lifecycle of one kind of subject (runs, segments, jobs) across the whole proxied traffic."""

    def __init__(self, lifecycle: Lifecycle) -> None:
        self.lifecycle = lifecycle
        self._states: dict[str, _State] = {}
        self._step = 0

    def saw(self, subject: str, status: str, evidence: Evidence, source: str) -> list[Finding]:
        state = self._states.get(subject)
        if state is None:
            if status == GONE:
                return []  # never seen: nothing to hold it to
            state = self._states[subject] = _State()
        if status == GONE and state.last is not None and state.last[0].status in self.lifecycle.terminal:
            return []
        self._step += 1
        now = Observation(subject, status, self._step, source)
        before = sorted((s for s in (state.last, state.removed) if s is not None), key=lambda s: s[0].step)
        found = replay([obs for obs, _ in before] + [now], self.lifecycle)
        findings = []
        for v in found:
            # The contradicted answer: the removal for "returned", else the last status seen.
            prior = state.removed if v.rule == "returned" else state.last
            findings.append(Finding(v.clause, v.message, prior[1] if prior is not None else None))
        if status == REMOVED:
            state.removed = (now, evidence)
        elif status == GONE or (state.removed is not None) or status not in self.lifecycle.rank:
            pass  # replay keeps no status for these either
        else:
            state.last = (now, evidence)
        return findings

    def status(self, subject: str) -> str | None:
        state = self._states.get(subject)
        return state.last[0].status if state is not None and state.last is not None else None

    def __len__(self) -> int:
        return len(self._states)
