"""/_mock/state, /_mock/reset and the inspector's actions; errors in the control plane's JSON shape."""

from __future__ import annotations

from mockserver.clock import Clock
from mockserver.runtime import Mock
from tests.control.control_helpers import T0, Client, create_proc, execute_proc, run_status, submit_run


def test_state_holds_every_part(client, mock) -> None:
    create_proc(client, "p")
    run_id = execute_proc(client, "p")
    state = client.get("/_mock/state").json()
    assert state["apis"] == ["kinetica", "praisonai"]
    assert state["clock"]["now"] == T0 and state["clock"]["frozen"] is True
    assert state["scenario"]["source"] == "<default>"
    assert [p["name"] for p in state["kinetica"]["procs"]] == ["p"]
    assert [r["run_id"] for r in state["kinetica"]["runs"]] == [run_id]
    assert state["praisonai"]["runs"] == []
    assert state["journal"]["size"] == 2
    assert state["auth"]["enabled"] is False


def test_reset_empties_models_journal_faults_and_restores_scenario_and_clock_mode(client, mock) -> None:
    create_proc(client, "p")
    execute_proc(client, "p")
    submit_run(mock)
    client.post("/_mock/faults", json={"action": "status", "path": "/nowhere"})
    client.put("/_mock/scenario", content="name: other\n")
    client.post("/_mock/clock/advance", json={"seconds": 60})
    client.post("/_mock/clock/real")
    state = client.post("/_mock/reset").json()
    assert state["kinetica"]["procs"] == [] and state["kinetica"]["runs"] == []
    assert state["praisonai"]["runs"] == []
    assert state["faults"] == [] and state["journal"]["size"] == 0
    assert state["scenario"]["source"] == "<default>"
    # The mock started frozen: reset freezes it again, without moving time backwards.
    assert state["clock"]["frozen"] is True and state["clock"]["now"] >= T0 + 60
    assert client.post("/has/proc", json={"proc_name": "p", "options": {}}).json()["status"] == "OK"


def test_reset_returns_a_real_time_mock_to_real_time() -> None:
    mock = Mock(["kinetica"])
    mock.clock.freeze()
    mock.reset()
    assert not mock.clock.frozen


def test_kill_a_run_and_fail_a_segment_now(client) -> None:
    create_proc(client, "p")
    run_id = execute_proc(client, "p", hang="true")
    failed = client.post(f"/_mock/kinetica/runs/{run_id}/segments/2/fail", json={"message": "disk full"})
    assert failed.json() == {"run_id": run_id, "segment": 2, "failed": True}
    status = run_status(client, run_id)
    assert status["statuses"][run_id]["2"] == "error" and status["messages"][run_id]["2"] == "disk full"
    assert status["statuses"][run_id]["0"] == "running"
    assert client.post(f"/_mock/kinetica/runs/{run_id}/kill").json() == {"run_id": run_id, "killed": True}
    statuses = run_status(client, run_id)["statuses"][run_id]
    assert statuses["0"] == "killed" and statuses["2"] == "error"
    again = client.post(f"/_mock/kinetica/runs/{run_id}/kill")
    assert again.status_code == 200 and again.json()["killed"] is False
    default_message = client.post(f"/_mock/kinetica/runs/{execute_proc(client, 'p', hang='true')}"
                                  "/segments/0/fail")
    assert default_message.status_code == 200 and default_message.json()["failed"] is True


def test_cancel_a_kinetica_job_and_a_praisonai_run(client, mock) -> None:
    job = client.kinetica("/create/job", endpoint="/has/proc", request_encoding="json", data="",
                          data_str='{"proc_name": "p", "options": {}}', options={})
    cancelled = client.post(f"/_mock/kinetica/jobs/{job['job_id']}/cancel")
    assert cancelled.json() == {"job_id": job["job_id"], "cancelled": True}
    got = client.kinetica("/get/job", job_id=job["job_id"], options={})
    assert got["job_status"] == "CANCELLED"
    job_id = submit_run(mock, config={"mock_hang": True})
    assert client.post(f"/_mock/praisonai/runs/{job_id}/cancel").json() == {
        "job_id": job_id, "cancelled": True, "status": "cancelled"}
    assert mock.model("praisonai").get(job_id).status == "cancelled"
    finished = client.post(f"/_mock/praisonai/runs/{job_id}/cancel")
    assert finished.status_code == 409 and "already cancelled" in finished.json()["error"]


def test_action_errors_are_4xx_json_and_change_nothing(client, mock) -> None:
    create_proc(client, "p")
    run_id = execute_proc(client, "p", hang="true")
    finished_run = submit_run(mock, config={"mock_steps": 1, "mock_step_seconds": 1})
    mock.clock.advance(2)
    before = client.get("/_mock/state").json()["kinetica"]
    cases = [
        ("/_mock/kinetica/runs/999/kill", None, 404),
        ("/_mock/kinetica/runs/999/segments/0/fail", None, 404),
        (f"/_mock/kinetica/runs/{run_id}/segments/9/fail", None, 400),
        (f"/_mock/kinetica/runs/{run_id}/segments/x/fail", None, 400),
        (f"/_mock/kinetica/runs/{run_id}/segments/0/fail", {"message": 5}, 400),
        ("/_mock/kinetica/jobs/77/cancel", None, 404),
        ("/_mock/kinetica/jobs/abc/cancel", None, 400),
        ("/_mock/praisonai/runs/nope/cancel", None, 404),
        (f"/_mock/praisonai/runs/{finished_run}/cancel", None, 409),
    ]
    for path, body, status in cases:
        response = client.post(path, json=body) if body is not None else client.post(path)
        assert response.status_code == status, (path, response.text)
        assert isinstance(response.json()["error"], str) and response.json()["error"]
    assert client.get("/_mock/state").json()["kinetica"] == before
    assert {run["status"] for run in mock.model("praisonai").snapshot()["runs"]} == {"succeeded"}


def test_unknown_routes_methods_and_apis_answer_json_errors(client) -> None:
    missing = client.get("/_mock/nothing-here")
    assert missing.status_code == 404 and "no control route" in missing.json()["error"]
    wrong_method = client.delete("/_mock/clock")
    assert wrong_method.status_code == 405 and "not allowed" in wrong_method.json()["error"]
    only_kinetica = Mock(["kinetica"], clock=Clock(T0, frozen=True))
    c = Client(only_kinetica.asgi("kinetica"))
    try:
        response = c.post("/_mock/praisonai/runs/r1/cancel")
        assert response.status_code == 404 and "does not serve the praisonai" in response.json()["error"]
        assert "praisonai" not in c.get("/_mock/state").json()
    finally:
        c.close()
