"""A Hypothesis state machine over procs and runs, checking the invariants after every step.

Rules create procs, execute runs that succeed, fail or hang (with tags, output and output limits),
let time pass, kill by id, by tag or all, clear finished runs and delete procs. After every step the
statuses of all our runs are read once and checked against what was seen before; at the end the
whole recorded history of every run and segment is replayed against the lifecycle rules
(contract_tests.history).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from contract_tests.history import GONE, KINETICA_JOB, KINETICA_RUN, KINETICA_SEGMENT, Log
from contract_tests.hypo import contract_settings
from contract_tests.kinetica.client import TERMINAL, KineticaTarget, segments
from contract_tests.kinetica.test_jobs import check_job, create_job
from contract_tests.kinetica.test_runs import check_shape, empty_answer

clause = pytest.mark.clause
RANK = {"none": 0, "running": 1, "complete": 2, "error": 2, "killed": 2}


@dataclass
class RunModel:
    run_id: str
    proc: str
    tag: str
    params: dict[str, str]
    options: dict[str, str]
    max_lines: int
    cleared: bool = False
    orphaned: bool = False  # its proc was deleted: the contract says nothing more about it
    killed: bool = False
    killed_segments: set[str] = field(default_factory=set)  # unfinished when killed: never complete
    segments: dict[str, str] = field(default_factory=dict)
    finished: dict[str, Any] = field(default_factory=dict)  # segment -> frozen snapshot


class KineticaMachine(RuleBasedStateMachine):
    target: KineticaTarget  # set by the test before running

    procs = Bundle("procs")

    def __init__(self) -> None:
        super().__init__()
        self.kin = type(self).target
        self.kin.prepare_test()
        self.tags = [self.kin.unique("tagA"), self.kin.unique("tagB")]
        self.runs: dict[str, RunModel] = {}
        self.deleted: set[str] = set()
        self.run_log = Log(KINETICA_RUN)
        self.segment_log = Log(KINETICA_SEGMENT)
        self.job_log = Log(KINETICA_JOB)
        self.jobs: list[int] = []

    def teardown(self) -> None:
        self.run_log.check()
        self.segment_log.check()
        self.job_log.check()

    # -- rules ----------------------------------------------------------------------------------
    @initialize(target=procs)
    def first_proc(self) -> str:
        return self.kin.create_proc()

    @rule(target=procs, distributed=st.booleans())
    def create_proc(self, distributed: bool) -> str:
        return self.kin.create_proc(distributed=distributed)

    @rule(
        proc=procs,
        kind=st.sampled_from(["ok", "fail", "hang"]),
        units=st.integers(0, 3),  # 0: a run that ends the instant it starts
        tag=st.sampled_from([0, 1, None]),
        lines=st.integers(0, 6),
        max_lines=st.integers(1, 4),
    )
    def execute(self, proc: str, kind: str, units: int, tag: int | None, lines: int, max_lines: int) -> None:
        hints: dict[str, Any] = {"units": units, "stdout_lines": lines}
        if kind == "fail":
            hints.update(fail_segments="all", fail_message="machine failure")
        if kind == "hang":
            hints["hang"] = True
        params = self.kin.hinted(**hints)
        options = {"max_output_lines": str(max_lines)}
        tag_value = self.tags[tag] if tag is not None else ""
        if tag_value:
            options["run_tag"] = tag_value
        answer = self.kin.call(
            "/execute/proc", {"proc_name": proc, "params": params, "options": options}, complete=True
        )
        if proc in self.deleted:
            answer.expect_error()  # KIN-PRC-004 / KIN-EXE-002
            return
        run_id = answer.expect_ok()["run_id"]
        assert run_id not in self.runs, f"expected a new run_id; {run_id} was given before"
        self.runs[run_id] = RunModel(run_id, proc, tag_value, params, options, max_lines)

    # Jumps land exactly on run ends (durations are whole units), between them, or far past them.
    @rule(proc=procs)
    def create_job(self, proc: str) -> None:
        """An asynchronous job alongside the runs: its id must stay answerable, its status only move on."""
        job_id = create_job(self.kin, "/has/proc", {"proc_name": proc, "options": {}})["job_id"]
        assert job_id not in self.jobs, f"expected a new job_id; {job_id} was given before"
        self.jobs.append(job_id)

    @invariant()
    def jobs_keep_the_contract(self) -> None:
        self.job_log.next_step()
        for job_id in self.jobs:
            answer = self.kin.call("/get/job", {"job_id": job_id, "options": {}})
            if answer.is_error:
                self.job_log.gone(str(job_id), "/get/job")
                continue
            job = answer.expect_ok()
            check_job(job)
            self.job_log.saw(str(job_id), job["job_status"], "/get/job")

    @rule(units=st.sampled_from([0.25, 0.5, 1, 2, 4, 0.0001, 360]))
    def pass_time(self, units: float) -> None:
        self.kin.pass_time(units * self.kin.unit)

    def _unfinished(self, status: dict[str, Any], tag: str = "") -> set[str]:
        return {
            r
            for r, m in self.runs.items()
            if not m.cleared
            and not m.orphaned
            and (not tag or m.tag == tag)
            and status["overall_statuses"].get(r) not in TERMINAL
        }

    @rule(data=st.data())
    def kill_one(self, data: st.DataObject) -> None:
        # Execution order, not id order: ids differ from one example to the next (never reused).
        live = [r for r, m in self.runs.items() if not m.cleared and not m.orphaned]
        if not live:
            return
        run_id = data.draw(st.sampled_from(live))
        before = self.kin.status("")
        expected = [run_id] if run_id in self._unfinished(before) else []
        killed = self.kin.kill(run_id)
        self._check_killed(set(killed), set(expected), len(killed), f"kill({run_id})")
        self._mark_killed(killed, before)

    @rule(tag=st.sampled_from([0, 1]))
    def kill_tag(self, tag: int) -> None:
        before = self.kin.status("")
        expected = self._unfinished(before, self.tags[tag])
        killed = self.kin.kill("", {"run_tag": self.tags[tag]})
        self._check_killed(set(killed), expected, len(killed), f"kill(run_tag={self.tags[tag]})")
        self._mark_killed(killed, before)

    @rule()
    def kill_all(self) -> None:
        if not self.kin.has_control:
            return  # destructive on a shared live server
        before = self.kin.status("")
        expected = {r for r, s in before["overall_statuses"].items() if s not in TERMINAL}
        killed = self.kin.kill("")
        assert set(killed) == expected, f"expected kill-all to return the running {sorted(expected)}; got {killed}"
        self._mark_killed(expected & set(self.runs), before)

    def _check_killed(self, killed: set[str], expected: set[str], count: int, what: str) -> None:
        assert count == len(killed), f"expected {what} to name each run once"
        if self.kin.has_control:  # the clock stood still between the look and the kill
            assert killed == expected, f"expected {what} to kill exactly {sorted(expected)}; got {sorted(killed)}"
            return
        # Live: a run may finish between the look and the kill; then it is not killed, and finished.
        assert killed <= expected, f"expected {what} to kill only running runs {sorted(expected)}; got {sorted(killed)}"
        now = self.kin.status("")["overall_statuses"]
        late = {r for r in expected - killed if now.get(r) not in TERMINAL}
        assert not late, f"expected {what} to kill {sorted(late)}, still unfinished"

    def _mark_killed(self, run_ids: Any, before: dict[str, Any]) -> None:
        exact = self.kin.has_control  # live: a segment may have finished between the look and the kill
        for r in run_ids:
            if r not in self.runs:
                continue
            self.runs[r].killed = True
            if exact:
                self.runs[r].killed_segments = {s for s, v in segments(before, r).items() if v not in TERMINAL}

    @rule(tag=st.sampled_from([0, 1]))
    def clear_complete(self, tag: int) -> None:
        before = self.kin.status("", {"run_tag": self.tags[tag]})
        finished = {r for r, s in before["overall_statuses"].items() if s in TERMINAL}
        answer = self.kin.status("", {"run_tag": self.tags[tag], "clear_complete": "true"})
        returned = {r for r, s in answer["overall_statuses"].items() if s in TERMINAL}
        if not self.kin.has_control:  # live: runs may finish between the look and the clearing call
            assert finished <= returned, f"expected clear_complete to return the finished {sorted(finished)}"
            finished = returned & (finished | set(before["overall_statuses"]))
        assert returned == finished, (
            f"expected clear_complete to return the finished {sorted(finished)}; got {returned}"
        )
        for r in returned & set(self.runs):
            self.runs[r].cleared = True
            self.run_log.saw(r, answer["overall_statuses"][r], "/show/proc/status clear_complete")
            self.run_log.removed(r, "/show/proc/status clear_complete")

    @rule(tag=st.sampled_from([0, 1]))
    def filter_by_tag(self, tag: int) -> None:
        answer = self.kin.status("", {"run_tag": self.tags[tag]})
        expected = {r for r, m in self.runs.items() if m.tag == self.tags[tag] and not m.cleared and not m.orphaned}
        got = set(answer["overall_statuses"]) - {r for r, m in self.runs.items() if m.orphaned}
        assert got == expected, f"expected run_tag to return exactly {sorted(expected)}; got {sorted(got)}"

    @rule()
    def unknown_run(self) -> None:
        assert empty_answer(self.kin.status(self.kin.unique("ghost"))), "expected an empty answer"

    @rule(proc=procs)
    def delete_proc(self, proc: str) -> None:
        if proc in self.deleted:
            return
        self.kin.call("/delete/proc", {"proc_name": proc, "options": {}}).expect_ok()
        self.deleted.add(proc)
        has = self.kin.call("/has/proc", {"proc_name": proc, "options": {}}).expect_ok()
        assert has["proc_exists"] is False, "expected a deleted proc to be gone"
        for m in self.runs.values():
            if m.proc == proc:
                m.orphaned = True

    # -- invariants -----------------------------------------------------------------------------
    @invariant()
    def statuses_keep_the_contract(self) -> None:
        status = self.kin.status("")
        check_shape(status)
        present = set(status["overall_statuses"])
        self.run_log.next_step()
        self.segment_log.next_step()
        for run_id, m in self.runs.items():
            if not m.orphaned:
                self.run_log.saw(run_id, status["overall_statuses"].get(run_id, GONE), "/show/proc/status")
                for seg, state in segments(status, run_id).items():
                    self.segment_log.saw(f"{run_id}/{seg}", state, "/show/proc/status")
            if m.cleared:
                assert run_id not in present, f"expected cleared run {run_id} never to come back"
                continue
            if m.orphaned:
                continue
            assert run_id in present, f"expected run {run_id} to be reported until cleared"
            assert status["proc_names"][run_id] == m.proc
            assert status["params"][run_id] == m.params, f"expected params echoed for {run_id}"
            echoed = status["options"][run_id]
            assert all(echoed.get(k) == v for k, v in m.options.items()), f"expected options echoed: {echoed}"
            overall = status["overall_statuses"][run_id]
            if m.killed:
                assert overall in ("killed", "error"), f"expected killed run {run_id} to stay killed; got {overall}"
            for seg, state in segments(status, run_id).items():
                before = m.segments.get(seg)
                if before is not None:
                    assert RANK[state] >= RANK[before], f"{run_id}/{seg} went back from {before} to {state}"
                m.segments[seg] = state
                out = status["output"][run_id].get(seg, {})
                for stream in ("stdout", "stderr"):
                    assert len(out.get(stream, [])) <= m.max_lines, (
                        f"expected at most {m.max_lines} {stream} lines in {run_id}/{seg}; got {len(out[stream])}"
                    )
                snapshot = (state, status["messages"][run_id].get(seg), status["results"][run_id].get(seg), out)
                if state in TERMINAL:
                    frozen = m.finished.setdefault(seg, snapshot)
                    assert frozen == snapshot, (
                        f"expected finished {run_id}/{seg} never to change: {frozen} -> {snapshot}"
                    )
                if seg in m.killed_segments:
                    assert state == "killed", (
                        f"expected {run_id}/{seg}, unfinished when killed, to be killed; got {state}"
                    )


@clause(
    "KIN-SPS-014",
    "KIN-SPS-013",
    "KIN-SPS-004",
    "KIN-SPS-006",
    "KIN-SPS-008",
    "KIN-SPS-011",
    "KIN-SPS-020",
    "KIN-KIL-001",
    "KIN-KIL-003",
    "KIN-KIL-005",
    "KIN-KIL-007",
    "KIN-EXE-006",
    "KIN-SPS-002",
    "KIN-PRC-004",
    "KIN-SPS-021",
    "KIN-JOB-002",
    "KIN-JOB-003",
)
def test_kinetica_state_machine(kin_hints: KineticaTarget, contract_max_examples: int | None) -> None:
    KineticaMachine.target = kin_hints
    steps = 20 if kin_hints.has_control else 6
    examples = 20 if kin_hints.has_control else 2
    KineticaMachine.TestCase.settings = contract_settings(
        examples, override=contract_max_examples, stateful_step_count=steps, live=kin_hints.live
    )
    try:
        KineticaMachine.TestCase().runTest()
    finally:
        kin_hints.cleanup()
