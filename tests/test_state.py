"""`mockserver serve --state PATH`: a real subprocess driven over HTTP, stopped by `kill -9` or
SIGTERM and started again on the same file, answers every acknowledged request byte for byte as
before; ids are never handed out twice; auto-start runs begin when the mock starts and on the
restart action; a file that is not a mock state file is one line and exit 2."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.kinetica import wire
from mockserver.state import StateError, StateFile
from tests.kinetica.conftest import create_proc_req, execute_req, kill_req, status_req
from tests.test_cli import REPO, _free_port, _serve, _stop, _wait_for_port

JSON_HEADERS = {"Content-Type": "application/json"}


class Served:
    """One `mockserver serve --state` process, its two APIs on fixed ports (the same after a restart)."""

    def __init__(self, state: Path, ports: tuple[int, int], *extra: str) -> None:
        self.kinetica = f"http://127.0.0.1:{ports[0]}"
        self.praisonai = f"http://127.0.0.1:{ports[1]}"
        self.proc = _serve("--state", str(state), "--kinetica-port", str(ports[0]),
                           "--praisonai-port", str(ports[1]), "--allow-loopback-webhooks", *extra)
        for port in ports:
            _wait_for_port(port, self.proc)
        self.http = httpx.Client(timeout=10)

    def kill(self) -> None:
        self.http.close()
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.communicate(timeout=15)

    def stop(self) -> None:
        self.http.close()
        code, _, err = _stop(self.proc)
        assert code == 0, err

    # -- Kinetica, JSON on the wire -------------------------------------------------------------
    def kinetica_raw(self, endpoint: str, record: dict[str, Any]) -> bytes:
        answer = self.http.post(self.kinetica + endpoint, content=wire.encode_request(endpoint, record, wire.JSON),
                                headers=JSON_HEADERS)
        return answer.content

    def kinetica_call(self, endpoint: str, record: dict[str, Any]) -> dict[str, Any]:
        wrapper = wire.decode_wrapper(self.kinetica_raw(endpoint, record), wire.JSON)
        assert wrapper["status"] == "OK", wrapper["message"]
        return wire.decode_response_record(endpoint, wrapper["data_str"], wire.JSON)

    def execute(self, proc: str, params: dict[str, str], **options: str) -> str:
        record = {**execute_req(proc, params), "options": options}
        return str(self.kinetica_call("/execute/proc", record)["run_id"])

    # -- the control plane ------------------------------------------------------------------------
    def control(self, path: str, **kwargs: Any) -> dict[str, Any]:
        answer = self.http.post(f"{self.kinetica}/_mock/{path}", **kwargs)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def clock(self) -> dict[str, Any]:
        return dict(self.http.get(f"{self.kinetica}/_mock/clock").json())


@pytest.fixture
def ports() -> tuple[int, int]:
    return _free_port(), _free_port()


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "mock.sqlite"


def script(mock: Served) -> dict[str, Any]:
    """Something of everything the file must keep, acknowledged answer by answer."""
    made: dict[str, Any] = {}
    mock.control("scenario", content=b"seed: 7\nkinetica:\n  rules:\n    - match: {run_tag: t}\n"
                                     b"      duration: {polls: 2}\n      stdout: 3\n")
    mock.kinetica_call("/create/proc", create_proc_req("p"))
    mock.kinetica_call("/create/proc", create_proc_req("auto", "nondistributed"))
    made["long"] = mock.execute("p", {"duration_ms": "5000"})
    made["hung"] = mock.execute("p", {"hang": "true"})
    made["polled"] = mock.execute("p", {}, run_tag="t")
    mock.control("clock/advance", json={"seconds": 2})
    mock.kinetica_call("/kill/proc", kill_req(made["hung"]))
    mock.kinetica_raw("/show/proc/status", status_req(made["polled"]))  # a poll that counts
    made["failing"] = mock.execute("p", {"hang": "true"})
    mock.control(f"kinetica/runs/{made['failing']}/segments/1/fail", json={"message": "broken on purpose"})
    made["auto"] = mock.execute("auto", {"duration_ms": "1000"}, execute_at_startup="true")
    inner = wire.encode_request("/execute/proc", execute_req("p", {"duration_ms": "0"}), wire.JSON)
    made["job"] = mock.kinetica_call("/create/job", {"endpoint": "/execute/proc", "request_encoding": "json",
                                                     "data": b"", "data_str": inner.decode(), "options": {}})["job_id"]
    # A scenario loaded at run time: the restarted mock has none on its command line.
    mock.control("scenario", content=b"kinetica:\n  segments: 2\npraisonai:\n  max_concurrent: 1\n")
    made["two"] = mock.execute("p", {"duration_ms": "3000"})
    runs = mock.praisonai + "/api/v1/runs"
    made["keyed"] = mock.http.post(runs, json={"prompt": "hello"}, headers={"Idempotency-Key": "k1"}).json()["job_id"]
    made["queued"] = mock.http.post(runs, json={"prompt": "second"}).json()["job_id"]
    made["cancelled"] = mock.http.post(runs, json={"prompt": "third"}).json()["job_id"]
    mock.control("clock/advance", json={"seconds": 1.5})
    assert mock.http.post(f"{runs}/{made['cancelled']}/cancel").status_code == 200
    mock.control("clock/advance", json={"seconds": 30})
    return made


def answers(mock: Served, made: dict[str, Any]) -> dict[str, bytes]:
    """The bytes of every read about what `script` made (reads that change nothing)."""
    out = {f"status {name}": mock.kinetica_raw("/show/proc/status", status_req(made[name]))
           for name in ("long", "hung", "polled", "failing", "two")}
    out["show_proc p"] = mock.kinetica_raw("/show/proc", {"proc_name": "p", "options": {}})
    out["show_proc auto"] = mock.kinetica_raw("/show/proc", {"proc_name": "auto", "options": {}})
    out["job"] = mock.kinetica_raw("/get/job", {"job_id": made["job"], "options": {}})
    runs = mock.praisonai + "/api/v1/runs"
    for name in ("keyed", "queued", "cancelled"):
        out[f"run {name}"] = mock.http.get(f"{runs}/{made[name]}").content
    out["result keyed"] = mock.http.get(f"{runs}/{made['keyed']}/result").content
    out["list"] = mock.http.get(runs).content
    out["clock"] = json.dumps(mock.clock()).encode()
    return out


def _logged(state: Path) -> int:
    """How many entries the log holds, read beside the mock that has the file locked."""
    with contextlib.closing(sqlite3.connect(f"file:{state}?mode=ro", uri=True)) as db:
        return int(db.execute("SELECT count(*) FROM log").fetchone()[0])


def _status(mock: Served, run_id: str) -> dict[str, Any]:
    return mock.kinetica_call("/show/proc/status", status_req(run_id))


@pytest.mark.parametrize("stop", ["kill", "stop"])
def test_a_restarted_mock_answers_every_acknowledged_request_as_before(state: Path, ports: tuple[int, int],
                                                                       stop: str) -> None:
    mock = Served(state, ports, "--frozen-clock")
    made = script(mock)
    before = answers(mock, made)
    assert json.loads(before["run keyed"])["status"] == "succeeded"
    assert json.loads(before["run cancelled"])["status"] == "cancelled"
    assert _status(mock, made["auto"])["overall_statuses"] == {}  # recorded, not started
    getattr(mock, stop)()

    again = Served(state, ports)  # no --frozen-clock, no scenario: both come from the file
    try:
        after = answers(again, made)
        assert after == before
        # The mock's start is the database's: the auto-start run begins now, at the restored instant.
        started = _status(again, made["auto"])
        assert started["overall_statuses"] == {made["auto"]: "running"}
        assert started["timings"][made["auto"]]["0"]["start_time"] == round(again.clock()["now"] * 1000)
        # An idempotency key still names its run.
        duplicate = again.http.post(again.praisonai + "/api/v1/runs", json={"prompt": "other"},
                                    headers={"Idempotency-Key": "k1"})
        assert duplicate.json()["job_id"] == made["keyed"]
        # No id is handed out twice across the restart; the scenario loaded before is in force.
        fresh = again.execute("p", {"duration_ms": "1"})
        assert int(fresh) > max(int(made[name]) for name in ("long", "hung", "polled", "failing", "auto", "two"))
        assert len(_status(again, fresh)["statuses"][fresh]) == 2
        fresh_run = again.http.post(again.praisonai + "/api/v1/runs", json={"prompt": "new"}).json()["job_id"]
        assert fresh_run not in {made["keyed"], made["queued"], made["cancelled"]}
        second = answers(again, made)
        fresh_status = _status(again, fresh)
    finally:
        again.kill()
    third = Served(state, ports)  # the first restart's auto-start run and later requests were kept too
    try:
        assert answers(third, made) == second
        assert _status(third, fresh) == fresh_status   # as the previous process last answered it
    finally:
        third.stop()


def test_a_running_clock_keeps_its_offset(state: Path, ports: tuple[int, int]) -> None:
    mock = Served(state, ports)
    moved = mock.control("clock/advance", json={"seconds": 86_400})
    assert moved["frozen"] is False
    mock.kill()
    again = Served(state, ports)
    try:
        clock = again.clock()
        assert clock["frozen"] is False
        assert moved["now"] <= clock["now"] < moved["now"] + 60  # a day ahead of the wall, as before
    finally:
        again.stop()


def test_the_restart_action_starts_auto_start_runs_and_forgets_runs(state: Path, ports: tuple[int, int]) -> None:
    mock = Served(state, ports, "--frozen-clock")
    try:
        mock.kinetica_call("/create/proc", create_proc_req("auto", "nondistributed"))
        plain = mock.execute("auto", {"duration_ms": "1000"})
        auto = mock.execute("auto", {"duration_ms": "1000"}, execute_at_startup="true")
        assert _status(mock, auto)["overall_statuses"] == {}
        assert mock.control("kinetica/restart") == {"started": [auto]}
        assert _status(mock, auto)["overall_statuses"] == {auto: "running"}
        assert _status(mock, plain)["overall_statuses"] == {}  # a database restart forgets runs
        before = mock.kinetica_raw("/show/proc/status", status_req(auto))
    finally:
        mock.kill()
    again = Served(state, ports)
    try:
        assert again.kinetica_raw("/show/proc/status", status_req(auto)) == before
    finally:
        again.stop()


def test_a_reset_empties_the_log_but_ids_stay_handed_out(state: Path, ports: tuple[int, int]) -> None:
    mock = Served(state, ports, "--frozen-clock")
    mock.kinetica_call("/create/proc", create_proc_req("p"))
    first = mock.execute("p", {"duration_ms": "1"})
    mock.control("reset")
    mock.kill()
    with StateFile(state) as file:   # the killed process's lock went with it
        assert len(file) == 0
    again = Served(state, ports)
    try:
        wrapper = wire.decode_wrapper(again.kinetica_raw("/show/proc", {"proc_name": "p", "options": {}}), wire.JSON)
        assert wrapper["status"] == "ERROR"  # forgotten by the reset
        again.kinetica_call("/create/proc", create_proc_req("p"))
        assert int(again.execute("p", {"duration_ms": "1"})) > int(first)
    finally:
        again.stop()


def test_reads_that_change_nothing_are_not_written(state: Path, ports: tuple[int, int]) -> None:
    mock = Served(state, ports, "--frozen-clock")
    try:
        mock.kinetica_call("/create/proc", create_proc_req("p"))
        run = mock.execute("p", {"duration_ms": "0"})
        written = _logged(state)
        for _ in range(5):
            mock.kinetica_raw("/show/proc/status", status_req(run))
            mock.kinetica_raw("/show/proc", {"proc_name": "p", "options": {}})
        assert _logged(state) == written
        assert mock.http.get(mock.kinetica + "/_mock/state").json()["state_file"] == str(state)
    finally:
        mock.stop()


def test_credentials_are_not_stored(state: Path, ports: tuple[int, int]) -> None:
    mock = Served(state, ports, "--frozen-clock", "--auth-bearer", "s3cret-token")
    try:
        answer = mock.http.post(mock.praisonai + "/api/v1/runs", json={"prompt": "hi"},
                                headers={"Authorization": "Bearer s3cret-token"})
        assert answer.status_code == 202
    finally:
        mock.stop()
    files = [path for path in state.parent.iterdir() if path.name.startswith(state.name)]  # with -wal, -shm
    assert b"s3cret-token" not in b"".join(path.read_bytes() for path in files)
    with StateFile(state) as file:
        recorded = [entry for entry in file.entries() if entry.kind == "request"]
    assert len(recorded) == 1 and b"hi" in recorded[0].body  # the request is there, its credentials not


def _serve_once(state: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "mockserver", "serve", "--state", str(state),
                           "--kinetica-port", "0", "--praisonai-port", "0"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def foreign(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    path = tmp_path / "foreign.sqlite"
    if request.param == "text":
        path.write_text("not a database at all\n" * 100)
    elif request.param == "sqlite":
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE notes (body TEXT)")
    else:  # a state file with pages scrambled: its schema, or only its log
        file = StateFile(path)
        for at in range(200):
            file.append(float(at), "scenario", None, {}, {"document": {"name": "n" * 100}, "source": "x"})
        file.close()
        data = bytearray(path.read_bytes())
        for start in ((100,) if request.param == "damaged schema" else (3 * 4096 + 50, 6 * 4096 + 50)):
            data[start:start + 2900] = b"\x07" * 2900
        path.write_bytes(bytes(data))
    yield path


@pytest.mark.parametrize("foreign", ["text", "sqlite", "damaged schema", "damaged log"], indirect=True)
def test_a_foreign_or_damaged_state_file_is_one_line_and_exit_2(foreign: Path) -> None:
    done = _serve_once(foreign)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"mockserver: state file {foreign}"), done.stderr
    assert "Traceback" not in done.stderr


def test_a_state_file_of_another_mock_is_refused(tmp_path: Path) -> None:
    from mockserver.runtime import Mock

    path = tmp_path / "k.sqlite"
    Mock(["kinetica"], state=path, frozen_clock=True).close()
    with pytest.raises(StateError, match="serving kinetica"):
        Mock(["praisonai"], state=path)


def _dispatcher(mock: Any) -> Any:
    """The PraisonAI app's webhook dispatcher (deliveries without waiting on real time)."""
    return mock.parts["praisonai"].app.webhooks


def test_in_one_process_a_second_mock_on_the_file_restores_the_same_ids_and_webhook_deliveries(
        tmp_path: Path) -> None:
    from mockserver.runtime import Mock
    from tests.asgi import SyncASGIClient
    from tests.praisonai.test_webhooks import Receiver

    path = tmp_path / "p.sqlite"
    receiver = Receiver()
    with receiver.server:
        first = Mock(["praisonai"], state=path, frozen_clock=True, allow_loopback_webhooks=True)
        client = SyncASGIClient(first.asgi("praisonai"), base_url="http://127.0.0.1:8005")
        hooked = client.post("/api/v1/runs", json={"prompt": "p", "webhook_url": f"{receiver.server.url}/hook"})
        job_id = hooked.json()["job_id"]
        first.clock.advance(60)
        client.run(_dispatcher(first).deliver_due())
        assert receiver.next()[0]["job_id"] == job_id
        delivered = first.model("praisonai").webhook_log
        assert len(delivered) == 1 and delivered[0]["status_code"] == 204
        status = client.get(f"/api/v1/runs/{job_id}").content
        client.run(_dispatcher(first).stop())
        client.close()
        first.close()

        second = Mock(["praisonai"], state=path, allow_loopback_webhooks=True)
        model = second.model("praisonai")
        # The counter had moved on in this process: the restore still gives the run its own id back.
        assert [view.job_id for view in model.views()] == [job_id]
        assert model.webhook_log == delivered and not model.pending_webhooks()  # delivered once only
        client = SyncASGIClient(second.asgi("praisonai"), base_url="http://127.0.0.1:8005")
        assert client.get(f"/api/v1/runs/{job_id}").content == status
        assert client.post("/api/v1/runs", json={"prompt": "q"}).json()["job_id"] != job_id
        client.run(_dispatcher(second).stop())
        client.close()
        second.close()
        assert receiver.posts.empty()


def test_a_scenario_loaded_while_runs_queue_schedules_them_the_same_after_a_restart(tmp_path: Path) -> None:
    from mockserver.runtime import Mock
    from tests.asgi import SyncASGIClient

    path = tmp_path / "q.sqlite"
    first = Mock(["praisonai"], state=path, frozen_clock=True, scenario=None)
    first.load_scenario_text("praisonai:\n  max_concurrent: 1\n")
    client = SyncASGIClient(first.asgi("praisonai"), base_url="http://127.0.0.1:8005")
    slow = {"config": {"mock_steps": 2, "mock_step_seconds": 100}}
    ahead = client.post("/api/v1/runs", json={"prompt": "a", **slow}).json()["job_id"]
    behind = client.post("/api/v1/runs", json={"prompt": "b", **slow}).json()["job_id"]
    first.clock.advance(10)
    assert client.get(f"/api/v1/runs/{behind}").json()["status"] == "queued"  # a read: not recorded
    first.clock.advance(10)
    first.load_scenario_text("praisonai:\n  max_concurrent: 2\n")  # a slot frees now, not at the read
    status = client.get(f"/api/v1/runs/{behind}")
    assert status.json()["status"] == "running"
    assert status.json()["started_at"] != client.get(f"/api/v1/runs/{ahead}").json()["started_at"]
    client.close()
    first.close()

    second = Mock(["praisonai"], state=path)
    client = SyncASGIClient(second.asgi("praisonai"), base_url="http://127.0.0.1:8005")
    assert client.get(f"/api/v1/runs/{behind}").content == status.content
    client.close()
    second.close()


def test_a_hot_reloaded_scenario_file_schedules_the_same_after_a_restart_and_stays_watched(tmp_path: Path) -> None:
    from mockserver.runtime import Mock
    from tests.asgi import SyncASGIClient

    path, scenario = tmp_path / "h.sqlite", tmp_path / "limits.yaml"
    scenario.write_text("praisonai:\n  max_concurrent: 1\n")
    first = Mock(["praisonai"], state=path, frozen_clock=True, scenario=scenario)
    client = SyncASGIClient(first.asgi("praisonai"), base_url="http://127.0.0.1:8005")
    slow = {"config": {"mock_steps": 2, "mock_step_seconds": 100}}
    client.post("/api/v1/runs", json={"prompt": "a", **slow})
    behind = client.post("/api/v1/runs", json={"prompt": "b", **slow}).json()["job_id"]
    first.clock.advance(10)
    assert client.get(f"/api/v1/runs/{behind}").json()["status"] == "queued"  # a read: not recorded
    first.clock.advance(10)
    scenario.write_text("praisonai:\n  max_concurrent: 2\n")
    first.scenario.check_now()                  # noticed now (a request would, within 0.5 s)
    first.clock.advance(5)
    client.post("/api/v1/runs", json={"prompt": "c", **slow})   # recorded, after the reload
    status = client.get(f"/api/v1/runs/{behind}")
    assert status.json()["status"] == "running"
    client.close()
    first.close()

    second = Mock(["praisonai"], state=path, scenario=scenario)
    client = SyncASGIClient(second.asgi("praisonai"), base_url="http://127.0.0.1:8005")
    assert client.get(f"/api/v1/runs/{behind}").content == status.content
    assert second.scenario.watching == scenario     # edits still apply without a restart
    scenario.write_text("praisonai:\n  max_concurrent: 5\n")
    second.scenario.check_now()
    assert second.model("praisonai").limits().max_concurrent == 5
    client.close()
    second.close()


def test_a_scenario_file_edited_while_the_mock_was_down_applies_at_start_and_is_kept(tmp_path: Path) -> None:
    from mockserver.runtime import Mock
    from tests.asgi import SyncASGIClient

    path, scenario = tmp_path / "e.sqlite", tmp_path / "limits.yaml"
    scenario.write_text("praisonai:\n  max_concurrent: 1\n")
    first = Mock(["praisonai"], state=path, frozen_clock=True, scenario=scenario)
    scenario.write_text("praisonai:\n  max_concurrent: 3\n")
    first.scenario.check_now()                                   # a hot reload, recorded with
    client = SyncASGIClient(first.asgi("praisonai"), base_url="http://127.0.0.1:8005")
    client.post("/api/v1/runs", json={"prompt": "a"})             # the next change
    client.close()
    assert first.model("praisonai").limits().max_concurrent == 3
    first.close()
    scenario.write_text("praisonai:\n  max_concurrent: 4\n")     # edited while no mock runs
    second = Mock(["praisonai"], state=path, scenario=scenario)
    assert second.model("praisonai").limits().max_concurrent == 4
    second.close()
    third = Mock(["praisonai"], state=path, scenario=scenario)
    assert third.model("praisonai").limits().max_concurrent == 4
    assert third.scenario.watching == scenario
    third.close()


# -- what the file was made for, its lock, and its closing --------------------------------------------
def _cassette(path: Path, *apis: str) -> Path:
    from mockserver.cassette import CassetteWriter

    CassetteWriter(path, apis=apis).close()   # a header only: a session that recorded nothing
    return path


@pytest.mark.parametrize(("started", "restarted", "refusal"), [
    ({"replay": "a"}, {}, "replaying .*a.cassette .* not replaying no cassette"),
    ({}, {"replay": "a"}, "replaying no cassette, not replaying"),
    ({"replay": "a"}, {"replay": "a", "replay_speed": 2.0}, "at 1x speed, not .* at 2x speed"),
    ({"replay": "a"}, {"replay": "b"}, "replaying .*a.cassette"),
    ({"replay": "a"}, {"replay": "a-edited"}, "sha256"),
    ({"max_runs": 5}, {}, "keeping at most 5 runs .* not keeping every run"),
    ({"retain_seconds": 60}, {"retain_seconds": 30}, "for 60 s after"),
    ({"vary": {"LAT-PRA-JOB-ID": "uuid"}}, {}, "LAT-PRA-JOB-ID=uuid, not with the default"),
])
def test_a_restart_with_other_plans_than_the_log_was_written_against_is_refused(
        tmp_path: Path, started: dict[str, Any], restarted: dict[str, Any], refusal: str) -> None:
    from mockserver.runtime import Mock

    cassettes = {"a": _cassette(tmp_path / "a.cassette", "praisonai"),
                 "b": _cassette(tmp_path / "b.cassette", "praisonai")}
    path = tmp_path / "s.sqlite"

    def options(given: dict[str, Any]) -> dict[str, Any]:
        return {**given, **({"replay": cassettes[given["replay"]]} if given.get("replay") in cassettes else {})}

    Mock(["praisonai"], state=path, frozen_clock=True, **options(started)).close()
    edited = restarted.get("replay") == "a-edited"
    if edited:
        _cassette(cassettes["a"], "praisonai", "kinetica")   # the same path, other content
        restarted = {"replay": "a"}
    with pytest.raises(StateError, match=refusal) as refused:
        Mock(["praisonai"], state=path, **options(restarted))
    assert "\n" not in str(refused.value)
    if not edited:
        Mock(["praisonai"], state=path, **options(started)).close()   # started the same way: fine


def test_the_apis_may_be_named_in_any_order(tmp_path: Path) -> None:
    from mockserver.runtime import Mock

    path = tmp_path / "s.sqlite"
    Mock(["kinetica", "praisonai"], state=path, frozen_clock=True).close()
    Mock(["praisonai", "kinetica"], state=path).close()


def test_one_mock_at_a_time_per_state_file_in_one_process(tmp_path: Path) -> None:
    from mockserver.runtime import Mock

    path = tmp_path / "s.sqlite"
    first = Mock(["praisonai"], state=path, frozen_clock=True)
    with pytest.raises(StateError, match="is in use by another mock"):
        Mock(["praisonai"], state=path)
    with pytest.raises(StateError, match="is in use by another mock"):
        StateFile(path)
    first.close()
    first.close()   # idempotent
    Mock(["praisonai"], state=path).close()


def test_a_second_process_on_a_served_state_file_is_one_line_and_exit_2(state: Path, ports: tuple[int, int]) -> None:
    mock = Served(state, ports, "--frozen-clock")
    try:
        done = _serve_once(state)
    finally:
        mock.stop()
    assert done.returncode == 2
    assert done.stderr.strip() == f"mockserver: state file {state}: is in use by another mock " \
                                  "(one mock per state file; stop it first)"


def test_a_failed_start_leaves_the_file_closed_unlocked_and_unstamped(tmp_path: Path) -> None:
    from mockserver.replaying import ReplayError
    from mockserver.runtime import Mock

    path = tmp_path / "s.sqlite"
    with pytest.raises(ReplayError):
        Mock(["kinetica"], state=path, replay=tmp_path / "missing.cassette")
    Mock(["praisonai"], state=path).close()   # not locked, and not made for kinetica


def test_stopping_a_server_closes_its_state_file(tmp_path: Path) -> None:
    from mockserver.runtime import Mock, MockServer

    path = tmp_path / "s.sqlite"
    mock = Mock(["praisonai"], state=path, frozen_clock=True)
    with MockServer(mock) as server:
        assert httpx.post(server.url + "/api/v1/runs", json={"prompt": "p"}).status_code == 202
    mock.clock.advance(5)   # no longer saved: the file is closed, and its listener gone
    with StateFile(path) as file:
        assert file.meta("clock")["now"] < mock.clock.now()
        assert [entry.kind for entry in file.entries()][-1] == "request"


def test_no_secret_header_or_query_value_is_stored(tmp_path: Path) -> None:
    from mockserver.runtime import Mock
    from tests.asgi import SyncASGIClient

    path = tmp_path / "s.sqlite"
    mock = Mock(["praisonai"], state=path, frozen_clock=True)
    client = SyncASGIClient(mock.asgi("praisonai"), base_url="http://127.0.0.1:8005")
    answer = client.post("/api/v1/runs?api_key=query-s3cret&x=1", json={"prompt": "hi"},
                         headers={"X-Auth-Token": "header-s3cret", "X-Access-Token": "other-s3cret"})
    assert answer.status_code == 202
    client.close()
    mock.close()
    files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
    stored = b"".join(p.read_bytes() for p in files)
    assert b"s3cret" not in stored
    with StateFile(path) as file:
        (entry,) = [e for e in file.entries() if e.kind == "request"]
    assert entry.data["query"] == "api_key=REDACTED&x=1"
    assert not {"x-auth-token", "x-access-token"} & {name.lower() for name, _ in entry.data["headers"]}


# -- when a request happened, and what it may do when restored ----------------------------------------
def _post_run(recorder: Any, prompt: str, between_chunks: Callable[[], object] = lambda: None) -> list[Any]:
    """POST /api/v1/runs straight to a Recorder, its body in two chunks; `between_chunks` runs
    after the first. The messages sent back."""
    body = json.dumps({"prompt": prompt}).encode()
    incoming = [{"type": "http.request", "body": body[:5], "more_body": True},
                {"type": "http.request", "body": body[5:], "more_body": False}]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/api/v1/runs", "raw_path": b"/api/v1/runs", "query_string": b"",
             "root_path": "", "server": ("127.0.0.1", 8005), "client": ("127.0.0.1", 5000),
             "headers": [(b"host", b"127.0.0.1:8005"), (b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode())]}
    sent: list[Any] = []

    async def receive() -> Any:
        if len(incoming) == 1:
            between_chunks()
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    asyncio.run(recorder(scope, receive, send))
    return sent


@pytest.mark.parametrize("frozen", [True, False])
def test_a_request_happens_and_is_recorded_when_its_body_is_whole(tmp_path: Path, frozen: bool) -> None:
    from mockserver.durable import Recorder
    from mockserver.runtime import Mock
    from tests.asgi import SyncASGIClient

    path = tmp_path / "s.sqlite"
    mock = Mock(["praisonai"], state=path, frozen_clock=frozen)
    part = mock.parts["praisonai"]
    recorder = Recorder(part.app, mock.durable, api="praisonai", model=part.model, clock=mock.clock)
    began = mock.clock.now()
    sent = _post_run(recorder, "slow body", lambda: mock.clock.advance(3600))   # moved mid-body
    assert sent[0]["status"] == 202
    job_id = json.loads(sent[1]["body"])["job_id"]
    client = SyncASGIClient(mock.asgi("praisonai"), base_url="http://127.0.0.1:8005")
    before = client.get(f"/api/v1/runs/{job_id}").json()
    client.close()
    mock.close()
    with StateFile(path) as file:
        (entry,) = [e for e in file.entries() if e.kind == "request"]
    assert entry.at >= began + 3600                                  # the instant it acted at
    again = Mock(["praisonai"], state=path)
    client = SyncASGIClient(again.asgi("praisonai"), base_url="http://127.0.0.1:8005")
    try:
        assert client.get(f"/api/v1/runs/{job_id}").json()["created_at"] == before["created_at"]
    finally:
        client.close()
        again.close()


def test_a_body_read_ahead_by_the_guard_reaches_the_app_as_it_is_and_is_recorded(tmp_path: Path) -> None:
    # Behind the guard the body is whole before the recorder runs: no receive of its own on the way.
    from mockserver.durable import Recorder
    from mockserver.read_ahead import ReadAhead
    from mockserver.runtime import Mock

    path = tmp_path / "s.sqlite"
    mock = Mock(["praisonai"], state=path, frozen_clock=True)
    part = mock.parts["praisonai"]
    seen = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(receive)
        await part.app(scope, receive, send)

    body = json.dumps({"prompt": "read ahead"}).encode()
    ahead = ReadAhead(body, _gone)
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/api/v1/runs", "raw_path": b"/api/v1/runs", "query_string": b"",
             "root_path": "", "headers": [(b"host", b"127.0.0.1:8005"), (b"content-type", b"application/json")],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8005)}
    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    asyncio.run(Recorder(app, mock.durable, api="praisonai", model=part.model, clock=mock.clock)(scope, ahead, send))
    mock.close()
    assert seen == [ahead] and sent[0]["status"] == 202
    with StateFile(path) as file:
        (entry,) = [e for e in file.entries() if e.kind == "request"]
    assert entry.body == body


async def _gone() -> Any:
    return {"type": "http.disconnect"}


def _one_submit_logged(tmp_path: Path) -> Path:
    """A state file whose log holds one PraisonAI submit (202), the mock that wrote it closed."""
    from mockserver.runtime import Mock
    from tests.asgi import SyncASGIClient

    path = tmp_path / "s.sqlite"
    mock = Mock(["praisonai"], state=path, frozen_clock=True)
    client = SyncASGIClient(mock.asgi("praisonai"), base_url="http://127.0.0.1:8005")
    assert client.post("/api/v1/runs", json={"prompt": "p"}).status_code == 202
    client.close()
    mock.close()
    return path


def test_a_logged_request_that_raises_when_restored_is_a_state_error(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from mockserver.praisonai.models import PraisonAIModel
    from mockserver.runtime import Mock

    path = _one_submit_logged(tmp_path)

    def broken(self: PraisonAIModel, request: Any) -> Any:
        raise RuntimeError("this mock no longer takes it")

    monkeypatch.setattr(PraisonAIModel, "submit", broken)   # a log that no longer matches the mock
    with pytest.raises(StateError, match=r"cannot be restored: entry \d+ \(request\) raised RuntimeError: "
                                         "this mock no longer takes it"):
        Mock(["praisonai"], state=path)
    monkeypatch.undo()
    Mock(["praisonai"], state=path).close()   # refused, the file was left as it was, and unlocked


def test_a_request_that_raised_when_recorded_may_raise_again_when_restored(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from mockserver.durable import Recorder
    from mockserver.praisonai.models import PraisonAIModel
    from mockserver.runtime import Mock

    original = PraisonAIModel.submit

    def half_done(self: PraisonAIModel, request: Any) -> Any:
        original(self, request)   # the model changed, then the app raised
        raise RuntimeError("after the change")

    monkeypatch.setattr(PraisonAIModel, "submit", half_done)
    path = tmp_path / "s.sqlite"
    mock = Mock(["praisonai"], state=path, frozen_clock=True)
    part = mock.parts["praisonai"]
    with pytest.raises(RuntimeError, match="after the change"):
        _post_run(Recorder(part.app, mock.durable, api="praisonai", model=part.model, clock=mock.clock), "p")
    mock.close()
    with StateFile(path) as file:
        (entry,) = [e for e in file.entries() if e.kind == "request"]
    assert entry.data["status"] == 500          # Starlette answers 500, then raises
    again = Mock(["praisonai"], state=path)   # answers and raises again as recorded: restored all the same
    try:
        assert len(again.model("praisonai").views()) == 1
    finally:
        again.close()


def test_a_logged_request_answered_otherwise_when_restored_is_a_state_error(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from mockserver.praisonai.models import PraisonAIModel, QueueFull
    from mockserver.runtime import Mock

    path = _one_submit_logged(tmp_path)

    def full(self: PraisonAIModel, request: Any) -> Any:
        raise QueueFull(0)   # handled: the app answers 503, raising nothing

    monkeypatch.setattr(PraisonAIModel, "submit", full)
    with pytest.raises(StateError, match=r"cannot be restored: entry \d+ \(request\) POST /api/v1/runs answered "
                                         r"503, not 202 as when recorded$"):
        Mock(["praisonai"], state=path)
