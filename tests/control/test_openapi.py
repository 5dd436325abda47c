"""The control plane's OpenAPI document: valid OpenAPI 3.1, and the same operations as the routes."""

from __future__ import annotations

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from starlette.routing import Route

from mockserver.control.app import control_routes
from mockserver.control.misbehave import SWITCH_PATH
from mockserver.control.openapi import control_openapi
from tests.control.control_helpers import create_proc, execute_proc


def _routed(mock) -> set[tuple[str, str]]:
    found = set()
    for route in control_routes(mock):
        assert isinstance(route, Route)
        for method in route.methods or ():
            if method != "HEAD":  # Starlette adds HEAD to every GET
                found.add((route.path, method.lower()))
    return found


def _documented() -> set[tuple[str, str]]:
    methods = {"get", "put", "post", "delete", "patch", "options", "head"}
    return {(path, method) for path, item in control_openapi()["paths"].items()
            for method in item if method in methods}


def test_document_is_valid_openapi_3_1() -> None:
    document = control_openapi()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_document_and_routes_list_the_same_operations(mock) -> None:
    assert _routed(mock) == _documented()


def test_the_misbehaviour_switch_answers_as_documented(client) -> None:
    ok = _validator("200", SWITCH_PATH, "post")
    answer = client.post(SWITCH_PATH, json={"clauses": ["KIN-SPS-001"]})
    assert answer.status_code == 200 and answer.json()["clauses"] == ["KIN-SPS-001"]
    ok.validate(answer.json())
    refused = client.post(SWITCH_PATH, json={"clauses": ["NO-SUCH-CLAUSE"]})
    assert refused.status_code == 400 and "NO-SUCH-CLAUSE" in refused.json()["error"]
    assert client.get(SWITCH_PATH).json()["clauses"] == ["KIN-SPS-001"]  # a refused change changes nothing
    assert client.delete(SWITCH_PATH).json()["clauses"] == []


def test_document_is_served_by_the_control_plane(client) -> None:
    response = client.get("/_mock/openapi.json")
    assert response.status_code == 200 and response.json() == control_openapi()


def _validator(status: str, path: str, method: str) -> Draft202012Validator:
    document = control_openapi()
    schema = document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    # Refs point into the whole document: validate with it as the root.
    return Draft202012Validator({**document, **schema}, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_answers_match_the_documented_schemas(client, mock) -> None:
    create_proc(client, "p")
    run_id = execute_proc(client, "p", hang="true")
    client.put("/_mock/scenario", content="name: documented\nseed: 4\n")
    calls = [
        ("get", "/_mock/state", None, "/_mock/state", "200"),
        ("get", "/_mock/clock", None, "/_mock/clock", "200"),
        ("post", "/_mock/clock/advance", {"seconds": 1}, "/_mock/clock/advance", "200"),
        ("get", "/_mock/scenario", None, "/_mock/scenario", "200"),
        ("post", "/_mock/faults", {"action": "delay", "delay": 0.01, "path": "/x"}, "/_mock/faults", "201"),
        ("get", "/_mock/faults", None, "/_mock/faults", "200"),
        ("get", "/_mock/journal", None, "/_mock/journal", "200"),
        ("post", f"/_mock/kinetica/runs/{run_id}/kill", None, "/_mock/kinetica/runs/{run_id}/kill", "200"),
        ("post", "/_mock/kinetica/runs/404/kill", None, "/_mock/kinetica/runs/{run_id}/kill", "404"),
        ("post", "/_mock/clock/advance", {"seconds": -1}, "/_mock/clock/advance", "400"),
        ("delete", "/_mock/journal", None, "/_mock/journal", "200"),
        ("post", "/_mock/reset", None, "/_mock/reset", "200"),
    ]
    for method, url, body, documented, status in calls:
        response = client.request(method.upper(), url, **({"json": body} if body is not None else {}))
        assert str(response.status_code) == status, (url, response.text)
        errors = list(_validator(status, documented, method).iter_errors(response.json()))
        assert not errors, (url, [e.message for e in errors])
