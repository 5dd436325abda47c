"""A Hypothesis state machine over PraisonAI runs, checking the invariants after every step.

Rules submit runs that succeed, fail or hang (some with an idempotency key used twice), let time
pass, cancel, delete and ask for results. After every step each of our runs is read and checked
against its history, and the session-scoped listing must agree with the statuses.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from contract_tests.hypo import contract_settings
from contract_tests.praisonai.checks import ORDER, History
from contract_tests.praisonai.client import STATUSES, TERMINAL, PraisonTarget
from contract_tests.violation import checking

clause = pytest.mark.clause


class PraisonMachine(RuleBasedStateMachine):
    target: PraisonTarget

    def __init__(self) -> None:
        super().__init__()
        self.pra = type(self).target
        self.pra.prepare_test()
        self.docs = self.pra.profile == "docs"
        self.session = self.pra.unique("machine")
        self.jobs: dict[str, History] = {}
        self.keys: dict[str, str] = {}  # idempotency key -> job id
        self.deleted: set[str] = set()

    def _code(self, docs: int, impl: int) -> int:
        return docs if self.docs else impl

    @rule(kind=st.sampled_from(["ok", "fail", "hang"]), steps=st.integers(1, 3), keyed=st.booleans())
    def submit(self, kind: str, steps: int, keyed: bool) -> None:
        extra: dict[str, Any] = {"mock_fail": "machine failure"} if kind == "fail" else {}
        if kind == "hang":
            extra["mock_hang"] = True
        key = self.pra.unique("key") if keyed else None
        response = self.pra.submit(config=self.pra.hints(steps=steps, **extra), session_id=self.session,
                                   headers={"Idempotency-Key": key} if key else None)
        assert response.status_code == 202, f"expected 202; got {response.status_code} {response.text}"
        job_id = response.json()["job_id"]
        assert job_id not in self.jobs, f"expected a new job id; got {job_id} again"
        self.jobs[job_id] = History(job_id, self.pra.profile)
        if key:
            self.keys[key] = job_id

    @rule(data=st.data())
    def resubmit_key(self, data: st.DataObject) -> None:
        live_keys = sorted(k for k, j in self.keys.items() if j not in self.deleted)
        if not live_keys:
            return
        key = data.draw(st.sampled_from(live_keys))
        response = self.pra.submit(config=self.pra.hints(), session_id=self.session,
                                   headers={"Idempotency-Key": key})
        with checking(self._side("PRA-SUB-007")):
            assert response.status_code == self._code(409, 202), f"repeated key answered {response.status_code}"
        assert response.json()["job_id"] == self.keys[key], "expected the repeated key to return the same job"

    @rule(units=st.sampled_from([0.5, 1, 2, 5]))
    def pass_time(self, units: float) -> None:
        self.pra.pass_time(units * self.pra.unit)

    def _side(self, clause: str) -> str:
        """The profile's side of a point where the pages and the reference disagree (`...D` / `...I`)."""
        return clause + ("D" if self.docs else "I")

    def _pick(self, data: st.DataObject) -> str | None:
        alive = sorted(j for j in self.jobs if j not in self.deleted)
        return data.draw(st.sampled_from(alive)) if alive else None

    def _states(self, job_id: str, before: str) -> set[str]:
        """The states the job may have been in when the request landed: the one seen just before,
        or (live targets, where time runs between two requests) any it has reached since."""
        if self.pra.has_control:
            return {before}
        after = self.pra.status(job_id)["status"]
        return {s for s in ORDER if ORDER[before] <= ORDER[s] <= ORDER[after]} if after != before else {before}

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        job_id = self._pick(data)
        if job_id is None:
            return
        before = self.pra.status(job_id)["status"]
        response = self.pra.cancel(job_id)
        states = self._states(job_id, before)
        allowed = ({self._code(400, 409)} if states & TERMINAL else set()) | ({200} if states - TERMINAL else set())
        with checking(self._side("PRA-CAN-002") if states <= TERMINAL else self._side("PRA-CAN-001")):
            assert response.status_code in allowed, f"cancel of a {before} job answered {response.status_code}"
        if response.status_code == 200:
            assert response.json()["status"] == "cancelled"
            self.jobs[job_id].cancelled_while_queued = self.pra.has_control and before == "queued"

    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        job_id = self._pick(data)
        if job_id is None:
            return
        before = self.pra.status(job_id)["status"]
        response = self.pra.delete(job_id)
        states = self._states(job_id, before) if response.status_code != 204 else {before} | (
            TERMINAL if not self.pra.has_control else set())
        allowed = ({204} if states & TERMINAL else set()) | ({self._code(400, 409)} if states - TERMINAL else set())
        with checking("PRA-DEL-001" if states <= TERMINAL else self._side("PRA-DEL-002")):
            assert response.status_code in allowed, f"delete of a {before} job answered {response.status_code}"
        if response.status_code == 204:
            self.deleted.add(job_id)

    @rule(data=st.data())
    def result(self, data: st.DataObject) -> None:
        job_id = self._pick(data)
        if job_id is None:
            return
        before = self.pra.status(job_id)["status"]
        response = self.pra.get(job_id, "/result")
        allowed = set()
        states = self._states(job_id, before)
        for status in states:
            if status == "succeeded":
                allowed.add(200)
            elif status == "cancelled" and self.docs:
                # get-run-result.mdx:142 names unfinished and failed jobs; a cancelled one's refusal is open.
                allowed |= {400, 404, 409}
            elif status in TERMINAL:
                allowed.add(self._code(400, 200))
            else:
                allowed.add(self._code(400, 409))
        clause = ("PRA-RES-001" if states == {"succeeded"} else self._side("PRA-RES-003") if states <= TERMINAL
                  else self._side("PRA-RES-002"))
        with checking(clause):
            assert response.status_code in allowed, f"result of a {before} job answered {response.status_code}"

    @invariant()
    def every_job_keeps_the_contract(self) -> None:
        for job_id, history in self.jobs.items():
            response = self.pra.get(job_id)
            if job_id in self.deleted:
                assert response.status_code == 404, f"expected deleted {job_id} to stay gone"
                continue
            assert response.status_code == 200, f"expected {job_id} to be there; got {response.status_code}"
            history.observe(response.json())

    @invariant()
    def listing_agrees_with_statuses(self) -> None:
        alive = {j: h.statuses[-1] for j, h in self.jobs.items() if j not in self.deleted and h.statuses}
        body = self.pra.list(session_id=self.session, page_size=100).json()
        assert body["total"] == len(alive), f"expected total {len(alive)} for the session; got {body['total']}"
        listed = {j["job_id"]: j["status"] for j in body["jobs"]}
        assert set(listed) == set(alive), "expected the listing to hold exactly the session's jobs"
        if not self.pra.has_control:
            # Live: time runs between the status reads and the list; a job may only have moved on.
            for job_id, status in listed.items():
                seen = alive[job_id]
                assert ORDER[status] >= ORDER[seen] and (seen not in TERMINAL or status == seen), (
                    f"expected the listing to show {job_id} at {seen} or later; got {status}")
            return
        assert listed == alive, "expected the listing to match the statuses"
        for status in STATUSES:
            filtered = self.pra.list(session_id=self.session, status=status, page_size=100).json()
            assert {j["job_id"] for j in filtered["jobs"]} == {j for j, s in alive.items() if s == status}, (
                f"expected status={status} to list exactly the {status} jobs")


@clause("PRA-STA-014", "PRA-STA-015", "PRA-STA-013", "PRA-STA-009", "PRA-STA-008", "PRA-SUB-006",
        "PRA-CAN-005", "PRA-LST-003", "PRA-LST-004", "PRA-DEL-001")
def test_praisonai_state_machine(pra_hints: PraisonTarget, contract_max_examples: int | None) -> None:
    PraisonMachine.target = pra_hints
    steps = 20 if pra_hints.has_control else 6
    examples = 20 if pra_hints.has_control else 2
    PraisonMachine.TestCase.settings = contract_settings(examples, override=contract_max_examples,
                                                         stateful_step_count=steps, live=pra_hints.live)
    try:
        PraisonMachine.TestCase().runTest()
    finally:
        pra_hints.cleanup()
