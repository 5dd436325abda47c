"""A Hypothesis state machine over PraisonAI runs, checking the invariants after every step.

What real use does: a concurrency limit and a queue (set through the scenario when the target has
the mock's control plane), runs that succeed, fail, hang or time out, with zero steps or zero-length
steps, several at once, some with an idempotency key used twice; clock jumps from a microsecond to
an hour, and jumps to the exact instant a run ends; cancels, deletes and result reads at any moment.
After every step each of our runs is read and checked against its history (fields present per state
and profile), and the session-scoped listing must agree with the statuses. At the end the whole
recorded history, from every endpoint, is replayed against the lifecycle rules (contract_tests.history).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from contract_tests.history import PRAISONAI_RUN, Log
from contract_tests.hypo import contract_settings
from contract_tests.praisonai.checks import ORDER, History, check_impl_fields
from contract_tests.praisonai.client import STATUSES, TERMINAL, PraisonTarget
from contract_tests.violation import advise, checking

clause = pytest.mark.clause
# Virtual seconds one machine run may move the clock: 4.7.19 drops finished jobs after 24 h
# (executor.py:144), so the "still answerable" rule is only asked of less than that.
VIRTUAL_BUDGET = 20 * 3600.0


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
        self.log = Log(PRAISONAI_RUN)
        self.queue_limit: int | None = None  # the admission limit this run set (impl only), if any
        self.moved = 0.0
        self.timing_out: set[str] = set()  # hangs with a timeout: they can only end by it or a cancel

    def teardown(self) -> None:
        self.log.check()

    def _saw(self, job_id: str, body: Any, source: str) -> None:
        if isinstance(body, dict) and isinstance(body.get("status"), str):
            self.log.saw(job_id, body["status"], source)

    def _code(self, docs: int, impl: int) -> int:
        return docs if self.docs else impl

    def _side(self, stem: str) -> str:
        """This profile's side of a point where the pages and 4.7.19 disagree (PRA-CAN-002 -> ...D/I)."""
        return stem + ("D" if self.docs else "I")

    def _by_state(self, states: set[str], succeeded: str, finished: str, unfinished: str) -> list[str]:
        """The clauses an answer is about, by the states the job may have been in."""
        return sorted({succeeded if s == "succeeded" else finished if s in TERMINAL else unfinished
                       for s in states})

    @initialize(concurrent=st.sampled_from([1, None, 1, 2, 3]), queued=st.sampled_from([None, 4, 2]),
                first=st.lists(st.sampled_from(["hang", "ok", "fail"]), min_size=1, max_size=3),
                steps=st.integers(0, 2), timeout_units=st.sampled_from([1, None]))
    def start(self, concurrent: int | None, queued: int | None, first: list[str], steps: int,
              timeout_units: int | None) -> None:
        """The limits first (a scenario change must not meet runs already scheduled), then a few runs."""
        self._limits(concurrent, queued)
        for kind in first:
            self._submit(kind, steps, 1.0, timeout_units, False)

    def _limits(self, concurrent: int | None, queued: int | None) -> None:
        """A concurrency limit (runs wait their turn) and, for `impl`, a small admission queue."""
        if concurrent is None or not self.pra.has_control:
            return
        scenario = dict(self.pra.control("GET", "/scenario").get("scenario") or {})
        section = dict(scenario.get("praisonai") or {})
        # The pages document no admission limit (a full queue's 503 is 4.7.19's): docs never fill it.
        self.queue_limit = queued if queued is not None and not self.docs else None
        section.update(max_concurrent=concurrent, max_queued=self.queue_limit or 1000)
        scenario["praisonai"] = section
        self.pra.control("PUT", "/scenario", scenario)

    def _unfinished(self) -> int:
        # A job not read since its submit is unfinished: a new job starts so (PRA-SUB-006).
        return sum(1 for j, h in self.jobs.items() if j not in self.deleted
                   and (not h.statuses or h.statuses[-1] not in TERMINAL))

    def _submit(self, kind: str, steps: int, step_units: float, timeout_units: int | None, keyed: bool) -> None:
        extra: dict[str, Any] = {"mock_fail": "machine failure"} if kind == "fail" else {}
        if kind == "hang":
            extra["mock_hang"] = True
        key = self.pra.unique("key") if keyed else None
        fields: dict[str, Any] = {}
        if timeout_units is not None:
            fields["timeout"] = max(1, round(timeout_units * self.pra.unit))
        full = self.queue_limit is not None and self._unfinished() >= self.queue_limit
        response = self.pra.submit(config=self.pra.hints(steps=steps, step_units=step_units, **extra),
                                   session_id=self.session, headers={"Idempotency-Key": key} if key else None,
                                   **fields)
        if full:  # only reached with the mock's control plane, clock standing still
            with checking("PRA-SUB-011I"):
                assert response.status_code == 503 and response.headers.get("retry-after"), (
                    f"expected 503 with Retry-After once {self.queue_limit} runs are unfinished; "
                    f"got {response.status_code}")
            return
        assert response.status_code == 202, f"expected 202; got {response.status_code} {response.text}"
        job_id = response.json()["job_id"]
        assert job_id not in self.jobs, f"expected a new job id; got {job_id} again"
        self.jobs[job_id] = History(job_id, self.pra.profile)
        self._saw(job_id, response.json(), "POST /api/v1/runs")
        if kind == "hang" and timeout_units is not None:
            self.timing_out.add(job_id)
        if key:
            self.keys[key] = job_id

    @rule(kind=st.sampled_from(["ok", "fail", "hang"]), steps=st.integers(0, 3),
          step_units=st.sampled_from([1.0, 0.5, 0.0]), timeout_units=st.sampled_from([1, None, 3]),
          keyed=st.booleans())
    def submit(self, kind: str, steps: int, step_units: float, timeout_units: int | None, keyed: bool) -> None:
        self._submit(kind, steps, step_units, timeout_units, keyed)

    @rule(kinds=st.lists(st.sampled_from(["hang", "ok", "fail"]), min_size=2, max_size=5),
          steps=st.integers(0, 2))
    def submit_many(self, kinds: list[str], steps: int) -> None:
        """Several runs in the same instant: they compete for the slots in submission order."""
        for kind in kinds:
            self._submit(kind, steps, 1.0, None, False)

    @rule(data=st.data())
    def resubmit_key(self, data: st.DataObject) -> None:
        live_keys = [k for k, j in self.keys.items() if j not in self.deleted]
        if not live_keys:
            return
        key = data.draw(st.sampled_from(live_keys))
        response = self.pra.submit(config=self.pra.hints(), session_id=self.session,
                                   headers={"Idempotency-Key": key})
        with checking(self._side("PRA-SUB-007")):
            assert response.status_code == self._code(409, 202), f"repeated key answered {response.status_code}"
            assert response.json()["job_id"] == self.keys[key], "expected the repeated key to return the same job"

    @rule(units=st.sampled_from([0.5, 1, 2, 5, 0.0001, 0.05, 360.0]))
    def let_time_pass(self, units: float) -> None:
        self.pass_time(units)  # time passing is most of real use: two rules give it twice the weight

    @rule(units=st.sampled_from([1, 0.5, 2, 5, 0.0001, 360.0]))
    def pass_time(self, units: float) -> None:
        seconds = min(units * self.pra.unit, VIRTUAL_BUDGET - self.moved)
        self.moved += max(seconds, 0.0)
        self.pra.pass_time(seconds)

    @rule(data=st.data(), early=st.sampled_from([0.0, 0.0, 0.001]))
    def jump_to_an_end(self, data: st.DataObject, early: float) -> None:
        """Move the mock's clock to the exact instant one of our running runs ends (or just before):
        the moment where a cancel races the end."""
        if not self.pra.has_control:
            return
        ends = sorted(end for end in (_planned_end(r) for r in _mock_runs(self.pra.control("GET", "/state"))
                                      if r.get("job_id") in self.jobs) if end is not None)
        now = float(self.pra.control("GET", "/clock")["now"])
        ends = [e - early for e in ends if e - early > now and e - now + self.moved < VIRTUAL_BUDGET]
        if not ends:
            return
        end = data.draw(st.sampled_from(ends))
        self.moved += end - now
        self.pra.control("POST", "/clock/set", {"now": end})

    def _pick(self, data: st.DataObject) -> str | None:
        # Submission order, not id order: ids differ from one example to the next (never reused).
        alive = [j for j in self.jobs if j not in self.deleted]
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
        if job_id is not None:
            self._cancel(job_id)

    @rule(data=st.data(), wait=st.sampled_from([0.0, 0.5]))
    def cancel_several(self, data: st.DataObject, wait: float) -> None:
        """Cancel a few unfinished runs one after another in the same instant, in any order: a queued
        one, then the run whose slot it waits for, is where a scheduler can go wrong."""
        unfinished = [j for j, h in self.jobs.items() if j not in self.deleted
                      and (not h.statuses or h.statuses[-1] not in TERMINAL)]
        if not unfinished:
            return
        self.pass_time(wait)
        for job_id in data.draw(st.lists(st.sampled_from(unfinished), unique=True, min_size=1, max_size=3)):
            self._cancel(job_id)

    def _cancel(self, job_id: str) -> None:
        before = self.pra.status(job_id)["status"]
        response = self.pra.cancel(job_id)
        states = self._states(job_id, before)
        allowed = ({self._code(400, 409)} if states & TERMINAL else set()) | ({200} if states - TERMINAL else set())
        refused = self._side("PRA-CAN-002")
        about = self._by_state(states, refused, refused, self._side("PRA-CAN-001"))
        with checking(*about):
            assert response.status_code in allowed, f"cancel of a {before} job answered {response.status_code}"
            if response.status_code == 200:
                assert response.json()["status"] == "cancelled"
        if response.status_code == 200:
            self._saw(job_id, response.json(), f"POST /api/v1/runs/{job_id}/cancel")
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
        with checking(*self._by_state(states, "PRA-DEL-001", "PRA-DEL-001", self._side("PRA-DEL-002"))):
            assert response.status_code in allowed, f"delete of a {before} job answered {response.status_code}"
        if response.status_code == 204:
            self.deleted.add(job_id)
            self.log.removed(job_id, f"DELETE /api/v1/runs/{job_id}")

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
        with checking(*self._by_state(states, "PRA-RES-001", self._side("PRA-RES-003"), self._side("PRA-RES-002"))):
            assert response.status_code in allowed, f"result of a {before} job answered {response.status_code}"
        if response.status_code == 200:
            self._saw(job_id, response.json(), f"GET /api/v1/runs/{job_id}/result")

    @invariant()
    def every_job_keeps_the_contract(self) -> None:
        self.log.next_step()
        for job_id, history in self.jobs.items():
            response = self.pra.get(job_id)
            if job_id in self.deleted:
                assert response.status_code == 404, f"expected deleted {job_id} to stay gone"
                continue
            if response.status_code == 404:
                self.log.gone(job_id, f"GET /api/v1/runs/{job_id}")
            assert response.status_code == 200, f"expected {job_id} to be there; got {response.status_code}"
            body = response.json()
            self._saw(job_id, body, f"GET /api/v1/runs/{job_id}")
            history.observe(body)
            if job_id in self.timing_out and body["status"] in ("succeeded", "failed"):
                says_so = body["status"] == "failed" and "time" in str(body.get("error")).lower()
                message = f"expected a hanging run to end by its timeout, failed, saying so; got {body}"
                if self.docs:  # the pages give neither the end state nor the wording: an advisory
                    advise("PRA-SUB-009D", says_so, message)
                else:
                    with checking("PRA-SUB-009"):
                        assert says_so, message
            if not self.docs:
                with checking("PRA-STA-016I"):
                    check_impl_fields(body)

    @invariant()
    def listing_agrees_with_statuses(self) -> None:
        alive = {j: h.statuses[-1] for j, h in self.jobs.items() if j not in self.deleted and h.statuses}
        body = self.pra.list(session_id=self.session, page_size=100).json()
        assert body["total"] == len(alive), f"expected total {len(alive)} for the session; got {body['total']}"
        listed = {j["job_id"]: j["status"] for j in body["jobs"]}
        for job_id, status in listed.items():
            self.log.saw(job_id, status, "GET /api/v1/runs")
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


def _mock_runs(state: Any) -> list[dict[str, Any]]:
    section = state.get("praisonai") if isinstance(state, dict) else None
    runs = section.get("runs") if isinstance(section, dict) else None
    return [r for r in runs if isinstance(r, dict)] if isinstance(runs, list) else []


def _planned_end(run: dict[str, Any]) -> float | None:
    """When a running run of the mock ends on its own or by timeout (None: not running, or never)."""
    plan, start = run.get("plan") or {}, run.get("started_at")
    if run.get("status") != "running" or not isinstance(start, int | float):
        return None
    ends = [start + plan["timeout"]] if isinstance(plan.get("timeout"), int | float) else []
    steps, step_seconds = plan.get("steps"), plan.get("step_seconds")
    if not plan.get("hang") and isinstance(steps, int) and isinstance(step_seconds, int | float):
        ends.append(start + steps * step_seconds)
    return min(ends) if ends else None


# The clauses both profiles share; each test below adds its profile's side of a disagreement (a
# test naming a clause of the other profile is left out of the run, so the machine has two faces).
SHARED = ("PRA-STA-014", "PRA-STA-015", "PRA-STA-013", "PRA-STA-009", "PRA-STA-008", "PRA-SUB-006",
          "PRA-CAN-005", "PRA-LST-003", "PRA-LST-004", "PRA-DEL-001", "PRA-STA-017", "PRA-CAN-004",
          "PRA-STA-010")


def run_machine(target: PraisonTarget, max_examples: int | None) -> None:
    PraisonMachine.target = target
    steps = 20 if target.has_control else 6
    examples = 20 if target.has_control else 2
    PraisonMachine.TestCase.settings = contract_settings(examples, override=max_examples,
                                                         stateful_step_count=steps, live=target.live)
    try:
        PraisonMachine.TestCase().runTest()
    finally:
        target.cleanup()


@clause(*SHARED, "PRA-CAN-002I", "PRA-DEL-002I", "PRA-RES-002I", "PRA-RES-003I", "PRA-STA-016I", "PRA-SUB-011I",
        "PRA-SUB-009")
def test_praisonai_state_machine(pra_hints: PraisonTarget, contract_max_examples: int | None) -> None:
    run_machine(pra_hints, contract_max_examples)


@clause(*SHARED, "PRA-CAN-002D", "PRA-DEL-002D", "PRA-RES-002D", "PRA-SUB-009D")
def test_praisonai_state_machine_docs(pra_hints: PraisonTarget, contract_max_examples: int | None) -> None:
    run_machine(pra_hints, contract_max_examples)
