"""The response wrapper, error answers and the system endpoints the client needs (JSON encoding)."""

from __future__ import annotations

import json
import re

import pytest

from contract_tests.kinetica.client import WRAPPER_KEYS, Answer, KineticaTarget, check_refusal_status
from contract_tests.violation import advise, checking

clause = pytest.mark.clause


def check_success_wrapper(answer: Answer, record: str) -> dict:
    w = answer.wrapper
    assert isinstance(w, dict), f"expected a JSON wrapper object; got {answer.raw[:200]!r} {answer.problem}"
    assert set(WRAPPER_KEYS) <= set(w), f"expected wrapper keys {WRAPPER_KEYS}; got {sorted(w)}"
    assert w["status"] == "OK", f"expected status OK; got {w['status']!r} ({w.get('message')!r})"
    assert w["message"] == "", f"expected an empty message on success; got {w['message']!r}"
    assert w["data_type"] == record, f"expected data_type {record!r}; got {w['data_type']!r}"
    assert w["data"] == "", f"expected data to be the empty string in JSON; got {w['data']!r}"
    assert isinstance(w["data_str"], str), f"expected data_str to be JSON text; got {type(w['data_str'])}"
    data = json.loads(w["data_str"])
    assert isinstance(data, dict), f"expected data_str to hold a JSON object; got {w['data_str'][:200]!r}"
    # No page gives the status of an OK answer and the client does not read it: any 2xx.
    assert 200 <= answer.http_status < 300, f"expected a 2xx for an OK answer; got {answer.http_status}"
    return data


def check_error_wrapper(answer: Answer) -> str:
    w = answer.wrapper
    assert isinstance(w, dict), (f"expected the ERROR wrapper; got HTTP {answer.http_status} "
                                 f"{answer.raw[:200]!r} {answer.problem}")
    assert set(WRAPPER_KEYS) <= set(w), f"expected wrapper keys {WRAPPER_KEYS}; got {sorted(w)}"
    assert w["status"] == "ERROR", f"expected status ERROR; got {w['status']!r}"
    assert isinstance(w["message"], str) and w["message"].strip(), "expected a message saying what is wrong"
    assert w["data_type"] == "none", f"expected data_type 'none' on error; got {w['data_type']!r}"
    assert w["data_str"] == "", f"expected an empty data_str on error; got {w['data_str']!r}"
    with checking("KIN-WIRE-009"):
        check_refusal_status(answer.http_status)
    return w["message"]


@clause("KIN-WIRE-001", "KIN-WIRE-002", "KIN-WIRE-003", "KIN-WIRE-004", "KIN-WIRE-005", "KIN-WIRE-006")
@pytest.mark.parametrize("endpoint,body,record,promise", [
    ("/has/proc", {"proc_name": "ct_surely_absent", "options": {}}, "has_proc_response", "KIN-PRC-002"),
    ("/show/proc/status", {"run_id": "ct_surely_absent", "options": {}}, "show_proc_status_response",
     "KIN-SPS-002"),
    ("/show/system/status", {"options": {}}, "show_system_status_response", "KIN-SYS-002"),
], ids=["has_proc", "show_proc_status", "show_system_status"])
def test_success_answer_is_the_standard_wrapper(kin: KineticaTarget, endpoint: str, body: dict,
                                                record: str, promise: str) -> None:
    answer = kin.call(endpoint, body)
    with checking(promise):  # the clause that makes this request succeed
        assert not answer.is_error, f"expected {endpoint} to succeed; got {answer.wrapper}"
    check_success_wrapper(answer, record)


@clause("KIN-WIRE-001", "KIN-WIRE-002", "KIN-WIRE-003", "KIN-WIRE-004", "KIN-WIRE-006", "KIN-WIRE-009")
def test_refused_request_is_the_error_wrapper(kin: KineticaTarget) -> None:
    answer = kin.call("/execute/proc", {"proc_name": kin.unique("absent")}, complete=True)
    check_error_wrapper(answer)


@clause("KIN-WIRE-010", "KIN-WIRE-009")
@pytest.mark.parametrize("body", [
    b"{not json", b"[1, 2, 3]", b'"a string"', b'{"run_id": 5, "options": {}}',
    b'{"run_id": "x", "options": {"clear_complete": 7}}', b'{"run_id": "x", "options": []}',
], ids=["unparseable", "array", "string", "run_id-number", "option-number", "options-array"])
def test_malformed_json_bodies_get_the_error_wrapper(kin: KineticaTarget, body: bytes) -> None:
    response = kin.post_raw("/show/proc/status", body, "application/json")
    answer = kin.decode("/show/proc/status", "json", response.status_code,
                        response.headers.get("content-type", ""), response.content)
    check_error_wrapper(answer)


@clause("KIN-OAS-002", "KIN-WIRE-009")
def test_an_option_value_outside_its_list_is_refused_or_ignored(kin: KineticaTarget) -> None:
    # show_proc_status.md:35-38 lists true/false for clear_complete; refusing another value is what the
    # schema asks, ignoring it a latitude (LAT-KIN-OPTION-VALUES): an advisory. An unknown run_id, so
    # that nothing is cleared on a shared server whichever way the target reads it.
    answer = kin.call("/show/proc/status", {"run_id": kin.unique("absent"), "options": {"clear_complete": "maybe"}})
    advise("KIN-OAS-002", answer.is_error, f"clear_complete='maybe' was accepted: {answer.wrapper}")
    if answer.is_error:
        check_error_wrapper(answer)


@clause("KIN-WIRE-010", "KIN-WIRE-009")
def test_undecodable_avro_body_gets_the_error_wrapper(kin: KineticaTarget) -> None:
    response = kin.post_raw("/show/proc/status", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
                            "application/octet-stream")
    answer = kin.decode("/show/proc/status", "binary", response.status_code,
                        response.headers.get("content-type", ""), response.content)
    assert answer.wrapper is not None, f"expected a wrapper; got HTTP {response.status_code} {answer.problem}"
    assert answer.wrapper["status"] == "ERROR", f"expected ERROR; got {answer.wrapper}"
    assert answer.wrapper["data_type"] == "none"
    with checking("KIN-WIRE-009"):
        check_refusal_status(response.status_code)


@clause("KIN-SYS-001")
def test_system_properties_carry_a_four_part_core_version(kin: KineticaTarget) -> None:
    data = check_success_wrapper(kin.call("/show/system/properties", {"options": {}}),
                                 "show_system_properties_response")
    version = data.get("property_map", {}).get("version.gpudb_core_version", "")
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", version), (
        f"expected version.gpudb_core_version like 7.2.3.0; got {version!r}")


@clause("KIN-SYS-002")
def test_system_status_reports_the_system_as_json_text(kin: KineticaTarget) -> None:
    data = check_success_wrapper(kin.call("/show/system/status", {"options": {}}), "show_system_status_response")
    system = data.get("status_map", {}).get("system")
    assert isinstance(system, str), f"expected status_map.system as text; got {system!r}"
    parsed = json.loads(system)
    assert isinstance(parsed, dict) and "status" in parsed, f"expected JSON with a status; got {system!r}"
