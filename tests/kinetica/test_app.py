"""The ASGI app: routing on path suffixes, both encodings, the ERROR wrapper, jobs, the status cache."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from mockserver.clock import Clock
from mockserver.kinetica import wire
from mockserver.kinetica.app import STATUS_CACHE_BYTES, KineticaApp, create_kinetica_app
from mockserver.kinetica.models import KineticaModel
from mockserver.server import ServerThread
from mockserver.spec.loader import kinetica_avro
from tests.asgi import SyncASGIClient
from tests.kinetica.conftest import api, create_proc_req, execute_req, status_req

HEADERS = {wire.JSON: {"Content-Type": "application/json"},
           wire.BINARY: {"Content-Type": "application/octet-stream"}}


@pytest.fixture
def app(model: KineticaModel) -> KineticaApp:
    return create_kinetica_app(model, max_body_bytes=64 * 1024)


class AppClient(SyncASGIClient):
    """Requests straight into the Kinetica app, at the client's default address."""

    def __init__(self, app: KineticaApp) -> None:
        super().__init__(app, base_url="http://127.0.0.1:9191")


@pytest.fixture
def client(app: KineticaApp) -> Iterator[AppClient]:
    client = AppClient(app)
    yield client
    client.close()


def call(client: AppClient, path: str, record: dict[str, Any], encoding: str = wire.JSON,
         endpoint: str | None = None) -> tuple[int, dict[str, Any], dict[str, Any] | None]:
    """POST a request; (HTTP status, wrapper, decoded response record or None)."""
    endpoint = endpoint or path
    body = wire.encode_request(endpoint, record, encoding)
    return post(client, path, body, encoding, endpoint)


def post(client: AppClient, path: str, body: bytes, encoding: str, endpoint: str | None = None
         ) -> tuple[int, dict[str, Any], dict[str, Any] | None]:
    answer = client.post(path, content=body, headers=HEADERS[encoding])
    assert answer.headers["content-type"] == wire.MEDIA_TYPES[encoding]
    wrapper = wire.decode_wrapper(answer.content, encoding)
    assert set(wrapper) == {"status", "message", "data_type", "data", "data_str"}
    record = None
    if wrapper["status"] == "OK":
        payload = wrapper["data_str"] if encoding == wire.JSON else wrapper["data"]
        record = wire.decode_response_record(endpoint or path, payload, encoding)
    return answer.status_code, wrapper, record


def assert_error(status: int, wrapper: dict[str, Any], fragment: str, code: int = 400) -> None:
    assert status == code
    assert wrapper["status"] == "ERROR" and wrapper["data_type"] == "none"
    assert wrapper["data_str"] == "" and not wrapper["data"]
    assert fragment in wrapper["message"]


@pytest.mark.parametrize("encoding", [wire.JSON, wire.BINARY])
def test_lifecycle_over_http_under_a_base_path(client: AppClient, clock: Clock, encoding: str) -> None:
    base = "/gpudb-0"
    status, wrapper, created = call(client, f"{base}/create/proc", create_proc_req(), encoding, "/create/proc")
    assert status == 200 and wrapper["data_type"] == "create_proc_response" and created["proc_name"] == "p"
    _, _, executed = call(client, f"{base}/execute/proc",
                          execute_req("p", {"duration_ms": "1000", "result_n": "5"}, bin_params={"b": b"\xff"}),
                          encoding, "/execute/proc")
    rid = executed["run_id"]
    _, wrapper, answer = call(client, f"{base}/show/proc/status", status_req(rid), encoding, "/show/proc/status")
    assert wrapper["data_type"] == "show_proc_status_response"
    assert answer["overall_statuses"] == {rid: "running"}
    expected = b"\xff" if encoding == wire.BINARY else "\xff"  # JSON carries bytes as latin-1 text
    assert answer["bin_params"][rid]["b"] == expected
    clock.advance(1)
    _, _, answer = call(client, f"{base}/show/proc/status", status_req(rid), encoding, "/show/proc/status")
    assert answer["overall_statuses"] == {rid: "complete"}
    assert answer["results"][rid]["2"] == {"n": "5"}


def test_system_endpoints_over_http(client: AppClient) -> None:
    _, wrapper, props = call(client, "/show/system/properties", {"options": {}}, wire.BINARY)
    assert wrapper["data_type"] == "show_system_properties_response"
    assert props["property_map"]["conf.host0_public_urls"] == "http://127.0.0.1"
    _, _, status = call(client, "/show/system/status", {"options": {}}, wire.JSON)
    assert json.loads(status["status_map"]["system"])["status"] == "running"


@pytest.mark.parametrize("encoding", [wire.JSON, wire.BINARY])
def test_unknown_path_is_404_with_wrapper(client: AppClient, encoding: str) -> None:
    status, wrapper, _ = post(client, "/alter/table", b"{}", encoding)
    assert_error(status, wrapper, "Unknown endpoint /alter/table", code=404)


def test_non_post_and_unsupported_content_type(client: AppClient) -> None:
    answer = client.get("/show/proc", headers=HEADERS[wire.JSON])
    assert answer.status_code == 405 and json.loads(answer.content)["status"] == "ERROR"
    answer = client.post("/show/proc", content=b"{}", headers={"Content-Type": "text/plain"})
    wrapper = json.loads(answer.content)
    assert answer.status_code == 400 and "unsupported Content-Type" in wrapper["message"]


def test_oversized_body_is_refused(client: AppClient, model: KineticaModel) -> None:
    before = model.snapshot()
    record = create_proc_req("big")
    record["files"] = {"big.bin": b"\x00" * (70 * 1024)}
    status, wrapper, _ = call(client, "/create/proc", record, wire.BINARY)
    assert_error(status, wrapper, "larger than this mock's limit", code=413)
    assert model.snapshot() == before


# -- bad input on every route, state unchanged ----------------------------------------------------
ENDPOINTS = wire.served_endpoints()


def _wrong_types(endpoint: str) -> dict[str, Any]:
    """A JSON request whose first field has a value of the wrong type."""
    request, _ = kinetica_avro(endpoint)
    first = request["fields"][0]
    kind = first["type"] if isinstance(first["type"], str) else first["type"]["type"]
    wrong = {"string": 12, "bytes": 12, "long": "twelve", "int": "twelve", "boolean": "yes",
             "map": ["a"], "array": "a"}[kind]
    return {first["name"]: wrong}


@pytest.fixture
def populated(client: AppClient, model: KineticaModel, clock: Clock) -> KineticaModel:
    call(client, "/create/proc", create_proc_req("p"))
    call(client, "/execute/proc", execute_req("p", {"duration_ms": "10"}))
    clock.advance(1)
    call(client, "/execute/proc", execute_req("p", {"hang": "true"}))
    inner = wire.encode_request("/has/proc", {"proc_name": "p", "options": {}}, wire.JSON).decode()
    call(client, "/create/job", {"endpoint": "/has/proc", "request_encoding": "json", "data": b"",
                                 "data_str": inner, "options": {}})
    return model


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_bad_input_on_every_route(client: AppClient, populated: KineticaModel, endpoint: str) -> None:
    before = populated.snapshot()
    good = wire.encode_request(endpoint, {"options": {}, **_valid_minimum(endpoint)}, wire.BINARY)
    cases = [
        (b"{oops", wire.JSON, "not valid JSON"),
        (json.dumps(_wrong_types(endpoint)).encode(), wire.JSON, "must be"),
        (b'{"options": {}, "surprise": true}', wire.JSON, "unknown field"),
        (b"\xff\xff\xff", wire.BINARY, "not a valid Avro"),
        (good + b"\x07", wire.BINARY, "unread byte"),
    ]
    for body, encoding, fragment in cases:
        status, wrapper, _ = post(client, endpoint, body, encoding)
        assert_error(status, wrapper, fragment)
    assert populated.snapshot() == before


def _valid_minimum(endpoint: str) -> dict[str, Any]:
    request, _ = kinetica_avro(endpoint)
    zero = {"string": "", "bytes": b"", "long": 0, "int": 0, "boolean": False, "map": {}, "array": []}
    return {f["name"]: zero[f["type"] if isinstance(f["type"], str) else f["type"]["type"]]
            for f in request["fields"]}


UNKNOWN_NAMES = [
    ("/show/proc", {"proc_name": "ghost", "options": {}}, "does not exist"),
    ("/delete/proc", {"proc_name": "ghost", "options": {}}, "does not exist"),
    ("/execute/proc", execute_req("ghost"), "does not exist"),
    ("/create/proc", create_proc_req("p"), "already exists"),
    ("/get/job", {"job_id": 4242, "options": {}}, "does not exist"),
    ("/get/job", {"job_id": 1, "options": {"job_tag": "ghost"}}, "ghost"),
    ("/create/job", {"endpoint": "/has/proc", "request_encoding": "xml", "data": b"", "data_str": "",
                     "options": {}}, "request_encoding"),
    ("/has/proc", {"proc_name": "", "options": {}}, "must not be empty"),
    ("/show/proc/status", {"run_id": "", "options": {"clear_complete": "perhaps"}}, "clear_complete"),
    ("/kill/proc", {"run_id": "", "options": {"clear_execute_at_startup": "perhaps"}}, "clear_execute"),
]


@pytest.mark.parametrize(("endpoint", "record", "fragment"), UNKNOWN_NAMES,
                         ids=[f"{e}-{f}" for e, _, f in UNKNOWN_NAMES])
@pytest.mark.parametrize("encoding", [wire.JSON, wire.BINARY])
def test_unknown_names_and_bad_values(client: AppClient, populated: KineticaModel, endpoint: str,
                                      record: dict[str, Any], fragment: str, encoding: str) -> None:
    before = populated.snapshot()
    status, wrapper, _ = call(client, endpoint, record, encoding)
    assert_error(status, wrapper, fragment)
    assert populated.snapshot() == before


def test_unknown_run_ids_are_not_errors(client: AppClient, populated: KineticaModel) -> None:
    before = populated.snapshot()
    status, _, answer = call(client, "/show/proc/status", status_req("4242"))
    assert status == 200 and answer["overall_statuses"] == {} and answer["statuses"] == {}
    status, _, killed = call(client, "/kill/proc", {"run_id": "4242", "options": {}})
    assert status == 200 and killed["run_ids"] == []
    assert populated.snapshot() == before


# -- the status cache -------------------------------------------------------------------------------
def test_finished_status_is_served_from_cache_but_never_stale(client: AppClient, app: KineticaApp,
                                                               model: KineticaModel, clock: Clock) -> None:
    call(client, "/create/proc", create_proc_req())
    _, _, executed = call(client, "/execute/proc", execute_req("p", {"duration_ms": "5"}))
    rid = executed["run_id"]
    clock.advance(1)
    first = client.post("/show/proc/status", content=wire.encode_request(
        "/show/proc/status", status_req(rid), wire.BINARY), headers=HEADERS[wire.BINARY]).content
    assert app._status_cache  # the finished answer was stored
    again = client.post("/show/proc/status", content=wire.encode_request(
        "/show/proc/status", status_req(rid), wire.BINARY), headers=HEADERS[wire.BINARY]).content
    assert again == first
    # clear_complete forgets the run: the cache must not bring it back
    call(client, "/show/proc/status", status_req("", clear_complete="true"))
    _, _, answer = call(client, "/show/proc/status", status_req(rid), wire.BINARY)
    assert answer["overall_statuses"] == {}
    # after a reset the old run is gone (its id is never handed out again), cached or not
    call(client, "/execute/proc", execute_req("p", {"duration_ms": "5"}))
    clock.advance(1)
    call(client, "/show/proc/status", status_req(""), wire.BINARY)
    model.reset()
    call(client, "/create/proc", create_proc_req())
    _, _, executed = call(client, "/execute/proc", execute_req("p", {"duration_ms": "5", "fail_segments": "all"}))
    assert executed["run_id"] != rid
    clock.advance(1)
    _, _, answer = call(client, "/show/proc/status", status_req(rid), wire.BINARY)
    assert answer["overall_statuses"] == {}
    _, _, answer = call(client, "/show/proc/status", status_req(executed["run_id"]), wire.BINARY)
    assert answer["overall_statuses"] == {executed["run_id"]: "error"}


# -- jobs over HTTP -----------------------------------------------------------------------------------
@pytest.mark.parametrize("inner", [wire.JSON, wire.BINARY])
def test_job_runs_an_inner_endpoint_to_done(client: AppClient, clock: Clock, inner: str) -> None:
    call(client, "/create/proc", create_proc_req())
    payload = wire.encode_request("/execute/proc", execute_req("p", {"duration_ms": "0"}), inner)
    job = {"endpoint": "/execute/proc", "request_encoding": inner,
           "data": payload if inner == wire.BINARY else b"",
           "data_str": payload.decode() if inner == wire.JSON else "", "options": {}}
    _, _, created = call(client, "/create/job", job, wire.BINARY)
    job_id = created["job_id"]
    _, _, running = call(client, "/get/job", {"job_id": job_id, "options": {}}, wire.JSON)
    assert running["job_status"] == "RUNNING" and running["running"] is True
    clock.advance(1)
    _, _, done = call(client, "/get/job", {"job_id": job_id, "options": {}}, wire.JSON)
    assert done["job_status"] == "DONE" and done["progress"] == 100 and done["response_encoding"] == inner
    response = (wire.decode_response_record("/execute/proc", done["job_response_str"], wire.JSON)
                if inner == wire.JSON
                else wire.decode_response_record("/execute/proc", done["job_response"].encode("latin-1"),
                                                 wire.BINARY))
    _, _, answer = call(client, "/show/proc/status", status_req(response["run_id"]))
    assert answer["overall_statuses"] == {response["run_id"]: "complete"}


@pytest.mark.parametrize(("endpoint", "data_str", "fragment"), [
    ("/alter/table", "{}", "not served"),
    ("/execute/proc", json.dumps(wire.to_json_form(execute_req("ghost"))), "'ghost' does not exist"),
    ("/execute/proc", "{broken", "not valid JSON"),
])
def test_job_ends_in_error(client: AppClient, clock: Clock, endpoint: str, data_str: str, fragment: str) -> None:
    _, _, created = call(client, "/create/job", {"endpoint": endpoint, "request_encoding": "json", "data": b"",
                                                 "data_str": data_str, "options": {}})
    clock.advance(1)
    _, _, failed = call(client, "/get/job", {"job_id": created["job_id"], "options": {}}, wire.BINARY)
    assert failed["job_status"] == "ERROR" and failed["successful"] is False
    assert fragment in failed["status_map"]["error_message"]


def test_lifespan_startup_leaves_the_database_start_to_the_mock(model: KineticaModel) -> None:
    app = create_kinetica_app(model)
    api(model).create_proc(create_proc_req())
    auto = api(model).execute_proc(execute_req("p", {"hang": "true"}, execute_at_startup="true"))["run_id"]
    with ServerThread(app):  # uvicorn sends lifespan.startup
        assert auto not in model.runs()   # the Mock starts them, once (tests/test_runtime.py)


def test_status_cache_is_bounded_by_bytes_not_entries(client: AppClient, app: KineticaApp,
                                                      clock: Clock) -> None:
    call(client, "/create/proc", create_proc_req())
    _, _, executed = call(client, "/execute/proc", execute_req("p", {"duration_ms": "5"}))
    clock.advance(1)
    padding = "o" * 40_000
    for n in range(300):  # 300 distinct ~40 KB polls of one finished run: 12 MB if all were kept
        request = {"run_id": executed["run_id"], "options": {f"pad{n}": padding}}
        assert call(client, "/show/proc/status", request)[0] == 200
    kept = sum(len(key[1]) + len(value[1]) for key, value in app._status_cache.items())
    assert 0 < kept <= STATUS_CACHE_BYTES


def test_a_body_the_client_abandons_is_never_acted_on(app: KineticaApp, model: KineticaModel) -> None:
    messages = [{"type": "http.request", "body": b'{"proc_name":"half"}', "more_body": True},
                {"type": "http.disconnect"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/create/proc", "headers": [
        (b"content-type", b"application/json"), (b"content-length", b"100")]}
    asyncio.run(app(scope, receive, send))
    assert sent == [] and model.has_proc("half") is False
