"""Executing procs, reading their status, and killing them (execute_proc, show_proc_status, kill_proc).

The tests learn segment ids, their number and message texts from the answers; they only rely on
what the pages say and on the behaviour hints a conformant test target honours.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from contract_tests.kinetica.client import STATUS_VALUES, TERMINAL, KineticaTarget, segments
from contract_tests.violation import checking

clause = pytest.mark.clause

PER_RUN_MAPS = ("proc_names", "params", "bin_params", "input_table_names", "input_column_names",
                "output_table_names", "options", "overall_statuses", "statuses", "messages", "results",
                "bin_results", "output", "timings")
PER_SEGMENT_MAPS = ("messages", "results", "bin_results", "output", "timings")


def check_shape(status: dict[str, Any]) -> None:
    """KIN-SPS-001/012/013: grouping, value sets and the rollup, on any answer."""
    runs = set(status.get("overall_statuses", {}))
    for name in PER_RUN_MAPS:
        if name in status:
            assert set(status[name]) == runs, (
                f"expected {name} to have the same run ids as overall_statuses; got {sorted(status[name])} "
                f"vs {sorted(runs)}")
    for run_id in runs:
        segs = segments(status, run_id)
        for name in PER_SEGMENT_MAPS:
            extra = set(status.get(name, {}).get(run_id, {})) - set(segs)
            assert not extra, f"expected {name}[{run_id}] to name only the run's segments; extra {extra}"
        values = set(segs.values()) | {status["overall_statuses"][run_id]}
        assert values <= STATUS_VALUES, f"expected statuses among {sorted(STATUS_VALUES)}; got {values}"
        check_rollup(status["overall_statuses"][run_id], list(segs.values()), run_id)


def check_rollup(overall: str, segs: list[str], run_id: str) -> None:
    """What show_proc_status.md:101-108 fix about the rollup, and no more: they define each value for
    the instance and warn that segments may differ, so which of error, killed and running shows while
    segments disagree (an error reported while other segments still run, a kill that takes a moment,
    queued segments of a killed run left `none`) is the implementation's choice."""
    where = f"run {run_id}: overall {overall!r} with segments {segs}"
    if not segs:
        return
    if all(s == "complete" for s in segs):
        assert overall == "complete", f"expected overall complete when every segment completed; {where}"
    if overall == "complete":
        assert all(s == "complete" for s in segs), f"expected complete only when all segments are; {where}"
    if overall == "none":
        assert all(s == "none" for s in segs), f"expected 'none' only for an instance that has not run; {where}"
    if "running" in segs:
        assert overall not in ("complete", "none"), f"expected a running segment to keep the run unfinished; {where}"
    if overall == "error":
        assert "error" in segs, f"expected an instance in error to have a segment in error; {where}"
    if overall == "running":
        assert {"running", "none"} & set(segs), f"expected an unfinished segment under 'running'; {where}"
    if all(s in TERMINAL for s in segs) and "error" in segs and "killed" not in segs:
        assert overall == "error", f"expected a run whose segments all ended, one in error, to be error; {where}"


def string_values(value: Any) -> set[str]:
    """Every string inside a JSON value (keys and values), e.g. to find a run_id wherever it is."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set(value) | {s for v in value.values() for s in string_values(v)}
    if isinstance(value, list):
        return {s for v in value for s in string_values(v)}
    return set()


def empty_answer(status: dict[str, Any]) -> bool:
    return all(not status.get(name) for name in PER_RUN_MAPS)


# -- execute --------------------------------------------------------------------------------------
@clause("KIN-EXE-001", "KIN-EXE-009")
def test_execute_answers_at_once_with_a_new_run_id(kin_hints: KineticaTarget) -> None:
    kin = kin_hints
    proc = kin.create_proc()
    first = kin.execute(proc, kin.hinted(units=20))
    second = kin.execute(proc, kin.hinted(units=20))
    assert first != second, f"expected each execution to get its own run_id; got {first!r} twice"
    status = kin.status(first)
    assert set(status["overall_statuses"]) == {first}, f"expected the status of exactly {first}"
    assert status["overall_statuses"][first] in ("running", "none"), (
        f"expected a long run to be unfinished right after execute; got {status['overall_statuses'][first]!r}")
    with checking("KIN-KIL-001"):
        killed = kin.kill(first)
        assert killed == [first], f"expected kill_proc to accept the run_id; got {killed!r}"


@clause("KIN-EXE-002")
def test_executing_an_unknown_proc_is_an_error(kin: KineticaTarget) -> None:
    kin.call("/execute/proc", {"proc_name": kin.unique("nobody"), "params": {}, "bin_params": {},
                               "input_table_names": [], "input_column_names": {}, "output_table_names": [],
                               "options": {}}).expect_error()


@clause("KIN-EXE-003")
def test_nondistributed_proc_ignores_table_parameters(kin: KineticaTarget) -> None:
    proc = kin.create_proc(distributed=False)
    missing = kin.unique("no_such_table")
    with checking("KIN-EXE-003"):  # the execution itself is what this clause is about
        run_id = kin.execute(proc, kin.hinted(units=1) if kin.hints_honoured() else {},
                             input_table_names=[missing], input_column_names={missing: ["c"]},
                             output_table_names=[kin.unique("no_such_output")])
    kin.kill(run_id)


@clause("KIN-EXE-004", "KIN-SPS-008")
def test_params_default_to_empty_maps(kin: KineticaTarget) -> None:
    proc = kin.create_proc()
    data = kin.call("/execute/proc", {"proc_name": proc}).expect_ok()
    run_id = data["run_id"]
    status = kin.status(run_id)
    assert status["params"].get(run_id) == {}, f"expected empty params; got {status['params'].get(run_id)!r}"
    assert status["bin_params"].get(run_id) == {}, f"expected empty bin_params; got {status['bin_params']!r}"
    kin.kill(run_id)


@clause("KIN-EXE-005", "KIN-SPS-005", "KIN-SPS-006", "KIN-KIL-004", "KIN-KIL-005", "KIN-KIL-007")
def test_run_tag_identifies_instances(kin_hints: KineticaTarget) -> None:
    kin = kin_hints
    proc = kin.create_proc()
    tag_a, tag_b = kin.unique("tagA"), kin.unique("tagB")
    a1 = kin.execute(proc, kin.hinted(hang=True), options={"run_tag": tag_a})
    a2 = kin.execute(proc, kin.hinted(hang=True), options={"run_tag": tag_a})
    b1 = kin.execute(proc, kin.hinted(hang=True), options={"run_tag": tag_b})

    tagged = kin.status("", {"run_tag": tag_a})
    check_shape(tagged)
    assert set(tagged["overall_statuses"]) == {a1, a2}, (
        f"expected run_tag to select exactly {{{a1}, {a2}}}; got {sorted(tagged['overall_statuses'])}")
    both = kin.status(a1, {"run_tag": tag_a})
    assert set(both["overall_statuses"]) == {a1}, f"expected run_id + matching tag to return {a1}"
    mismatch = kin.status(a1, {"run_tag": tag_b})
    assert empty_answer(mismatch), f"expected run_id + other tag to return nothing; got {mismatch}"

    with checking("KIN-KIL-004"):
        assert kin.kill(a1, {"run_tag": tag_b}) == [], "expected run_id + other tag to kill nothing"
        assert kin.overall(a1) == "running", "expected the instance to keep running after a mismatched kill"
    with checking("KIN-KIL-005"):
        killed = kin.kill("", {"run_tag": tag_a})
        assert sorted(killed) == sorted([a1, a2]), f"expected the tag to kill exactly {a1}, {a2}; got {killed}"
        assert kin.overall(b1) == "running", "expected the other tag's instance to keep running"
    with checking("KIN-KIL-004"):
        assert kin.kill(b1, {"run_tag": tag_b}) == [b1], "expected run_id + matching tag to kill it"


@clause("KIN-EXE-006")
def test_max_output_lines_keeps_the_last_lines(kin_hints: KineticaTarget) -> None:
    kin = kin_hints
    proc = kin.create_proc()
    full = kin.execute(proc, kin.hinted(stdout_lines=12, stderr_lines=12), options={"max_output_lines": "12"})
    cut = kin.execute(proc, kin.hinted(stdout_lines=12, stderr_lines=12), options={"max_output_lines": "5"})
    s_full, s_cut = kin.wait_finished(full), kin.wait_finished(cut)
    for key in ("stdout", "stderr"):
        all_lines = [seg_out.get(key, []) for _, seg_out in sorted(s_full["output"][full].items())]
        last = [seg_out.get(key, []) for _, seg_out in sorted(s_cut["output"][cut].items())]
        assert all(len(lines) == 12 for lines in all_lines), f"expected 12 {key} lines per segment; got {all_lines}"
        assert all(len(lines) == 5 for lines in last), f"expected max_output_lines=5 to keep 5; got {last}"
        tails = [lines[-5:] for lines in all_lines]
        # Lines may name their run: compare as written, or with each run's id blanked out.
        assert last == tails or [_norm(x, cut) for x in last] == [_norm(x, full) for x in tails], (
            f"expected the last 5 {key} lines to remain; got {last} from {all_lines}")


def _norm(lines: list[str], run_id: str) -> list[str]:
    token = re.compile(rf"(?<![0-9A-Za-z_-]){re.escape(run_id)}(?![0-9A-Za-z_-])")
    return [token.sub("<run>", line) for line in lines]


@clause("KIN-EXE-007")
def test_max_output_lines_defaults_to_100(kin_hints: KineticaTarget) -> None:
    kin = kin_hints
    run_id = kin.execute(kin.create_proc(), kin.hinted(stdout_lines=130))
    status = kin.wait_finished(run_id)
    for seg, out in status["output"][run_id].items():
        assert len(out.get("stdout", [])) == 100, (
            f"expected 100 stdout lines by default (130 written) in segment {seg}; got {len(out.get('stdout', []))}")


@clause("KIN-EXE-008", "KIN-KIL-006")
def test_execute_at_startup_is_reported_by_show_proc_and_cleared_by_kill(kin: KineticaTarget) -> None:
    proc = kin.create_proc()
    data = kin.call("/execute/proc", {"proc_name": proc, "options": {"execute_at_startup": "true"}},
                    complete=True).expect_ok()
    run_id = data["run_id"]
    assert isinstance(run_id, str) and run_id, f"expected a run_id for the auto-start instance; got {data}"
    shown = kin.call("/show/proc", {"proc_name": proc, "options": {}}).expect_ok()
    assert run_id in string_values(shown), f"expected /show/proc to report the auto-start run_id {run_id}; got {shown}"
    kin.status(run_id)  # usable with show_proc_status: answers OK (KIN-EXE-008)
    kin.call("/kill/proc", {"run_id": run_id, "options": {"clear_execute_at_startup": "true"}}).expect_ok()
    after = kin.call("/show/proc", {"proc_name": proc, "options": {}}).expect_ok()
    assert run_id not in string_values(after), f"expected the auto-start instance to be removed; got {after}"


@clause("KIN-EXE-010")
def test_cache_options_are_accepted_and_ignored(kin: KineticaTarget) -> None:
    proc = kin.create_proc()
    with checking("KIN-EXE-010"):
        run_id = kin.execute(proc, options={"cache_input": "true", "use_cached_input": "true"})
        assert run_id in kin.status(run_id)["overall_statuses"]
    kin.kill(run_id)


# -- show_proc_status ----------------------------------------------------------------------------
@clause("KIN-SPS-002")
def test_unknown_run_id_gives_an_empty_answer(kin: KineticaTarget) -> None:
    status = kin.status(kin.unique("no_run"))
    assert empty_answer(status), f"expected an empty answer for an unknown run_id; got {status}"


@clause("KIN-SPS-003", "KIN-SPS-001", "KIN-SPS-007", "KIN-EXE-009")
def test_without_run_id_every_instance_is_returned(kin: KineticaTarget) -> None:
    p1, p2 = kin.create_proc(), kin.create_proc(distributed=False)
    r1, r2 = kin.execute(p1), kin.execute(p2)
    status = kin.status("")
    check_shape(status)
    assert {r1, r2} <= set(status["overall_statuses"]), f"expected {r1} and {r2} among all instances"
    assert status["proc_names"][r1] == p1 and status["proc_names"][r2] == p2, (
        f"expected proc_names to name each run's proc; got {status['proc_names']}")
    kin.kill(r1)
    kin.kill(r2)


@clause("KIN-SPS-004")
def test_clear_complete_returns_a_finished_run_once(kin_hints: KineticaTarget) -> None:
    kin = kin_hints
    proc = kin.create_proc()
    tag = kin.unique("clear")
    quick = kin.execute(proc, kin.hinted(units=1), options={"run_tag": tag})
    hang = kin.execute(proc, kin.hinted(hang=True), options={"run_tag": tag})
    kin.wait_finished(quick)
    first = kin.status("", {"run_tag": tag, "clear_complete": "true"})
    check_shape(first)
    assert quick in first["overall_statuses"], "expected the clearing call itself to return the finished run"
    assert first["overall_statuses"][quick] in TERMINAL
    second = kin.status("", {"run_tag": tag, "clear_complete": "true"})
    assert quick not in second["overall_statuses"], "expected a cleared run not to be returned again"
    assert hang in second["overall_statuses"], "expected a running instance not to be cleared"
    assert empty_answer(kin.status(quick)), "expected a cleared run to be gone for its run_id too"
    kin.kill(hang)
    kin.wait_killed(hang)
    third = kin.status("", {"run_tag": tag, "clear_complete": "true"})
    assert third["overall_statuses"].get(hang) == "killed", "expected the killed run to be returned once"
    assert hang not in kin.status("", {"run_tag": tag})["overall_statuses"], "expected it cleared afterwards"


@clause("KIN-SPS-008", "KIN-SPS-009", "KIN-SPS-010", "KIN-SPS-011", "KIN-SPS-007")
def test_execution_arguments_are_echoed(kin: KineticaTarget) -> None:
    proc = kin.create_proc()
    params = {"alpha": "1", "beta": "two words"}
    if kin.hints_honoured():
        params.update(kin.hinted(units=1))
    bin_params = {"blob": "\u0000\u0001\u00ff"}
    options = {"run_tag": kin.unique("echo"), "max_output_lines": "7"}
    tables: dict[str, Any] = {}
    if kin.has_control:  # a live server needs real tables: only the mock can be given invented ones
        t1, t2 = kin.unique("in1"), kin.unique("in2")
        tables = {"input_table_names": [t1, t2], "input_column_names": {t1: ["c1", "c2"]},
                  "output_table_names": [kin.unique("out1")]}
    run_id = kin.execute(proc, params, options=options, bin_params=bin_params, **tables)
    status = kin.status(run_id)
    check_shape(status)
    assert status["proc_names"][run_id] == proc
    assert status["params"][run_id] == params, f"expected params echoed; got {status['params'][run_id]}"
    assert status["bin_params"][run_id] == bin_params, f"expected bin_params echoed; got {status['bin_params']}"
    echoed = status["options"][run_id]
    assert all(echoed.get(k) == v for k, v in options.items()), f"expected options {options} echoed; got {echoed}"
    if tables:
        t1, t2 = tables["input_table_names"]
        assert status["input_table_names"][run_id] == [t1, t2]
        assert status["output_table_names"][run_id] == tables["output_table_names"]
        columns = status["input_column_names"][run_id]
        assert columns.get(t1) == ["c1", "c2"], f"expected the given columns echoed; got {columns}"
        assert t2 in columns, f"expected input_column_names supplemented for {t2}; got {columns}"
    kin.kill(run_id)


# -- outcomes ------------------------------------------------------------------------------------
@clause("KIN-SPS-015", "KIN-SPS-017", "KIN-SPS-018", "KIN-SPS-019", "KIN-SPS-012", "KIN-SPS-013")
def test_a_successful_run_completes_with_results_and_output(kin_hints: KineticaTarget) -> None:
    kin = kin_hints
    run_id = kin.execute(kin.create_proc(), kin.hinted(units=1, stdout_lines=3, stderr_lines=2,
                                                       result_answer="42"))
    status = kin.wait_finished(run_id)
    check_shape(status)
    assert status["overall_statuses"][run_id] == "complete", f"expected complete; got {status['overall_statuses']}"
    segs = segments(status, run_id)
    assert segs and set(segs.values()) == {"complete"}, f"expected every segment complete; got {segs}"
    for seg in segs:
        assert status["results"][run_id].get(seg, {}).get("answer") == "42", (
            f"expected result 'answer' in segment {seg}; got {status['results'][run_id].get(seg)}")
        out = status["output"][run_id].get(seg, {})
        assert len(out.get("stdout", [])) == 3 and len(out.get("stderr", [])) == 2, (
            f"expected 3 stdout and 2 stderr lines in segment {seg}; got {out}")
        assert all(isinstance(line, str) for line in out["stdout"] + out["stderr"])
        assert isinstance(status["bin_results"][run_id].get(seg, {}), dict)
        timings = status["timings"][run_id].get(seg, {})
        assert all(isinstance(v, int) and not isinstance(v, bool) for v in timings.values()), (
            f"expected integer timings; got {timings}")


@clause("KIN-SPS-015", "KIN-SPS-016", "KIN-SPS-013", "KIN-SPS-014")
def test_a_failing_segment_ends_the_run_in_error_with_its_message(kin_hints: KineticaTarget) -> None:
    kin = kin_hints
    token = kin.unique("boom")
    run_id = kin.execute(kin.create_proc(), kin.hinted(units=1, fail_segments="0", fail_message=token))
    status = kin.wait_finished(run_id)
    check_shape(status)
    assert status["overall_statuses"][run_id] == "error", f"expected error; got {status['overall_statuses']}"
    segs = segments(status, run_id)
    failed = [s for s, v in segs.items() if v == "error"]
    assert len(failed) == 1, f"expected exactly one failed segment (fail_segments=0); got {segs}"
    assert token in status["messages"][run_id].get(failed[0], ""), (
        f"expected the failing segment's message to carry {token!r}; got {status['messages'][run_id]}")
    kin.pass_time(5 * kin.unit)
    later = kin.status(run_id)
    for name in ("statuses", "messages", "results", "output"):
        assert later[name][run_id] == status[name][run_id], f"expected a finished run's {name} to stay as it was"


@clause("KIN-SPS-014", "KIN-SPS-013", "KIN-SPS-012")
def test_statuses_only_move_forward(kin_hints: KineticaTarget) -> None:
    kin = kin_hints
    proc = kin.create_proc()
    runs = [kin.execute(proc, kin.hinted(units=u, stdout_lines=2)) for u in (1, 2, 3)]
    rank = {"none": 0, "running": 1, "complete": 2, "error": 2, "killed": 2}
    seen: dict[tuple[str, str], str] = {}
    finished_snapshots: dict[tuple[str, str], Any] = {}

    def observe() -> dict[str, Any]:
        status = kin.status("")
        check_shape(status)
        for run_id in runs:
            for seg, state in segments(status, run_id).items():
                before = seen.get((run_id, seg))
                if before is not None:
                    assert rank[state] >= rank[before], f"expected {run_id}/{seg} not to go from {before} to {state}"
                    if before in TERMINAL:
                        assert state == before, f"expected finished {run_id}/{seg} to stay {before}; got {state}"
                seen[(run_id, seg)] = state
                snapshot = [status[m][run_id].get(seg) for m in ("messages", "results", "output")]
                if state in TERMINAL:
                    finished_snapshots.setdefault((run_id, seg), snapshot)
                    assert finished_snapshots[(run_id, seg)] == snapshot, (
                        f"expected finished {run_id}/{seg} to keep its messages, results and output")
        return status

    kin.wait_for(observe, lambda s: all(s["overall_statuses"].get(r) in TERMINAL for r in runs),
                 what="three runs to finish", step=kin.unit / 4)


# -- kill ----------------------------------------------------------------------------------------
@clause("KIN-KIL-001", "KIN-KIL-007", "KIN-SPS-020")
def test_kill_by_run_id_stops_the_instance_for_good(kin_hints: KineticaTarget) -> None:
    kin = kin_hints
    proc = kin.create_proc()
    victim = kin.execute(proc, kin.hinted(hang=True))
    bystander = kin.execute(proc, kin.hinted(hang=True))
    with checking("KIN-KIL-001"):
        assert kin.kill(victim) == [victim], "expected run_ids to name exactly the killed instance"
    kin.wait_killed(victim)
    status = kin.status(victim)
    check_shape(status)
    assert "running" not in segments(status, victim).values()
    assert kin.overall(bystander) == "running", "expected another instance to keep running"
    kin.pass_time(5 * kin.unit)
    assert kin.overall(victim) == "killed", "expected a killed instance never to complete afterwards"
    kin.kill(bystander)


@clause("KIN-KIL-002")
def test_killing_a_finished_or_unknown_run_kills_nothing(kin_hints: KineticaTarget) -> None:
    kin = kin_hints
    run_id = kin.execute(kin.create_proc(), kin.hinted(units=1))
    before = kin.wait_finished(run_id)
    with checking("KIN-KIL-002"):
        assert kin.kill(run_id) == [], "expected killing a finished run to kill nothing"
    after = kin.status(run_id)
    assert after["overall_statuses"] == before["overall_statuses"]
    assert after["statuses"] == before["statuses"], "expected a finished run to be untouched by kill"
    assert kin.kill(kin.unique("no_run")) == [], "expected killing an unknown run_id to kill nothing"


@clause("KIN-KIL-003", "KIN-KIL-007")
def test_kill_without_run_id_kills_every_running_instance(kin_hints: KineticaTarget) -> None:
    kin = kin_hints
    kin.require_control("killing every running instance is destructive on a shared live server")
    proc = kin.create_proc()
    finished = kin.execute(proc, kin.hinted(units=1))
    kin.wait_finished(finished)
    running = {kin.execute(proc, kin.hinted(hang=True)) for _ in range(3)}
    before = kin.status(finished)
    killed = kin.kill("")
    assert sorted(killed) == sorted(running), f"expected exactly the running instances killed; got {killed}"
    assert kin.status(finished)["statuses"] == before["statuses"], "expected the finished run untouched"
    kin.wait_killed(*running)
