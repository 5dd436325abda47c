"""Latitudes: the switch, its validation, and that each choice really changes what clients see."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mockserver.clock import Clock
from mockserver.runtime import Mock
from mockserver.vary import VariationError, parse_choices
from tests.control.control_helpers import T0, Client, create_proc, execute_proc, run_status


def _kinetica(mock: Mock) -> Client:
    return Client(mock.asgi("kinetica"))


def test_choices_are_parsed_and_checked() -> None:
    assert parse_choices(["LAT-KIN-ERROR-STATUS=200"]) == {"LAT-KIN-ERROR-STATUS": "200"}
    with pytest.raises(VariationError):
        parse_choices(["LAT-KIN-ERROR-STATUS"])
    with pytest.raises(VariationError, match="choices: 400, 200, 422"):
        Mock(vary={"LAT-KIN-ERROR-STATUS": "503"})
    with pytest.raises(VariationError, match="latitudes: "):
        Mock(vary={"LAT-NOPE": "x"})


def test_defaults_are_dropped_and_reported() -> None:
    mock = Mock(vary={"LAT-KIN-ERROR-STATUS": "400", "LAT-KIN-MESSAGES": "reworded"})
    assert mock.variation.choices == {"LAT-KIN-MESSAGES": "reworded"}
    assert mock.snapshot()["vary"] == {"LAT-KIN-MESSAGES": "reworded"}


def test_the_switch_replaces_refuses_bad_input_unchanged_and_keeps_start_only_choices() -> None:
    mock = Mock(clock=Clock(T0, frozen=True), vary={"LAT-KIN-SEGMENTS": "7"})
    client = _kinetica(mock)
    try:
        listed = client.get("/_mock/vary").json()
        assert listed["choices"] == {"LAT-KIN-SEGMENTS": "7"}
        assert {"LAT-KIN-SEGMENTS", "LAT-PRA-JOB-ID"} <= set(listed["start_only"])
        put = client.put("/_mock/vary", json={"choices": {"LAT-KIN-SEGMENTS": "7", "LAT-KIN-ERROR-STATUS": "200"}})
        assert put.status_code == 200 and put.json()["choices"]["LAT-KIN-ERROR-STATUS"] == "200"
        for bad in ({"choices": {"LAT-KIN-ERROR-STATUS": "500"}}, {"choices": ["x"]}, {}):
            refused = client.put("/_mock/vary", json=bad)
            assert refused.status_code == 400 and "error" in refused.json()
        moved = client.put("/_mock/vary", json={"choices": {}})
        assert moved.status_code == 409 and "LAT-KIN-SEGMENTS" in moved.json()["error"]
        assert client.get("/_mock/vary").json()["choices"] == {"LAT-KIN-SEGMENTS": "7",
                                                               "LAT-KIN-ERROR-STATUS": "200"}
        client.post("/_mock/reset")
        assert client.get("/_mock/vary").json()["choices"]["LAT-KIN-ERROR-STATUS"] == "200"  # kept
    finally:
        client.close()


def test_an_error_answer_comes_under_the_chosen_status() -> None:
    for choice, status in (("400", 400), ("200", 200), ("422", 422)):
        client = _kinetica(Mock(vary={"LAT-KIN-ERROR-STATUS": choice}))
        try:
            answer = client.post("/has/proc", json={"proc_name": "", "options": []})
            assert answer.status_code == status and answer.json()["status"] == "ERROR"
        finally:
            client.close()


def test_uuid_run_ids_work_both_ways() -> None:
    client = _kinetica(Mock(clock=Clock(T0, frozen=True), vary={"LAT-KIN-RUN-ID": "uuid"}))
    try:
        create_proc(client)
        run_id = execute_proc(client, hang="true")
        assert len(run_id) == 36 and run_id.count("-") == 4
        assert set(run_status(client, run_id)["overall_statuses"]) == {run_id}
        killed = client.kinetica("/kill/proc", run_id=run_id, options={})
        assert killed["run_ids"] == [run_id]
    finally:
        client.close()


def test_segment_count_and_praisonai_ids_are_chosen_at_start() -> None:
    mock = Mock(clock=Clock(T0, frozen=True), vary={"LAT-KIN-SEGMENTS": "7", "LAT-PRA-JOB-ID": "uuid"})
    client, runs = _kinetica(mock), Client(mock.asgi("praisonai"))
    try:
        create_proc(client)
        assert len(run_status(client, execute_proc(client))["statuses"]) == 1
        assert len(next(iter(run_status(client, "")["statuses"].values()))) == 7
        job_id = runs.post("/api/v1/runs", json={"prompt": "hi"}).json()["job_id"]
        assert len(job_id) == 36 and not job_id.startswith("run_")
    finally:
        client.close()
        runs.close()


def test_reworded_and_reordered_answers_keep_their_content() -> None:
    mock = Mock(vary={"LAT-PRA-MESSAGES": "reworded", "LAT-PRA-KEY-ORDER": "reversed"})
    runs = Client(mock.asgi("praisonai"))
    try:
        missing = runs.get("/api/v1/runs/run_000000000000")
        assert missing.status_code == 404 and "Job not found" not in missing.json()["detail"]
        submitted = runs.post("/api/v1/runs", json={"prompt": "hi"})
        keys = list(json.loads(submitted.content))
        default = list(Client(Mock().asgi("praisonai")).post("/api/v1/runs", json={"prompt": "hi"}).json())
        assert keys == list(reversed(default))
    finally:
        runs.close()


def test_serve_refuses_a_malformed_vary_in_one_line() -> None:
    done = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--vary", "LAT-KIN-ERROR-STATUS"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--vary" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--vary", "LAT-KIN-ERROR-STATUS=9"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "choices: 400, 200, 422" in done.stderr


def test_a_done_job_can_answer_with_the_whole_wrapper() -> None:
    client = _kinetica(Mock(clock=Clock(T0, frozen=True), vary={"LAT-KIN-JOB-RESPONSE": "wrapper"}))
    try:
        create_proc(client)
        job_id = client.kinetica("/create/job", endpoint="/has/proc", request_encoding="json", data="",
                                 data_str=json.dumps({"proc_name": "p", "options": {}}), options={})["job_id"]
        client.post("/_mock/clock/advance", json={"seconds": 3600})
        job = client.kinetica("/get/job", job_id=job_id, options={})
        assert job["job_status"] == "DONE"
        wrapper = json.loads(job["job_response_str"])
        assert wrapper["status"] == "OK" and wrapper["data_type"] == "has_proc_response"
        assert json.loads(wrapper["data_str"])["proc_exists"] is True
    finally:
        client.close()
