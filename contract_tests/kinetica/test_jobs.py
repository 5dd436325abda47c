"""Asynchronous jobs: /create/job and /get/job."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contract_tests.kinetica.client import (
    KineticaTarget,
    avro_decode,
    avro_encode,
    check_refusal_status,
    full_request,
    to_avro_form,
)
from contract_tests.violation import advise
from mockserver.spec.loader import kinetica_avro, kinetica_wrapper_avro

clause = pytest.mark.clause

JOB_STATUSES = {"RUNNING", "DONE", "ERROR", "CANCELLED"}
FINAL = JOB_STATUSES - {"RUNNING"}


def create_job(kin: KineticaTarget, endpoint: str, request: dict[str, Any], *, binary: bool = False) -> dict:
    if binary:
        schema, _ = kinetica_avro(endpoint)
        payload = avro_encode(schema, full_request(endpoint, to_avro_form(request, schema)))
        body = {"endpoint": endpoint, "request_encoding": "binary", "data": payload.decode("latin-1"),
                "data_str": "", "options": {}}
    else:
        body = {"endpoint": endpoint, "request_encoding": "json", "data": "", "data_str": json.dumps(request),
                "options": {}}
    return kin.call("/create/job", body).expect_ok()


def get_job(kin: KineticaTarget, job_id: int, options: dict[str, str] | None = None) -> dict[str, Any]:
    return kin.call("/get/job", {"job_id": job_id, "options": options or {}}).expect_ok()


def check_job(job: dict[str, Any]) -> None:
    state = job.get("job_status")
    assert state in JOB_STATUSES, f"expected job_status among {sorted(JOB_STATUSES)}; got {state!r}"
    assert job.get("running") is (state == "RUNNING"), f"expected running == (RUNNING); got {job}"
    assert job.get("successful") is (state == "DONE"), f"expected successful == (DONE); got {job}"
    progress = job.get("progress")
    assert isinstance(progress, int) and 0 <= progress <= 100, f"expected progress in 0..100; got {progress!r}"
    has_error = "error_message" in job.get("status_map", {})
    assert has_error is (state == "ERROR"), f"expected status_map.error_message exactly for ERROR; got {job}"
    if state == "ERROR":
        assert job["status_map"]["error_message"].strip(), "expected error_message to explain the error"
    encoding = job.get("response_encoding")
    if state == "DONE":
        assert encoding in ("json", "binary"), f"expected response_encoding json or binary; got {encoding!r}"
        filled, empty = ("job_response_str", "job_response") if encoding == "json" else (
            "job_response", "job_response_str")
        assert job.get(filled), f"expected the result in {filled} for encoding {encoding}; got {job}"
        assert not job.get(empty), f"expected {empty} to stay empty for encoding {encoding}; got {job}"
    elif state == "RUNNING":
        # An ERROR or CANCELLED job may carry what its endpoint answered: get_job.md:91,95 fill the
        # fields "when the job has completed", which those states may or may not count as.
        assert not job.get("job_response") and not job.get("job_response_str"), (
            f"expected no job response while the job runs; got {job}")


def job_result(job: dict[str, Any]) -> dict[str, Any]:
    """The endpoint's response record a DONE job carries, whichever of the pages' open choices the
    target made: JSON or binary (get_job.md:83-88 leaves the encoding to the server), and the record
    alone or inside its response wrapper (get_job.md:90-96 says "the response", not which form)."""
    endpoint = job["endpoint"]
    _, response_schema = kinetica_avro(endpoint)
    if job["response_encoding"] == "json":
        value = json.loads(job["job_response_str"])
        if isinstance(value, dict) and {"status", "data_str"} <= set(value):
            assert value["status"] == "OK", f"expected the wrapped response to be OK; got {value}"
            value = json.loads(value["data_str"])
        assert isinstance(value, dict), f"expected a JSON object in job_response_str; got {value!r}"
        return value
    raw = job["job_response"].encode("latin-1")
    try:
        return dict(avro_decode(response_schema, raw))
    except Exception:  # not the bare record: the Avro response wrapper around it
        wrapper = avro_decode(kinetica_wrapper_avro(), raw)
        assert wrapper["status"] == "OK", f"expected the wrapped response to be OK; got {wrapper}"
        return dict(avro_decode(response_schema, wrapper["data"]))


def wait_job(kin: KineticaTarget, job_id: int) -> dict[str, Any]:
    history: list[dict[str, Any]] = []

    def probe() -> dict[str, Any]:
        job = get_job(kin, job_id)
        check_job(job)
        if history:
            before = history[-1]
            advise("KIN-JOB-012", job["progress"] >= before["progress"], f"progress went back: {before} -> {job}")
            if before["job_status"] in FINAL:
                assert job["job_status"] == before["job_status"], f"expected a final job to stay final: {job}"
        history.append(job)
        return job

    return kin.wait_for(probe, lambda j: j["job_status"] in FINAL, what=f"job {job_id} to finish")


@clause("KIN-JOB-001", "KIN-JOB-002", "KIN-JOB-003", "KIN-JOB-004", "KIN-JOB-006", "KIN-JOB-007",
        "KIN-JOB-008", "KIN-JOB-009", "KIN-JOB-012")
def test_json_job_runs_to_done_with_the_endpoint_response(kin: KineticaTarget) -> None:
    proc = kin.create_proc()
    created = create_job(kin, "/has/proc", {"proc_name": proc, "options": {}})
    job_id = created.get("job_id")
    assert isinstance(job_id, int), f"expected a numeric job_id; got {created}"
    other = create_job(kin, "/has/proc", {"proc_name": proc, "options": {}})["job_id"]
    assert other != job_id, "expected distinct job ids"
    job = wait_job(kin, job_id)
    assert job["endpoint"] == "/has/proc", f"expected endpoint /has/proc; got {job['endpoint']!r}"
    assert job["job_status"] == "DONE", f"expected DONE; got {job}"
    response = job_result(job)
    assert response.get("proc_exists") is True and response.get("proc_name") == proc, (
        f"expected the endpoint's own response; got {response}")


@clause("KIN-JOB-004", "KIN-JOB-009")
def test_binary_job_gives_the_endpoint_response(kin: KineticaTarget) -> None:
    proc = kin.create_proc()
    job_id = create_job(kin, "/has/proc", {"proc_name": proc, "options": {}}, binary=True)["job_id"]
    job = wait_job(kin, job_id)
    assert job["job_status"] == "DONE", f"expected DONE; got {job}"
    decoded = job_result(job)
    assert decoded["proc_exists"] is True and decoded["proc_name"] == proc, f"expected has_proc's answer; got {decoded}"


@clause("KIN-JOB-005", "KIN-JOB-003", "KIN-JOB-008")
def test_job_of_a_failing_request_ends_in_error(kin: KineticaTarget) -> None:
    body = {"proc_name": kin.unique("absent"), "params": {}, "bin_params": {}, "input_table_names": [],
            "input_column_names": {}, "output_table_names": [], "options": {}}
    created = kin.call("/create/job", {"endpoint": "/execute/proc", "request_encoding": "json", "data": "",
                                       "data_str": json.dumps(body), "options": {}})
    if created.is_error:
        return  # refused at once: whether /create/job looks inside its request is open
    job = wait_job(kin, created.expect_ok()["job_id"])
    assert job["job_status"] == "ERROR", f"expected ERROR for a request its endpoint refuses; got {job}"
    assert job["successful"] is False


@clause("KIN-JOB-005")
def test_job_of_an_unknown_endpoint_is_refused_or_ends_in_error(kin: KineticaTarget) -> None:
    answer = kin.call("/create/job", {"endpoint": "/ct/no/such/endpoint", "request_encoding": "json",
                                      "data": "", "data_str": "{}", "options": {}})
    if answer.is_error:
        return
    job = wait_job(kin, answer.expect_ok()["job_id"])
    assert job["job_status"] == "ERROR", f"expected an unknown endpoint to end in ERROR; got {job}"


@clause("KIN-JOB-010")
def test_job_tag_from_create_job_is_accepted(kin: KineticaTarget) -> None:
    created = create_job(kin, "/show/system/status", {"options": {}})
    tag = created.get("info", {}).get("job_tag") or created.get("job_tag")
    if not tag:
        pytest.skip("the target gives back no job_tag (the contract does not say where it would be)")
    job = get_job(kin, created["job_id"], {"job_tag": tag})
    check_job(job)


@clause("KIN-JOB-011")
def test_unknown_job_id_is_an_error(kin: KineticaTarget) -> None:
    answer = kin.call("/get/job", {"job_id": 987_654_321_012, "options": {}})
    answer.expect_error()
    check_refusal_status(answer.http_status)
