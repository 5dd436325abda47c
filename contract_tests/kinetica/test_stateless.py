"""Schemathesis over schemas/openapi/kinetica.json, in both modes, with Kinetica's own checks."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema
import pytest

from contract_tests import stateless
from contract_tests.kinetica.client import KineticaTarget, check_refusal_status
from contract_tests.violation import advise, checking
from mockserver.spec.loader import load_schema

clause = pytest.mark.clause

# A live server is shared: generated requests only go to endpoints that cannot change its state.
READ_ONLY = {"/has/proc", "/show/proc", "/show/proc/status", "/get/job", "/show/system/status",
             "/show/system/properties"}


@cache
def document() -> dict[str, Any]:
    try:
        return load_schema("openapi/kinetica.json")
    except FileNotFoundError:
        return {}


@cache
def schema() -> Any:
    return stateless.load(document())


def _payload_schema(path: str) -> dict[str, Any] | None:
    doc = document()
    op = doc["paths"][path]["post"]["operationId"]
    component = doc["components"]["schemas"].get(f"{op}_response")
    if component is None:
        return None
    return {**component, "components": doc["components"]}


def kinetica_checks(case: Any, response: Any, negative: bool) -> None:
    """The ERROR wrapper for refusals; the data_str payload validated against the response record."""
    ctype = stateless.header(response, "content-type")
    if not ctype.startswith("application/json"):
        return  # Avro answers are covered by test_binary
    with checking("KIN-WIRE-001"):
        body = response.json()
        assert isinstance(body, dict) and {"status", "data_type", "data_str"} <= set(body), (
            f"expected the Kinetica wrapper; got {response.text[:300]}")
    if response.status_code >= 400 or body["status"] == "ERROR":
        # A refusal, under whatever status (the pages give none): the ERROR wrapper, never 404/5xx.
        with checking("KIN-WIRE-001"):
            assert body["status"] == "ERROR" and body["data_type"] == "none" and body["data_str"] == "", (
                f"expected a refusal in the ERROR wrapper; got {body}")
        with checking("KIN-WIRE-009"):
            check_refusal_status(response.status_code)
        return
    advise("KIN-OAS-002", not negative, f"input the request schema forbids was accepted: {body}")
    payload = _payload_schema(case.operation.path)
    if body["status"] == "OK" and payload is not None:
        with checking("KIN-OAS-001"):
            data = json.loads(body["data_str"])
            errors = sorted(jsonschema.Draft202012Validator(payload).iter_errors(data), key=str)
            assert not errors, f"expected data_str to match the response record: {errors[0].message}"


OPERATIONS = stateless.operations(document()) if document() else []


@pytest.mark.skipif(not OPERATIONS, reason="schemas/openapi/kinetica.json is not there")
@pytest.mark.parametrize("negative", [False, True], ids=["valid", "invalid"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[p for _, p in OPERATIONS])
@clause("KIN-OAS-001", "KIN-OAS-002", "KIN-WIRE-009", "KIN-WIRE-001")
def test_operation_keeps_its_schema(kin: KineticaTarget, method: str, path: str, negative: bool,
                                    contract_max_examples: int | None) -> None:
    if kin.live and path not in READ_ONLY:
        pytest.skip(f"generated requests to {path} would change a shared live server")
    stateless.run_operation(kin, schema(), method, path, negative=negative,
                            max_examples=contract_max_examples or 40, extra_check=kinetica_checks, document=document())
