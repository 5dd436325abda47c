"""The unmodified official client (`gpudb`) against the mock on a real socket, in both encodings.

The gpudb client does not raise on an ERROR response: it returns it with
`status_info.status == "ERROR"`. It raises on transport-level trouble (404, 5xx, 401), which is why
the mock must answer logical errors with 400.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

gpudb = pytest.importorskip("gpudb")

from mockserver.clock import Clock  # noqa: E402
from mockserver.kinetica import wire  # noqa: E402
from mockserver.kinetica.app import create_kinetica_app  # noqa: E402
from mockserver.kinetica.models import KineticaModel  # noqa: E402
from mockserver.scenario import ScenarioStore  # noqa: E402
from mockserver.server import ServerThread  # noqa: E402
from tests.kinetica.conftest import T0  # noqa: E402

UDF_BYTES = b"# the mock never runs this\n\xff\x00"


def udf_files() -> dict[str, bytes]:
    # A fresh dict per call: in JSON mode the client rewrites bytes values in place.
    return {"conformance_proc.py": UDF_BYTES}


@dataclass
class Env:
    db: Any
    clock: Clock
    model: KineticaModel
    encoding: str
    url: str


@pytest.fixture(params=["BINARY", "JSON"])
def env(request: pytest.FixtureRequest) -> Iterator[Env]:
    clock = Clock(T0, frozen=True)
    model = KineticaModel(clock, ScenarioStore())
    with ServerThread(create_kinetica_app(model)) as server:
        db = gpudb.GPUdb(host=server.url + "/gpudb-0",
                         options=gpudb.GPUdb.Options({"encoding": request.param, "timeout": 10}))
        yield Env(db, clock, model, request.param, server.url)


def ok(response: Any) -> Any:
    assert response["status_info"]["status"] == "OK", response["status_info"]["message"]
    return response


def create(env: Env, name: str = "conformance_proc", mode: str = "distributed") -> None:
    ok(env.db.create_proc(name, mode, udf_files(), "python", ["conformance_proc.py"], {}))


def execute(env: Env, params: dict[str, str], name: str = "conformance_proc", **options: str) -> str:
    return ok(env.db.execute_proc(name, params, {}, [], {}, [], options))["run_id"]


def test_connects_with_default_options() -> None:
    clock = Clock(T0, frozen=True)
    with ServerThread(create_kinetica_app(KineticaModel(clock, ScenarioStore()))) as server:
        db = gpudb.GPUdb(host=server.url)
        assert str(db.server_version).startswith("7.2.3")
        assert db.get_url() == server.url
        assert ok(db.show_system_status())["status_map"]["system"] == '{"status":"running"}'


def test_procs_create_has_show(env: Env) -> None:
    create(env)
    assert ok(env.db.has_proc("conformance_proc"))["proc_exists"] is True
    assert ok(env.db.has_proc("other"))["proc_exists"] is False
    shown = ok(env.db.show_proc("conformance_proc", {"include_files": "true"}))
    assert shown["proc_names"] == ["conformance_proc"] and shown["commands"] == ["python"]
    files = shown["files"][0]["conformance_proc.py"]
    assert (files if isinstance(files, bytes) else files.encode("latin-1")) == UDF_BYTES
    duplicate = env.db.create_proc("conformance_proc", "distributed", {}, "", [], {})
    assert duplicate["status_info"]["status"] == "ERROR" and "already exists" in duplicate["status_info"]["message"]


def test_execute_and_poll_until_complete(env: Env) -> None:
    create(env)
    rid = execute(env, {"duration_ms": "3000", "stdout_lines": "3", "stderr_lines": "1", "result_rows": "7"})
    seen = []
    for _ in range(10):
        answer = ok(env.db.show_proc_status(rid, {}))
        seen.append(answer["overall_statuses"][rid])
        if seen[-1] == "complete":
            break
        env.clock.advance(1.0)
    assert seen[0] == "running" and seen[-1] == "complete" and len(seen) == 4
    assert set(answer["statuses"][rid].values()) == {"complete"}
    assert answer["results"][rid]["0"] == {"rows": "7"}
    assert answer["output"][rid]["1"] == {"stdout": ["stdout line 1", "stdout line 2", "stdout line 3"],
                                          "stderr": ["stderr line 1"]}
    assert answer["params"][rid]["duration_ms"] == "3000"


def test_failing_segment_ends_in_error_with_message(env: Env) -> None:
    create(env)
    rid = execute(env, {"duration_ms": "100", "fail_segments": "2", "fail_message": "boom on 2"})
    env.clock.advance(1)
    answer = ok(env.db.show_proc_status(rid, {}))
    assert answer["overall_statuses"][rid] == "error"
    assert answer["statuses"][rid]["2"] == "error" and answer["messages"][rid]["2"] == "boom on 2"
    assert answer["statuses"][rid]["0"] == "complete"


def test_hanging_runs_killed_by_run_id_and_by_run_tag(env: Env) -> None:
    create(env)
    by_id = execute(env, {"hang": "true"})
    tagged = [execute(env, {"hang": "true"}, run_tag="batch-7") for _ in range(2)]
    bystander = execute(env, {"hang": "true"}, run_tag="other")
    env.clock.advance(3600)
    assert ok(env.db.show_proc_status(by_id, {}))["overall_statuses"][by_id] == "running"
    assert ok(env.db.kill_proc(by_id, {}))["run_ids"] == [by_id]
    assert sorted(ok(env.db.kill_proc("", {"run_tag": "batch-7"}))["run_ids"]) == sorted(tagged)
    answer = ok(env.db.show_proc_status("", {}))
    assert {r: answer["overall_statuses"][r] for r in [by_id, *tagged, bystander]} == {
        by_id: "killed", tagged[0]: "killed", tagged[1]: "killed", bystander: "running"}
    assert ok(env.db.kill_proc(by_id, {}))["run_ids"] == []  # already finished


def test_clear_complete(env: Env) -> None:
    create(env)
    done = execute(env, {"duration_ms": "10"})
    env.clock.advance(1)
    busy = execute(env, {"hang": "true"})
    first = ok(env.db.show_proc_status("", {"clear_complete": "true"}))
    assert set(first["overall_statuses"]) == {done, busy}
    second = ok(env.db.show_proc_status("", {"clear_complete": "true"}))
    assert set(second["overall_statuses"]) == {busy}


def test_delete_proc(env: Env) -> None:
    create(env)
    rid = execute(env, {"hang": "true"})
    assert ok(env.db.delete_proc("conformance_proc", {}))["proc_name"] == "conformance_proc"
    assert ok(env.db.has_proc("conformance_proc"))["proc_exists"] is False
    assert ok(env.db.show_proc_status(rid, {}))["overall_statuses"][rid] == "killed"
    gone = env.db.delete_proc("conformance_proc", {})
    assert gone["status_info"]["status"] == "ERROR" and "does not exist" in gone["status_info"]["message"]
    # a logical error is not a dead node: the client keeps using the same URL
    assert ok(env.db.has_proc("x"))["proc_exists"] is False


def _inner_request(env: Env, endpoint: str, datum: dict[str, Any], encoding: str) -> bytes | str:
    """The inner request, encoded by the client's own encoder where it can (a JSON-mode client
    cannot write Avro binary, so that one case uses the mock's fastavro encoder)."""
    if encoding == "binary" and env.encoding == "JSON":
        return wire.encode_request(endpoint, datum, wire.BINARY)
    return env.db.encode_datum_cext(env.db.gpudb_schemas[endpoint]["REQ_SCHEMA"], datum, encoding)


@pytest.mark.parametrize("inner", ["binary", "json"])
def test_jobs_to_done_and_to_error(env: Env, inner: str) -> None:
    create(env)
    datum = {"proc_name": "conformance_proc", "params": {"duration_ms": "0"}, "bin_params": {},
             "input_table_names": [], "input_column_names": {}, "output_table_names": [], "options": {}}
    payload = _inner_request(env, "/execute/proc", datum, inner)
    data, data_str = (payload, "") if inner == "binary" else (b"", payload)
    job_id = ok(env.db.create_job("/execute/proc", inner, data, data_str, {}))["job_id"]
    assert ok(env.db.get_job(job_id))["job_status"] == "RUNNING"
    env.clock.advance(1)
    done = ok(env.db.get_job(job_id))
    assert done["job_status"] == "DONE" and done["successful"] is True and done["response_encoding"] == inner
    if inner == "json":
        run_id = json.loads(done["job_response_str"])["run_id"]
    else:
        raw = done["job_response"]
        raw = raw if isinstance(raw, bytes) else raw.encode("latin-1")  # JSON carries bytes as text
        run_id = env.db.gpudb_schemas["/execute/proc"]["RSP_SCHEMA"].decode(raw)["run_id"]
    assert ok(env.db.show_proc_status(run_id, {}))["overall_statuses"][run_id] == "complete"

    bad = _inner_request(env, "/execute/proc", {**datum, "proc_name": "ghost"}, inner)
    data, data_str = (bad, "") if inner == "binary" else (b"", bad)
    failing = ok(env.db.create_job("/execute/proc", inner, data, data_str, {}))["job_id"]
    env.clock.advance(1)
    err = ok(env.db.get_job(failing))
    assert err["job_status"] == "ERROR" and "'ghost' does not exist" in err["status_map"]["error_message"]
    missing = env.db.get_job(failing + 100)
    assert missing["status_info"]["status"] == "ERROR"


def test_unserved_endpoint_is_reported_as_not_found(env: Env) -> None:
    with pytest.raises(gpudb.GPUdbException, match="Endpoint not found"):
        env.db.has_table("some_table")
    assert ok(env.db.has_proc("x"))["proc_exists"] is False  # and the client carries on
