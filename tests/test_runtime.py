"""The composition: Mock (in-process ASGI) and MockServer (real sockets), with the real Kinetica API."""

from __future__ import annotations

import json
import threading
import time

import gpudb
import httpx
import pytest

from mockserver.auth import AuthConfig
from mockserver.clock import Clock
from mockserver.kinetica import wire
from mockserver.runtime import Mock, MockServer, find_preset, scenario_presets
from mockserver.scenario import ScenarioError
from tests.control.control_helpers import T0, Client, create_proc, execute_proc, run_status


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown API"):
        Mock(["kinetica", "oracle"])
    with pytest.raises(ValueError, match="profile"):
        Mock(["kinetica"], profile="vibes")
    with pytest.raises(ValueError, match="segments"):
        Mock(["kinetica"], segments=0)
    with pytest.raises(ScenarioError, match="no such scenario file or preset"):
        Mock(["kinetica"], scenario="no-such-preset")
    with pytest.raises(ValueError, match="does not serve"):
        Mock(["kinetica"]).asgi("praisonai")


def test_segments_option_holds_for_the_started_scenario_and_after_reset() -> None:
    mock = Mock(["kinetica"], segments=2, clock=Clock(T0, frozen=True))
    client = Client(mock.asgi("kinetica"))
    try:
        create_proc(client)
        run_id = execute_proc(client)
        assert len(run_status(client, run_id)["statuses"][run_id]) == 2
        mock.reset()
        create_proc(client)
        run_id = execute_proc(client)
        assert len(run_status(client, run_id)["statuses"][run_id]) == 2
    finally:
        client.close()


def test_scenario_from_a_preset_name_or_a_path(tmp_path) -> None:
    presets = scenario_presets()
    assert "kinetica/failing_segment" in presets
    assert find_preset("failing_segment") == presets["kinetica/failing_segment"]
    by_name = Mock(["kinetica"], scenario="kinetica/failing_segment")
    assert by_name.scenario.current.source == str(presets["kinetica/failing_segment"])
    own = tmp_path / "mine.yaml"
    own.write_text("name: mine\nkinetica: {segments: 3}\n")
    by_path = Mock(["kinetica"], scenario=own)
    assert by_path.scenario_info()["name"] == "mine"
    by_path.load_scenario_text("name: other\n")
    by_path.reset()
    assert by_path.scenario_info()["name"] == "mine"


def test_auth_refuses_at_the_door_before_faults_count_and_the_journal_sees_both() -> None:
    mock = Mock(["kinetica"], auth=AuthConfig(bearer="tok"))
    mock.faults.add({"action": "status", "path": "/has/proc", "status": 503, "first": 1})
    client = Client(mock.asgi("kinetica"))
    token = {"authorization": "Bearer tok"}
    try:
        body = {"proc_name": "p", "options": {}}
        # An anonymous request is refused before it can use up the fault meant for real clients.
        assert client.post("/has/proc", json=body).status_code == 401
        assert client.post("/has/proc", json=body, headers=token).status_code == 503
        assert client.post("/has/proc", json=body, headers=token).status_code == 200
        # The control plane needs the credentials too.
        assert client.get("/_mock/state").status_code == 401
        assert client.get("/_mock/state", headers=token).json()["auth"] == {
            "enabled": True, "basic": False, "bearer": True}
    finally:
        client.close()
    assert [e["status"] for e in mock.journal.entries()] == [401, 503, 200]


def test_kinetica_401_is_the_error_wrapper_in_the_request_encoding() -> None:
    mock = Mock(["kinetica"], auth=AuthConfig(basic=("u", "p")))
    client = Client(mock.asgi("kinetica"))
    try:
        as_json = client.post("/has/proc", json={"proc_name": "p", "options": {}})
        as_avro = client.post("/has/proc", content=b"\x02p\x00",
                              headers={"content-type": "application/octet-stream"})
    finally:
        client.close()
    for response, encoding in ((as_json, wire.JSON), (as_avro, wire.BINARY)):
        assert response.status_code == 401
        assert response.headers["content-type"] == wire.MEDIA_TYPES[encoding]
        wrapper = wire.decode_wrapper(response.content, encoding)
        assert wrapper["status"] == "ERROR" and wrapper["data_type"] == "none"
        assert "Unauthorized" in wrapper["message"]


@pytest.mark.parametrize("encoding", ["BINARY", "JSON"])
def test_gpudb_client_with_and_without_credentials(encoding: str) -> None:
    auth = AuthConfig(basic=("analyst", "pw"), bearer="tok")
    with MockServer(apis=["kinetica"], auth=auth) as server:
        db = gpudb.GPUdb(host=server.url, username="analyst", password="pw", encoding=encoding)
        assert db.has_proc("nothing")["proc_exists"] is False
        options = gpudb.GPUdb.Options()
        options.oauth_token = "tok"
        options.encoding = encoding
        assert gpudb.GPUdb(host=server.url, options=options).has_proc("x")["proc_exists"] is False
        with pytest.raises(gpudb.GPUdbException, match="Unauthorized"):
            gpudb.GPUdb(host=server.url, username="analyst", password="wrong", encoding=encoding)
        assert server.journal.entries(status=401)


def test_both_apis_on_two_ports_share_one_mock() -> None:
    with MockServer(frozen_clock=True) as server:
        assert set(server.urls) == {"kinetica", "praisonai"}
        assert server.url == server.urls["kinetica"] != server.urls["praisonai"]
        assert server.control_url == server.url + "/_mock"
        kinetica, praisonai = (httpx.Client(base_url=server.urls[a], timeout=5)
                               for a in ("kinetica", "praisonai"))
        with kinetica, praisonai:
            assert kinetica.post("/has/proc", json={"proc_name": "p", "options": {}}).json()["status"] == "OK"
            submitted = praisonai.post("/api/v1/runs", json={"prompt": "hi", "config": {"mock_steps": 2}})
            job_id = submitted.json()["job_id"]
            # The clock moved through one port's control plane is the clock of the other API.
            kinetica.post("/_mock/clock/advance", json={"seconds": 30})
            assert praisonai.get(f"/api/v1/runs/{job_id}").json()["status"] == "succeeded"
            assert [e["api"] for e in server.journal.entries()] == ["kinetica", "praisonai", "praisonai"]
            server.faults.add({"action": "status", "status": 500, "api": "praisonai"})
            assert praisonai.get("/health").status_code == 500
            assert kinetica.post("/has/proc", json={"proc_name": "p", "options": {}}).status_code == 200
            server.reset()
            assert server.journal.entries() == [] and server.faults.list() == []
            assert praisonai.get(f"/api/v1/runs/{job_id}").status_code == 404


def test_forwarded_headers_from_a_local_client_do_not_change_the_address_the_mock_reports() -> None:
    # uvicorn trusts X-Forwarded-* from 127.0.0.1 unless told otherwise; on loopback that is anyone.
    with MockServer(frozen_clock=True) as server, httpx.Client(base_url=server.url, timeout=5) as client:
        document = client.get("/openapi.json", headers={"X-Forwarded-Proto": "https",
                                                        "X-Forwarded-For": "203.0.113.7"}).json()
        assert document["servers"] == [{"url": server.url}]


def test_praisonai_401_has_its_detail_shape() -> None:
    mock = Mock(["praisonai"], auth=AuthConfig(bearer="tok"))
    client = Client(mock.asgi("praisonai"))
    try:
        refused = client.get("/health")
        assert refused.status_code == 401 and refused.json() == {"detail": "Not authenticated"}
        assert client.get("/health", headers={"authorization": "Bearer tok"}).status_code == 200
    finally:
        client.close()


def test_in_process_and_served_apps_answer_alike() -> None:
    mock = Mock(["kinetica"], clock=Clock(T0, frozen=True))
    client = Client(mock.asgi("kinetica"))
    try:
        create_proc(client, "p")
        run_id = execute_proc(client, "p")
        in_process = run_status(client, run_id)
    finally:
        client.close()
    with MockServer(mock) as server, httpx.Client(base_url=server.url) as http:
        served = http.post("/show/proc/status", json={"run_id": run_id, "options": {}}).json()
    assert served["status"] == "OK"
    assert json.loads(served["data_str"]) == in_process


def test_stop_is_prompt_with_a_request_held_by_a_hang_fault() -> None:
    server = MockServer(apis=["kinetica"]).start()
    server.faults.add({"action": "hang"})
    errors: list[BaseException] = []

    def held() -> None:
        try:
            httpx.post(server.url + "/has/proc", json={}, timeout=30)
        except httpx.HTTPError as exc:
            errors.append(exc)

    thread = threading.Thread(target=held)
    thread.start()
    deadline = time.monotonic() + 5
    while server.faults.list()[0]["matched"] < 1 and time.monotonic() < deadline:
        time.sleep(0.01)  # a real client thread reaching a real socket
    started = time.monotonic()
    server.stop()
    thread.join(5)
    assert time.monotonic() - started < 3
    assert len(errors) == 1


def test_mock_server_refuses_a_mock_and_options_together() -> None:
    with pytest.raises(TypeError):
        MockServer(Mock(["kinetica"]), segments=2)


def test_praisonai_options_reach_the_model() -> None:
    mock = Mock(["praisonai"], profile="docs", allow_loopback_webhooks=True)
    model = mock.model("praisonai")
    assert model.profile == "docs" and model.allow_loopback_webhooks is True
    assert Mock(["praisonai"]).model("praisonai").profile == "impl"


# -- the assembly: the control plane beside the API's middleware, not inside it ---------------------
def test_the_control_plane_is_never_faulted() -> None:
    mock = Mock(["kinetica"])
    mock.faults.add({"action": "status", "path": "*", "status": 500})
    with Client(mock.asgi("kinetica")) as client:
        assert client.get("/_mock/faults").status_code == 200
        assert client.post("/has/proc", json={"proc_name": "p", "options": {}}).status_code == 500


def test_auth_covers_the_api_and_the_control_plane_alike() -> None:
    mock = Mock(["kinetica"], auth=AuthConfig(bearer="t"))
    with Client(mock.asgi("kinetica")) as client:
        assert client.get("/_mock/state").status_code == 401
        assert client.post("/has/proc", json={"proc_name": "p", "options": {}}).status_code == 401
        token = {"authorization": "Bearer t"}
        assert client.get("/_mock/state", headers=token).status_code == 200
        assert client.post("/has/proc", json={"proc_name": "p", "options": {}}, headers=token).status_code == 200


def test_misbehaviour_breaks_the_api_only_and_its_switch_is_a_control_route() -> None:
    mock = Mock(["praisonai"])
    with Client(mock.asgi("praisonai")) as client:
        assert client.post("/_mock/misbehave", json={"clauses": ["PRA-ERR-002"]}).status_code == 200
        # PRA-ERR-002 renames `detail` in every 4xx answer of the API; the control plane's own
        # errors keep their shape.
        assert "error" in client.get("/api/v1/runs/nope").json()
        assert "error" in client.get("/_mock/nothing-here").json()
        assert client.delete("/_mock/misbehave").json()["clauses"] == []
        assert "detail" in client.get("/api/v1/runs/nope").json()


def test_the_public_surface_is_explicit() -> None:
    import mockserver

    assert mockserver.__all__ == ["Clock", "Mock", "MockError", "MockServer"]
    assert (mockserver.Mock, mockserver.MockServer, mockserver.Clock) == (Mock, MockServer, Clock)


def test_serving_does_not_start_the_database_a_second_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from mockserver.kinetica.models import KineticaModel

    mock = Mock(["kinetica"], frozen_clock=True)   # the database starts here, once
    started: list[object] = []
    original = KineticaModel.startup

    def counted(self: KineticaModel) -> list[str]:
        started.append(self)
        return original(self)

    monkeypatch.setattr(KineticaModel, "startup", counted)
    with MockServer(mock) as server:                # uvicorn sends lifespan.startup
        assert httpx.get(f"{server.url}/_mock/clock").status_code == 200
    assert started == []
