"""The Kinetica model: lifecycle computed from plan + events + the (virtual) clock."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockserver.clock import Clock
from mockserver.kinetica.models import (
    COMPLETE,
    ERROR,
    KILLED,
    NONE,
    RUNNING,
    KineticaError,
    KineticaModel,
    Run,
    Segment,
)
from mockserver.kinetica.requests import ShowProcStatus
from mockserver.scenario import ScenarioStore
from tests.kinetica.conftest import T0, api, create_proc_req, execute_req, kill_req, status_req


def run(model: KineticaModel, name: str = "p", params: dict[str, str] | None = None, **kw: Any) -> str:
    return api(model).execute_proc(execute_req(name, params, **kw))["run_id"]


def status(model: KineticaModel, run_id: str = "", **options: str) -> dict[str, Any]:
    return api(model).show_proc_status(status_req(run_id, **options))


def statuses(model: KineticaModel, run_id: str) -> dict[str, str]:
    return status(model, run_id)["statuses"][run_id]


def overall(model: KineticaModel, run_id: str) -> str:
    return status(model, run_id)["overall_statuses"][run_id]


# -- procs ----------------------------------------------------------------------------------------
def test_create_show_has_delete_proc(model: KineticaModel) -> None:
    assert api(model).create_proc(create_proc_req("a"))["proc_name"] == "a"
    api(model).create_proc(create_proc_req("b", "nondistributed"))
    assert api(model).has_proc({"proc_name": "a", "options": {}})["proc_exists"] is True
    assert api(model).has_proc({"proc_name": "zz", "options": {}})["proc_exists"] is False

    shown = api(model).show_proc({"proc_name": "", "options": {}})
    assert shown["proc_names"] == ["a", "b"]
    assert shown["execution_modes"] == ["distributed", "nondistributed"]
    assert shown["files"] == [{}, {}]  # files only with include_files
    assert shown["commands"] == ["python", "python"] and shown["args"] == [["p.py"], ["p.py"]]
    one = api(model).show_proc({"proc_name": "b", "options": {"include_files": "true"}})
    assert one["proc_names"] == ["b"] and one["files"] == [{"p.py": b"print(1)\n"}]

    api(model).delete_proc({"proc_name": "a", "options": {}})
    assert api(model).has_proc({"proc_name": "a", "options": {}})["proc_exists"] is False


@pytest.mark.parametrize(("request_", "message"), [
    (create_proc_req(""), "must not be empty"),
    (create_proc_req("x", "sideways"), "execution_mode"),
    (create_proc_req("x", max_concurrency_per_node="many"), "max_concurrency_per_node"),
    (create_proc_req("x", max_concurrency_per_node="-1"), "at least 0"),
])
def test_create_proc_rejects_bad_input_without_change(model: KineticaModel, request_: dict[str, Any],
                                                      message: str) -> None:
    before = model.snapshot()
    with pytest.raises(KineticaError, match=message):
        api(model).create_proc(request_)
    assert model.snapshot() == before


def test_duplicate_proc_is_an_error(model: KineticaModel) -> None:
    api(model).create_proc(create_proc_req("a"))
    with pytest.raises(KineticaError, match="already exists"):
        api(model).create_proc(create_proc_req("a", "nondistributed"))
    assert api(model).show_proc({"proc_name": "a", "options": {}})["execution_modes"] == ["distributed"]


@pytest.mark.parametrize("method", ["show_proc", "delete_proc"])
def test_unknown_proc_names_are_errors(model: KineticaModel, method: str) -> None:
    with pytest.raises(KineticaError, match="does not exist"):
        getattr(api(model), method)({"proc_name": "ghost", "options": {}})


def test_show_proc_rejects_bad_boolean_option(model: KineticaModel) -> None:
    api(model).create_proc(create_proc_req("a"))
    with pytest.raises(KineticaError, match="include_files"):
        api(model).show_proc({"proc_name": "a", "options": {"include_files": "yes"}})


def test_delete_proc_kills_its_running_runs_only(model: KineticaModel, clock: Clock) -> None:
    api(model).create_proc(create_proc_req("a"))
    api(model).create_proc(create_proc_req("b"))
    done = run(model, "a", {"duration_ms": "100"})
    clock.advance(1)
    hanging = run(model, "a", {"hang": "true"})
    other = run(model, "b", {"hang": "true"})
    api(model).delete_proc({"proc_name": "a", "options": {}})
    assert overall(model, done) == COMPLETE
    assert overall(model, hanging) == KILLED
    assert overall(model, other) == RUNNING


# -- execution and status -------------------------------------------------------------------------
def test_execute_unknown_proc_is_an_error(model: KineticaModel) -> None:
    with pytest.raises(KineticaError, match="'ghost' does not exist"):
        run(model, "ghost")
    assert model.snapshot()["runs"] == []


def test_run_lifecycle_with_hints(model: KineticaModel, clock: Clock) -> None:
    api(model).create_proc(create_proc_req())
    rid = run(model, "p", {"duration_ms": "2000", "result_rows": "42", "stdout_lines": "4"},
              bin_params={"blob": b"\x00\xff"}, run_tag="nightly")
    first = status(model, rid)
    assert first["overall_statuses"] == {rid: RUNNING}
    assert set(first["statuses"][rid]) == {"0", "1", "2", "3"}  # default: 4 data segments
    assert first["results"][rid]["0"] == {}  # results only once complete
    assert first["bin_params"][rid] == {"blob": b"\x00\xff"}
    assert first["options"][rid] == {"run_tag": "nightly"}
    assert first["proc_names"] == {rid: "p"}

    clock.advance(1.0)
    mid = status(model, rid)
    assert mid["output"][rid]["0"]["stdout"] == ["stdout line 1", "stdout line 2", "stdout line 3"]
    clock.advance(1.0)
    end = status(model, rid)
    assert end["overall_statuses"][rid] == COMPLETE
    assert end["results"][rid] == {str(i): {"rows": "42"} for i in range(4)}
    assert end["output"][rid]["3"]["stdout"] == [f"stdout line {k}" for k in range(1, 5)]
    assert end["timings"][rid]["0"]["end_time"] - end["timings"][rid]["0"]["start_time"] == 2000


def test_failing_segments_end_in_error_with_message(model: KineticaModel, clock: Clock) -> None:
    api(model).create_proc(create_proc_req())
    rid = run(model, "p", {"duration_ms": "500", "fail_segments": "0,2", "fail_message": "bad row"})
    clock.advance(0.4)
    assert overall(model, rid) == RUNNING
    assert status(model, rid)["messages"][rid]["0"] == ""  # not revealed before the end
    clock.advance(0.1)
    answer = status(model, rid)
    assert answer["statuses"][rid] == {"0": ERROR, "1": COMPLETE, "2": ERROR, "3": COMPLETE}
    assert answer["messages"][rid] == {"0": "bad row", "1": "", "2": "bad row", "3": ""}
    assert answer["overall_statuses"][rid] == ERROR


def test_fail_all_uses_default_message(model: KineticaModel, clock: Clock) -> None:
    api(model).create_proc(create_proc_req())
    rid = run(model, "p", {"duration_ms": "0", "fail_segments": "all"})
    answer = status(model, rid)
    assert set(answer["statuses"][rid].values()) == {ERROR}
    assert answer["messages"][rid]["3"] == "proc failed on data segment 3"


def _segment(start: float | None, end: float | None, final: str = COMPLETE) -> Segment:
    seg = Segment(index=0, created=0.0, duration=None, polls_needed=None, hang=True, outcome=COMPLETE,
                  fail_message="", results={}, stdout=(), stderr=())
    seg.start, seg.end, seg.final = start, end, final
    return seg


@pytest.mark.parametrize(("segments", "expected"), [
    ([(0, None, COMPLETE), (0, 1, ERROR)], RUNNING),             # running while any runs
    ([(0, 1, COMPLETE), (None, None, COMPLETE)], RUNNING),       # partly queued: still under way
    ([(None, None, COMPLETE), (None, None, COMPLETE)], NONE),    # nothing started yet
    ([(0, 1, KILLED), (0, 1, ERROR), (0, 1, COMPLETE)], ERROR),  # then error ...
    ([(0, 1, COMPLETE), (0, 1, KILLED)], KILLED),                # ... then killed ...
    ([(0, 1, COMPLETE), (0, 1, COMPLETE)], COMPLETE),            # ... then complete
])
def test_overall_status_rollup(segments: list[tuple[float | None, float | None, str]], expected: str) -> None:
    proc_run = Run(run_id="1", proc=None, created=0, params={}, bin_params={}, input_table_names=[],  # type: ignore[arg-type]
                   input_column_names={}, output_table_names=[], options={}, run_tag="",
                   max_output_lines=100, segments=[_segment(*s) for s in segments])
    assert proc_run.overall(5.0) == expected


def test_rollup_through_the_model(model: KineticaModel, clock: Clock, store: ScenarioStore) -> None:
    store.load_dict({"seed": 3, "kinetica": {"segments": 4, "rules": [
        {"match": {"proc": "mixed"}, "duration": {"uniform": [1, 10]}}]}})
    api(model).create_proc(create_proc_req("mixed"))
    api(model).create_proc(create_proc_req("p"))
    failed = run(model, "p", {"hang": "true"})
    model.fail_segment_now(failed, 1, "forced")
    assert overall(model, failed) == RUNNING          # one error, the rest still running
    model.kill_run(failed)
    assert statuses(model, failed)["1"] == ERROR and overall(model, failed) == ERROR

    mixed = run(model, "mixed")
    while COMPLETE not in statuses(model, mixed).values():
        clock.advance(0.25)
    assert RUNNING in statuses(model, mixed).values()   # precondition: a mix of done and running
    model.kill_run(mixed)
    assert set(statuses(model, mixed).values()) == {COMPLETE, KILLED}
    assert overall(model, mixed) == KILLED


def test_unknown_run_id_gives_empty_response(model: KineticaModel) -> None:
    api(model).create_proc(create_proc_req())
    run(model)
    answer = status(model, "999")
    assert all(answer[key] == {} for key in answer)


def test_finished_segments_never_change(model: KineticaModel, clock: Clock) -> None:
    api(model).create_proc(create_proc_req())
    rid = run(model, "p", {"duration_ms": "1000", "stdout_lines": "2", "result_a": "1"})
    clock.advance(1.0)
    finished = status(model, rid)
    assert model.kill_run(rid) is False
    assert model.fail_segment_now(rid, 0, "late") is False
    assert api(model).kill_proc(kill_req(rid))["run_ids"] == []
    clock.advance(3600)
    api(model).delete_proc({"proc_name": "p", "options": {}})
    assert status(model, rid) == finished


def test_output_keeps_only_the_last_max_output_lines(model: KineticaModel, clock: Clock) -> None:
    api(model).create_proc(create_proc_req())
    default = run(model, "p", {"duration_ms": "0", "stdout_lines": "150", "stderr_lines": "3"})
    small = run(model, "p", {"duration_ms": "0", "stdout_lines": "150"}, max_output_lines="5")
    answer = status(model)
    assert answer["output"][default]["0"]["stdout"] == [f"stdout line {k}" for k in range(51, 151)]
    assert answer["output"][default]["0"]["stderr"] == ["stderr line 1", "stderr line 2", "stderr line 3"]
    assert answer["output"][small]["2"]["stdout"] == [f"stdout line {k}" for k in range(146, 151)]


def test_killed_run_keeps_only_lines_printed_before_the_kill(model: KineticaModel, clock: Clock) -> None:
    api(model).create_proc(create_proc_req())
    rid = run(model, "p", {"duration_ms": "10000", "stdout_lines": "10"})
    clock.advance(4.5)
    model.kill_run(rid)
    clock.advance(100)
    assert status(model, rid)["output"][rid]["0"]["stdout"] == [f"stdout line {k}" for k in range(1, 6)]


def test_input_column_names_filled_for_unmapped_tables(model: KineticaModel, store: ScenarioStore) -> None:
    store.load_dict({"kinetica": {"tables": {"ki_home.t2": ["x", "y"]}}})
    api(model).create_proc(create_proc_req())
    rid = run(model, "p", tables=["t1", "ki_home.t2", "t3"], columns={"t1": ["a"]}, outputs=["out"])
    answer = status(model, rid)
    assert answer["input_table_names"][rid] == ["t1", "ki_home.t2", "t3"]
    assert answer["input_column_names"][rid] == {"t1": ["a"], "ki_home.t2": ["x", "y"], "t3": []}
    assert answer["output_table_names"][rid] == ["out"]


def test_column_map_naming_a_table_not_in_the_inputs_is_an_error(model: KineticaModel) -> None:
    api(model).create_proc(create_proc_req())
    with pytest.raises(KineticaError, match="not in input_table_names"):
        run(model, "p", tables=["t1"], columns={"t9": ["a"]})
    assert model.snapshot()["runs"] == []


def test_nondistributed_runs_one_segment_and_ignores_tables(model: KineticaModel) -> None:
    api(model).create_proc(create_proc_req("solo", "nondistributed"))
    rid = run(model, "solo", tables=["t1"], columns={"t9": ["a"]}, outputs=["o"])
    answer = status(model, rid)
    assert list(answer["statuses"][rid]) == ["0"]
    assert answer["input_table_names"][rid] == []
    assert answer["input_column_names"][rid] == {}
    assert answer["output_table_names"][rid] == []


def test_run_tag_filters_status_and_kill(model: KineticaModel) -> None:
    api(model).create_proc(create_proc_req())
    a1 = run(model, "p", {"hang": "true"}, run_tag="a")
    a2 = run(model, "p", {"hang": "true"}, run_tag="a")
    b = run(model, "p", {"hang": "true"}, run_tag="b")
    assert set(status(model, run_tag="a")["overall_statuses"]) == {a1, a2}
    assert status(model, b, run_tag="a")["overall_statuses"] == {}  # id and tag must both match
    assert api(model).kill_proc(kill_req(b, run_tag="a"))["run_ids"] == []
    assert sorted(api(model).kill_proc(kill_req(run_tag="a"))["run_ids"]) == sorted([a1, a2])
    assert overall(model, b) == RUNNING


def test_kill_only_running_runs(model: KineticaModel, clock: Clock) -> None:
    api(model).create_proc(create_proc_req())
    finished = run(model, "p", {"duration_ms": "100"})
    clock.advance(1)
    running = run(model, "p", {"duration_ms": "5000"})
    assert api(model).kill_proc(kill_req("no-such-run"))["run_ids"] == []
    assert api(model).kill_proc(kill_req())["run_ids"] == [running]
    assert overall(model, finished) == COMPLETE
    assert overall(model, running) == KILLED
    assert status(model, running)["messages"][running]["0"] == "proc instance killed"
    assert api(model).kill_proc(kill_req())["run_ids"] == []  # nothing left running


def test_clear_complete_returns_finished_runs_once(model: KineticaModel, clock: Clock) -> None:
    api(model).create_proc(create_proc_req())
    done = run(model, "p", {"duration_ms": "100"})
    clock.advance(1)
    busy = run(model, "p", {"hang": "true"})
    first = status(model, clear_complete="true")
    assert set(first["overall_statuses"]) == {done, busy}
    second = status(model, clear_complete="true")
    assert set(second["overall_statuses"]) == {busy}
    assert status(model, done)["overall_statuses"] == {}
    model.kill_run(busy)
    assert set(status(model, clear_complete="true")["overall_statuses"]) == {busy}
    assert status(model)["overall_statuses"] == {}


def test_queued_segments_are_none_behind_max_concurrency_per_node(model: KineticaModel, clock: Clock) -> None:
    api(model).create_proc(create_proc_req("q", max_concurrency_per_node="1"))
    first = run(model, "q", {"duration_ms": "1000"})
    second = run(model, "q", {"duration_ms": "1000"})
    third = run(model, "q", {"duration_ms": "1000"})
    assert overall(model, first) == RUNNING
    assert set(statuses(model, second).values()) == {NONE} and overall(model, second) == NONE
    clock.advance(1.0)
    assert overall(model, first) == COMPLETE
    assert overall(model, second) == RUNNING and overall(model, third) == NONE
    timings = status(model, second)["timings"][second]["0"]
    assert timings["start_time"] == round((T0 + 1.0) * 1000)
    model.kill_run(second)            # a kill frees the slot at once
    assert overall(model, third) == RUNNING
    clock.advance(1.0)
    assert overall(model, third) == COMPLETE


def test_reading_a_queue_changes_nothing(model: KineticaModel, clock: Clock) -> None:
    api(model).create_proc(create_proc_req("q", max_concurrency_per_node="1"))
    run(model, "q", {"duration_ms": "1000"})
    queued = run(model, "q", {"duration_ms": "1000"})
    clock.advance(1.5)

    def plan() -> list[tuple[float | None, float | None, str]]:
        return [(s.start, s.end, s.final) for r in model._runs.values() for s in r.segments]

    before = plan()
    assert overall(model, queued) == RUNNING  # the slot freed at T0+1 while nobody was reading
    assert status(model, queued)["timings"][queued]["0"]["start_time"] == round((T0 + 1.0) * 1000)
    assert model.snapshot()["runs"][1]["segments"][0]["start"] == T0 + 1.0
    assert plan() == before


def test_killing_a_queued_run_removes_it_from_the_queue(model: KineticaModel, clock: Clock) -> None:
    api(model).create_proc(create_proc_req("q", max_concurrency_per_node="1"))
    first = run(model, "q", {"duration_ms": "1000"})
    queued = run(model, "q", {"duration_ms": "1000"})
    last = run(model, "q", {"duration_ms": "1000"})
    assert api(model).kill_proc(kill_req(queued))["run_ids"] == [queued]
    assert set(statuses(model, queued).values()) == {KILLED}
    clock.advance(1.0)
    assert overall(model, first) == COMPLETE and overall(model, last) == RUNNING


def test_scenario_default_concurrency_applies_to_new_procs(model: KineticaModel, store: ScenarioStore) -> None:
    store.load_dict({"kinetica": {"max_concurrency_per_node": 1, "segments": 2}})
    api(model).create_proc(create_proc_req("q"))
    run(model, "q", {"hang": "true"})
    waiting = run(model, "q")
    assert statuses(model, waiting) == {"0": NONE, "1": NONE}


# -- scenario rules and hints ---------------------------------------------------------------------
def test_rules_apply_and_hints_win(model: KineticaModel, clock: Clock, store: ScenarioStore) -> None:
    store.load_dict({"seed": 1, "kinetica": {"segments": 3, "defaults": {"duration": 5}, "rules": [
        {"match": {"proc": "etl*"}, "failure": {"segments": [1], "message": "seg {segment} broke"},
         "results": {"k": "v"}},
        {"match": {"run_tag": "quick"}, "duration": {"fixed": 1}},
    ]}})
    api(model).create_proc(create_proc_req("etl_daily"))
    ruled = run(model, "etl_daily", run_tag="quick")
    hinted = run(model, "etl_daily", {"duration_ms": "2000", "fail_segments": "0", "result_k": "w"})
    clock.advance(1.0)
    answer = status(model, ruled)
    assert answer["statuses"][ruled] == {"0": COMPLETE, "1": ERROR, "2": COMPLETE}
    assert answer["messages"][ruled]["1"] == "seg 1 broke"
    assert answer["results"][ruled]["0"] == {"k": "v"}
    assert overall(model, hinted) == RUNNING
    clock.advance(1.0)
    answer = status(model, hinted)
    assert answer["statuses"][hinted] == {"0": ERROR, "1": COMPLETE, "2": COMPLETE}
    assert answer["results"][hinted]["1"] == {"k": "w"}


def test_probability_failures_repeat_under_the_same_seed(clock: Clock) -> None:
    def outcomes(seed: int) -> list[dict[str, str]]:
        store = ScenarioStore()
        store.load_dict({"seed": seed, "kinetica": {"segments": 16, "defaults": {
            "duration": {"uniform": [1, 2]}, "failure": {"probability": 0.5}}}})
        m = KineticaModel(Clock(T0, frozen=True), store)
        api(m).create_proc(create_proc_req())
        ids = [run(m) for _ in range(3)]
        m.clock.advance(2)
        answer = status(m)
        return [answer["statuses"][i] for i in ids] + [
            {k: str(v) for k, v in answer["timings"][i].items()} for i in ids]

    first = outcomes(11)
    assert first == outcomes(11)
    assert first != outcomes(12)
    flat = [s for run_statuses in first[:3] for s in run_statuses.values()]
    assert ERROR in flat and COMPLETE in flat


def test_hang_runs_until_killed(model: KineticaModel, clock: Clock, store: ScenarioStore) -> None:
    store.load_dict({"kinetica": {"rules": [{"match": {"run_tag": "stuck*"}, "hang": True}]}})
    api(model).create_proc(create_proc_req())
    rid = run(model, run_tag="stuck-1")
    clock.advance(10_000)
    assert overall(model, rid) == RUNNING
    assert api(model).kill_proc(kill_req(rid))["run_ids"] == [rid]
    assert overall(model, rid) == KILLED


def test_duration_after_n_polls(model: KineticaModel, clock: Clock, store: ScenarioStore) -> None:
    store.load_dict({"kinetica": {"rules": [{"match": {"proc": "poller"}, "duration": {"polls": 3}}]}})
    api(model).create_proc(create_proc_req("poller"))
    rid = run(model, "poller")
    clock.advance(1000)
    assert overall(model, rid) == RUNNING   # poll 1
    assert overall(model, rid) == RUNNING   # poll 2
    assert overall(model, rid) == COMPLETE  # poll 3 ends it
    assert overall(model, rid) == COMPLETE


def test_a_poll_is_an_event_and_reading_the_status_changes_nothing(model: KineticaModel, clock: Clock,
                                                                     store: ScenarioStore) -> None:
    store.load_dict({"kinetica": {"rules": [{"match": {"proc": "poller"}, "duration": {"polls": 1}}]}})
    api(model).create_proc(create_proc_req("poller"))
    rid = run(model, "poller")
    clock.advance(1000)
    request = ShowProcStatus.from_record({"run_id": rid, "options": {}})
    version = model.version
    for _ in range(3):  # reads alone never end a run counted in polls
        assert model.show_proc_status(request).runs[rid]["overall_statuses"] == RUNNING
    assert model.version == version
    model.count_poll(request)
    assert model.show_proc_status(request).runs[rid]["overall_statuses"] == COMPLETE


@pytest.mark.parametrize(("params", "message"), [
    ({"duration_ms": "soon"}, "duration_ms"),
    ({"duration_ms": "-5"}, "duration_ms"),
    ({"fail_segments": "one,two"}, "fail_segments"),
    ({"hang": "maybe"}, "hang"),
])
def test_bad_hints_are_errors_without_change(model: KineticaModel, params: dict[str, str], message: str) -> None:
    api(model).create_proc(create_proc_req())
    before = model.snapshot()
    with pytest.raises(KineticaError, match=message):
        run(model, "p", params)
    assert model.snapshot() == before


@pytest.mark.parametrize(("method", "request_", "message"), [
    ("execute_proc", execute_req("p", max_output_lines="lots"), "max_output_lines"),
    ("execute_proc", execute_req("p", execute_at_startup="often"), "execute_at_startup"),
    ("show_proc_status", status_req(clear_complete="yes"), "clear_complete"),
    ("kill_proc", kill_req(clear_execute_at_startup="1"), "clear_execute_at_startup"),
])
def test_bad_options_are_errors_without_change(model: KineticaModel, method: str, request_: dict[str, Any],
                                               message: str) -> None:
    api(model).create_proc(create_proc_req())
    run(model, "p", {"duration_ms": "0"})
    before = model.snapshot()
    with pytest.raises(KineticaError, match=message):
        getattr(api(model), method)(request_)
    assert model.snapshot() == before


# -- auto-start ------------------------------------------------------------------------------------
def test_execute_at_startup_records_and_runs_on_start(model: KineticaModel, clock: Clock) -> None:
    api(model).create_proc(create_proc_req())
    auto = run(model, "p", {"duration_ms": "1000"}, execute_at_startup="true")
    assert status(model)["overall_statuses"] == {}  # not running now
    assert api(model).show_proc({"proc_name": "p", "options": {}})["options"][0]["auto_start_run_id"] == auto
    assert model.startup() == [auto]
    assert overall(model, auto) == RUNNING
    assert model.startup() == []                     # already running
    assert model.restart() == [auto]                 # a restart forgets runs and starts it again
    clock.advance(1)
    assert overall(model, auto) == COMPLETE


def test_clear_execute_at_startup_removes_the_record(model: KineticaModel) -> None:
    api(model).create_proc(create_proc_req())
    auto = run(model, "p", {"hang": "true"}, execute_at_startup="true")
    model.startup()
    answer = api(model).kill_proc(kill_req(auto, clear_execute_at_startup="true"))
    assert answer["run_ids"] == [auto]
    assert overall(model, auto) == KILLED
    assert "auto_start_run_id" not in api(model).show_proc({"proc_name": "p", "options": {}})["options"][0]
    assert model.restart() == []


# -- jobs ------------------------------------------------------------------------------------------
class FakeDispatcher:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, bytes]] = []

    def __call__(self, endpoint: str, encoding: str, payload: bytes) -> bytes:
        self.calls.append((endpoint, encoding, payload))
        if endpoint != "/has/proc":
            raise KineticaError(f"endpoint {endpoint} is not served")
        return b'{"answer":1}' if encoding == "json" else b"\x02\x04"


def job_req(endpoint: str = "/has/proc", encoding: str = "json", **options: str) -> dict[str, Any]:
    return {"endpoint": endpoint, "request_encoding": encoding, "data": b"\x01" if encoding == "binary" else b"",
            "data_str": "{}" if encoding == "json" else "", "options": dict(options)}


def get_job(model: KineticaModel, job_id: int, **options: str) -> dict[str, Any]:
    return api(model).get_job({"job_id": job_id, "options": dict(options)})


def test_job_runs_on_the_clock_to_done(model: KineticaModel, clock: Clock, store: ScenarioStore) -> None:
    store.load_dict({"kinetica": {"jobs": {"duration": 2}}})
    api(model).dispatch = FakeDispatcher()
    created = api(model).create_job(job_req())
    job_id = created["job_id"]
    assert created["info"]["job_tag"]
    first = get_job(model, job_id)
    assert (first["job_status"], first["running"], first["progress"]) == ("RUNNING", True, 0)
    assert first["job_response_str"] == "" and first["successful"] is False
    clock.advance(1)
    assert get_job(model, job_id)["progress"] == 50
    clock.advance(1)
    done = get_job(model, job_id)
    assert (done["job_status"], done["running"], done["successful"], done["progress"]) == ("DONE", False, True, 100)
    assert done["response_encoding"] == "json" and json.loads(done["job_response_str"]) == {"answer": 1}
    assert done["job_response"] == b""


def test_binary_job_returns_bytes(model: KineticaModel, clock: Clock) -> None:
    api(model).dispatch = FakeDispatcher()
    job_id = api(model).create_job(job_req(encoding="binary"))["job_id"]
    clock.advance(5)
    done = get_job(model, job_id)
    assert done["response_encoding"] == "binary" and done["job_response"] == b"\x02\x04"
    assert done["job_response_str"] == ""


def test_job_error_and_cancel(model: KineticaModel, clock: Clock) -> None:
    api(model).dispatch = FakeDispatcher()
    failing = api(model).create_job(job_req("/alter/table"))["job_id"]
    cancelled = api(model).create_job(job_req())["job_id"]
    clock.advance(0.5)
    assert model.cancel_job(cancelled) is True
    clock.advance(5)
    err = get_job(model, failing)
    assert err["job_status"] == "ERROR" and err["successful"] is False
    assert err["status_map"]["error_message"] == "endpoint /alter/table is not served"
    gone = get_job(model, cancelled)
    assert gone["job_status"] == "CANCELLED" and gone["progress"] == 50 and gone["job_response_str"] == ""
    assert model.cancel_job(failing) is False


def test_job_tag_lookup_and_errors(model: KineticaModel) -> None:
    api(model).dispatch = FakeDispatcher()
    job_id = api(model).create_job(job_req(job_tag="nightly-1"))["job_id"]
    assert get_job(model, 0, job_tag="nightly-1")["endpoint"] == "/has/proc"
    before = model.snapshot()
    for bad in (lambda: get_job(model, job_id + 100), lambda: get_job(model, job_id, job_tag="nope"),
                lambda: api(model).create_job(job_req(job_tag="nightly-1")),
                lambda: api(model).create_job(job_req(job_tag="bad tag!")),
                lambda: api(model).create_job(job_req(encoding="snappy")),
                lambda: api(model).create_job(job_req(encoding="xml")),
                lambda: model.cancel_job(999)):
        with pytest.raises(KineticaError):
            bad()
    assert model.snapshot() == before


def test_jobs_poll_counted(model: KineticaModel, store: ScenarioStore) -> None:
    store.load_dict({"kinetica": {"jobs": {"duration": {"polls": 2}}}})
    api(model).dispatch = FakeDispatcher()
    job_id = api(model).create_job(job_req())["job_id"]
    assert get_job(model, job_id)["job_status"] == "RUNNING"
    assert get_job(model, job_id)["job_status"] == "DONE"


# -- system, reset, snapshot ------------------------------------------------------------------------
def test_system_endpoints(model: KineticaModel) -> None:
    props = api(model).show_system_properties({"options": {}}, public_url="http://10.0.0.5")["property_map"]
    version = props["version.gpudb_core_version"]
    assert len(version.split(".")) == 4 and all(p.isdigit() for p in version.split("."))
    assert props["conf.host0_public_urls"] == "http://10.0.0.5"
    system = api(model).show_system_status({"options": {}})["status_map"]["system"]
    assert json.loads(system) == {"status": "running"}


def test_reset_forgets_everything(model: KineticaModel) -> None:
    api(model).create_proc(create_proc_req())
    run(model)
    api(model).dispatch = FakeDispatcher()
    api(model).create_job(job_req())
    model.reset()
    snap = model.snapshot()
    assert (snap["procs"], snap["runs"], snap["jobs"]) == ([], [], [])
    api(model).create_proc(create_proc_req())
    assert run(model) not in {r["run_id"] for r in snap["runs"]}


def test_run_and_job_ids_are_never_handed_out_twice_in_a_process(clock: Clock, store: ScenarioStore) -> None:
    # A reproduce line names an id: after a reset, or in another mock, it must not name another run.
    runs: list[str] = []
    jobs: list[int] = []
    for _ in range(3):
        for model in (KineticaModel(clock, store), KineticaModel(clock, store)):
            for _ in range(2):
                api(model).create_proc(create_proc_req())
                runs += [run(model), run(model)]
                jobs.append(api(model).create_job(job_req())["job_id"])
                model.reset()
    assert len(set(runs)) == len(runs) and len(set(jobs)) == len(jobs)
    assert all(r.isdigit() for r in runs) and all(isinstance(j, int) for j in jobs)


def test_snapshot_is_json_and_shows_segments(model: KineticaModel, clock: Clock) -> None:
    api(model).create_proc(create_proc_req())
    rid = run(model, "p", {"duration_ms": "1000", "stdout_lines": "20", "fail_segments": "1"})
    clock.advance(1)
    snap = json.loads(json.dumps(model.snapshot()))
    view = next(r for r in snap["runs"] if r["run_id"] == rid)
    assert view["overall_status"] == ERROR
    assert [s["status"] for s in view["segments"]] == [COMPLETE, ERROR, COMPLETE, COMPLETE]
    assert view["segments"][0]["stdout_tail"] == [f"stdout line {k}" for k in range(16, 21)]


def test_control_helpers_check_their_arguments(model: KineticaModel) -> None:
    api(model).create_proc(create_proc_req())
    rid = run(model, "p", {"hang": "true"})
    with pytest.raises(KineticaError):
        model.kill_run("nope")
    with pytest.raises(KineticaError):
        model.fail_segment_now(rid, 9, "x")
    assert model.fail_segment_now(rid, 0, "boom") is True
    assert status(model, rid)["messages"][rid]["0"] == "boom"
