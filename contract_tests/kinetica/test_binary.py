"""Kinetica's Avro binary encoding: requests generated from the record schemas get Avro wrappers that
decode, and mean the same as the JSON answer to the same request."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract_tests.hypo import contract_settings
from contract_tests.kinetica.client import BINARY, JSON, KineticaTarget, full_request
from mockserver.spec.loader import kinetica_avro

clause = pytest.mark.clause

# Endpoints whose arbitrary requests change nothing (or only an unknown name's nothing): safe anywhere.
READ_ONLY = ("/has/proc", "/show/proc", "/show/proc/status", "/show/system/status", "/get/job")
_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=12)


def avro_strategy(avro_type: Any) -> st.SearchStrategy[Any]:
    kind = avro_type if isinstance(avro_type, str) else avro_type["type"]
    if kind == "string":
        return _text
    if kind == "bytes":
        return st.binary(max_size=12)
    if kind == "int":
        return st.integers(-(2**31), 2**31 - 1)
    if kind == "long":
        return st.integers(-(2**63), 2**63 - 1)
    if kind == "boolean":
        return st.booleans()
    if kind == "double":
        return st.floats(allow_nan=False)
    if kind == "map":
        return st.dictionaries(_text, avro_strategy(avro_type["values"]), max_size=3)
    if kind == "array":
        return st.lists(avro_strategy(avro_type["items"]), max_size=3)
    if kind == "record":
        return st.fixed_dictionaries({f["name"]: avro_strategy(f["type"]) for f in avro_type["fields"]})
    raise ValueError(f"no strategy for Avro type {avro_type!r}")


def _harmless(endpoint: str, request: dict[str, Any]) -> dict[str, Any]:
    """Options that clear statuses would touch other people's runs on a live server: keep them out."""
    if "options" in request:
        request = {**request, "options": {k: v for k, v in request["options"].items()
                                          if k not in ("clear_complete",)}}
    return request


def _without_elapsed(data: Any) -> Any:
    timings = {run: {seg: {k: v for k, v in t.items() if k != "elapsed_ms"} for seg, t in segs.items()}
               for run, segs in (data.get("timings") or {}).items()} if isinstance(data, dict) else None
    return {**data, "timings": timings} if timings is not None else data


def same_meaning(json_answer: Any, avro_answer: Any, *, real_time: bool = False) -> None:
    """`real_time`: on a live target time passes between the two calls, so a running segment's
    `elapsed_ms` may differ; everything else must not."""
    assert avro_answer.wrapper is not None, f"expected an Avro wrapper that decodes; {avro_answer.problem}"
    assert avro_answer.wrapper["status"] == json_answer.wrapper["status"], (
        f"expected the same status in both encodings; JSON {json_answer.wrapper['status']} vs "
        f"Avro {avro_answer.wrapper['status']}")
    assert avro_answer.wrapper["data_type"] == json_answer.wrapper["data_type"]
    if json_answer.ok:
        assert avro_answer.ok, f"expected the Avro payload to decode; {avro_answer.problem}"
        json_data, avro_data = json_answer.data, avro_answer.data
        if real_time:
            json_data, avro_data = _without_elapsed(json_data), _without_elapsed(avro_data)
        assert avro_data == json_data, (
            f"expected the same response in both encodings; JSON {json_answer.data} vs Avro {avro_answer.data}")


@clause("KIN-WIRE-007", "KIN-WIRE-008")
@pytest.mark.parametrize("endpoint", READ_ONLY)
def test_generated_avro_requests_get_decodable_wrappers(kin: KineticaTarget, endpoint: str,
                                                        contract_max_examples: int | None) -> None:
    request_schema, _ = kinetica_avro(endpoint)

    @contract_settings(30, override=contract_max_examples, live=kin.live)
    @given(avro_strategy(request_schema))
    def check(request: dict[str, Any]) -> None:
        request = _harmless(endpoint, request)
        avro_answer = kin.call(endpoint, request, encoding=BINARY)
        assert avro_answer.http_status < 500, f"expected no 5xx; got HTTP {avro_answer.http_status}"
        json_answer = kin.call(endpoint, request, encoding=JSON, complete=True)
        same_meaning(json_answer, avro_answer, real_time=kin.live)

    check()


@clause("KIN-WIRE-007", "KIN-WIRE-008")
def test_a_lifecycle_means_the_same_in_both_encodings(kin: KineticaTarget) -> None:
    proc = kin.unique("avro")
    request = {"proc_name": proc, "execution_mode": "distributed", "files": {"p.py": "\u0000x"},
               "command": "python", "args": ["p.py"], "options": {}}
    created = kin.call("/create/proc", request, encoding=BINARY)
    assert created.ok, f"expected create_proc over Avro to succeed; {created.wrapper} {created.problem}"
    kin._created.append(proc)
    assert created.data == {"proc_name": proc, "info": created.expect_ok().get("info", {})}
    for endpoint, body in (("/has/proc", {"proc_name": proc, "options": {}}),
                           ("/show/proc", {"proc_name": proc, "options": {}})):
        same_meaning(kin.call(endpoint, body, encoding=JSON, complete=True),
                     kin.call(endpoint, body, encoding=BINARY))
    params = kin.hinted(hang=True) if kin.hints_honoured() else {}
    run_id = kin.execute(proc, params, encoding=BINARY, bin_params={"b": "\u0001\u00fe"})
    via_json = kin.call("/show/proc/status", {"run_id": run_id, "options": {}}, encoding=JSON)
    via_avro = kin.call("/show/proc/status", {"run_id": run_id, "options": {}}, encoding=BINARY)
    same_meaning(via_json, via_avro, real_time=kin.live)
    assert via_avro.expect_ok()["bin_params"][run_id] == {"b": "\u0001\u00fe"}, "expected bin_params to survive Avro"
    killed = kin.call("/kill/proc", {"run_id": run_id, "options": {}}, encoding=BINARY)
    assert killed.ok and killed.expect_ok()["run_ids"] in ([run_id], []), f"expected kill over Avro; got {killed.data}"
    refused = kin.call("/execute/proc", full_request("/execute/proc", {"proc_name": kin.unique("absent")}),
                       encoding=BINARY)
    assert refused.is_error and (refused.wrapper or {}).get("data_type") == "none", (
        f"expected the ERROR wrapper over Avro; got {refused.wrapper}")
