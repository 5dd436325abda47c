"""The OpenAPI 3.1 description of the control plane (written to schemas/openapi/control.json).

Kept by hand beside the routes; a test checks that both list the same operations.
"""

from __future__ import annotations

from typing import Any

from mockserver import registry
from mockserver.control import CONTROL_PREFIX
from mockserver.control.actions import action_path
from mockserver.faults import ACTIONS


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


# What the guard at every port's door answers before any route (mockserver.guard), in this plane's format.
_DOOR = {
    "401": "credentials required (the mock was started with --auth-basic or --auth-bearer)",
    "403": "a Host or an Origin this mock does not serve",
    "408": "the body did not arrive in time",
    "413": "a body over --max-body-bytes",
}


def _op(summary: str, ok: dict[str, Any], *, status: str = "200", errors: dict[str, str] | None = None,
        body: dict[str, Any] | None = None, parameters: list[dict[str, Any]] | None = None,
        tag: str) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": {status: ok}}
    for code, text in {**(errors or {}), **_DOOR}.items():
        op["responses"][code] = _error(text)
    if body is not None:
        op["requestBody"] = body
    if parameters:
        op["parameters"] = parameters
    return op


def _path_param(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema or {"type": "string"}}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _schemas() -> dict[str, Any]:
    header_list = {"type": "array", "items": {"type": "array", "items": {"type": "string"},
                                              "minItems": 2, "maxItems": 2}}
    rule_fields: dict[str, Any] = {
        "action": {"enum": list(ACTIONS), "description": "status: answer with `status`/`body`; delay: "
                   "pass on after `delay` real seconds, or when the mock's clock reaches `until` or has "
                   "moved `virtual_seconds`; hang: never answer; truncate: promise more bytes "
                   "than sent, then close; reset: drop the connection abruptly"},
        "path": {"type": ["string", "null"], "description": "glob on the request path; `*` crosses `/`"},
        "path_regex": {"type": ["string", "null"], "description": "regular expression, full match"},
        "method": {"type": ["string", "null"]},
        "api": {"type": ["string", "null"], "enum": [*registry.names(), None]},
        "status": {"type": ["integer", "null"], "minimum": 100, "maximum": 599},
        "body": {"description": "text, or any JSON value (sent as JSON)"},
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
        "delay": {"type": "number", "minimum": 0, "maximum": 3600,
                  "description": "real seconds (a pause before any other action too)"},
        "until": {"type": ["number", "null"], "minimum": 0,
                  "description": "instead of delay: hold until the mock's clock reaches this instant"},
        "virtual_seconds": {"type": ["number", "null"], "exclusiveMinimum": 0,
                            "description": "instead of delay: hold for this many seconds of the mock's clock"},
        "probability": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
        "seed": {"type": ["integer", "null"]},
        "first": {"type": ["integer", "null"], "minimum": 1, "description": "fire on the first N matches"},
        "every": {"type": ["integer", "null"], "minimum": 1, "description": "fire on every Nth match"},
        "truncate_at": {"type": "integer", "minimum": 0, "description": "bytes sent by truncate"},
    }
    return {
        "Error": {"type": "object", "required": ["error"], "properties": {
            "error": {"type": "string"},
            "file": {"type": ["string", "null"]},
            "line": {"type": ["integer", "null"]},
            "reason": {"type": "string"}}},
        "Clock": {"type": "object", "required": ["now", "frozen", "iso"], "properties": {
            "now": {"type": "number", "description": "seconds since the Unix epoch"},
            "frozen": {"type": "boolean"},
            "iso": {"type": "string", "format": "date-time"}}},
        "FaultRuleInput": {"type": "object", "required": ["action"], "additionalProperties": False,
                           "properties": rule_fields},
        "FaultRule": {"type": "object", "required": ["id", "action", "matched", "fired"], "properties": {
            "id": {"type": "string"}, **rule_fields,
            "matched": {"type": "integer"}, "fired": {"type": "integer"}}},
        "JournalEntry": {"type": "object", "required": ["id", "method", "path", "status"], "properties": {
            "id": {"type": "integer"},
            "api": {"type": ["string", "null"]},
            "method": {"type": "string"},
            "path": {"type": "string"},
            "query": {"type": "string"},
            "headers": header_list,
            "body": {"type": "string", "description": "for textual content types"},
            "body_base64": {"type": "string", "description": "for any other content type"},
            "body_size": {"type": "integer"},
            "body_truncated": {"type": "boolean"},
            "status": {"type": ["integer", "null"], "description": "null: no response was started"},
            "response_headers": header_list,
            "response_bytes": {"type": "integer"},
            "duration": {"type": "number", "description": "wall seconds"},
            "mock_time": {"type": "number"},
            "wall_time": {"type": "number"}}},
        "Scenario": {"type": "object", "required": ["name", "source", "seed", "version", "scenario"],
                     "properties": {
            "name": {"type": "string"},
            "source": {"type": "string", "description": "file or origin of the scenario"},
            "seed": {"type": "integer"},
            "version": {"type": "integer", "description": "bumped on every change"},
            "scenario": {"type": "object", "description": "the scenario document in force"},
            "watching": {"type": ["string", "null"], "description": "the file the scenario came from; "
                         "a change to it is loaded without a restart (checked at most every 0.5 s)"},
            "reload_error": {"oneOf": [{"type": "null"}, _ref("ScenarioReloadError")],
                             "description": "why the last change to the watched file was refused "
                                            "(the scenario in force stays); null when none"}}},
        "ScenarioReloadError": {"type": "object", "required": ["file", "line", "reason", "message"],
                                "properties": {
            "file": {"type": "string"},
            "line": {"type": ["integer", "null"]},
            "reason": {"type": "string"},
            "message": {"type": "string", "description": "file:line: reason, in one line"}}},
        "Cors": {"type": "object", "required": ["enabled", "origins", "preflights"], "properties": {
            "enabled": {"type": "boolean"},
            "origins": {"type": "array", "items": {"type": "string"},
                        "description": "allowed origins; `http://localhost:*` style entries are patterns"},
            "allow_headers": {"type": "array", "items": {"type": "string"}},
            "expose_headers": {"type": "array", "items": {"type": "string"}},
            "preflights": {"type": "array", "description": "the latest preflights answered, oldest first",
                           "items": {"type": "object", "properties": {
                               "origin": {"type": "string"}, "path": {"type": "string"},
                               "method": {"type": "string"}, "headers": {"type": "string"},
                               "allowed": {"type": "boolean"}, "reason": {"type": "string"}}}}}},
        "State": {"type": "object", "required": ["apis", "clock", "scenario", "faults", "journal", "auth",
                                                 "profile"], "properties": {
            "clock": _ref("Clock"),
            "scenario": _ref("Scenario"),
            "apis": {"type": "array", "items": {"type": "string"}},
            "faults": {"type": "array", "items": _ref("FaultRule")},
            "journal": {"type": "object", "required": ["size", "capacity"], "properties": {
                "size": {"type": "integer"}, "capacity": {"type": "integer"}}},
            "auth": {"type": "object", "required": ["enabled", "basic", "bearer"], "properties": {
                "enabled": {"type": "boolean"}, "basic": {"type": "boolean"}, "bearer": {"type": "boolean"}}},
            "profile": {"enum": ["impl", "docs"], "description": "the PraisonAI profile"},
            "cors": _ref("Cors"),
            "state_file": {"type": ["string", "null"],
                           "description": "where every acknowledged change is kept (serve --state), or null"},
            **{spec.name: {"type": "object", "description": f"the {spec.title} model's snapshot"}
               for spec in registry.specs()}}},
        "ActionResult": {"type": "object", "description": "what the model reports after the action"},
    }


def _action(action: registry.ControlAction, ok: dict[str, Any]) -> dict[str, Any]:
    body = None
    if action.body is not None:
        body = {"required": False, "content": {"application/json": {"schema": dict(action.body)}}}
    return {"parameters": [_path_param(p.name, p.description, dict(p.schema)) for p in action.parameters],
            "post": _op(action.summary, ok, errors=dict(action.errors), tag="actions", body=body)}


def control_openapi() -> dict[str, Any]:
    clock_ok = _json(_ref("Clock"), "the clock after the operation")
    state_ok = _json(_ref("State"), "the mock's state")
    scenario_ok = _json(_ref("Scenario"), "the scenario in force")
    fault_ok = _json(_ref("FaultRule"), "the rule")
    removed = _json({"type": "object", "required": ["removed"],
                     "properties": {"removed": {"type": "array", "items": {"type": "string"}}}},
                    "ids of the rules removed")
    action_ok = _json(_ref("ActionResult"), "the action was applied")
    # The conformance suite's self-test: see mockserver.misbehave.
    misbehave_ok = _json({"type": "object", "required": ["clauses"], "properties": {
        "clauses": {"type": "array", "items": {"type": "string"}},
        "available": {"type": "array", "items": {"type": "string"}}}}, "the clauses broken now")
    # Latitudes: the choices the contract leaves open, made differently (see mockserver.vary).
    choices = {"type": "object", "additionalProperties": {"type": "string"},
               "description": "latitude id -> choice, for the latitudes not on their default"}
    vary_ok = _json({"type": "object", "required": ["choices", "latitudes"], "properties": {
        "choices": choices,
        "latitudes": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "api": {"type": "string"}, "default": {"type": "string"},
            "choices": {"type": "array", "items": {"type": "string"}}, "summary": {"type": "string"}}}},
        "start_only": {"type": "array", "items": {"type": "string"},
                       "description": "latitudes chosen when the mock starts (--vary), not here"}}},
        "the choices in force and every latitude the mock can vary")
    bad_body = {"400": "malformed or invalid body"}
    scenario_body = {"required": True, "content": {
        "application/yaml": {"schema": {"type": "string"}},
        "text/plain": {"schema": {"type": "string"}},
        "application/json": {"schema": {"type": "object"}}}}
    paths: dict[str, Any] = {
        f"{CONTROL_PREFIX}/reset": {"post": _op("Reset models, journal, faults, clock mode and scenario", state_ok,
                                     tag="state")},
        f"{CONTROL_PREFIX}/state": {"get": _op("Snapshot of everything the mock holds", state_ok, tag="state")},
        f"{CONTROL_PREFIX}/misbehave": {
            "get": _op("Contract clauses broken on purpose, and those that can be", misbehave_ok, tag="misbehave"),
            "post": _op("Break exactly these clauses (replaces the set)", misbehave_ok, tag="misbehave",
                        errors={"400": "not a {\"clauses\": [...]} body, or an id without a misbehaviour"},
                        body=_json({"type": "object", "required": ["clauses"], "properties": {
                            "clauses": {"type": "array", "items": {"type": "string"}}}}, "clause ids")),
            "delete": _op("Behave again: break nothing", misbehave_ok, tag="misbehave"),
        },
        f"{CONTROL_PREFIX}/vary": {
            "get": _op("Latitude choices in force, and every latitude with its choices", vary_ok, tag="vary"),
            "put": _op("Make exactly these choices (replaces the set; defaults elsewhere)", vary_ok, tag="vary",
                       errors={"400": "not a {\"choices\": {...}} body, or an unknown latitude or choice",
                               "409": "a start-only latitude cannot change on a running mock"},
                       body=_json({"type": "object", "required": ["choices"], "properties": {"choices": choices}},
                                  "latitude choices")),
            "delete": _op("Every latitude back on its default", vary_ok, tag="vary",
                          errors={"409": "a start-only latitude is not on its default"}),
        },
        f"{CONTROL_PREFIX}/openapi.json": {"get": _op("This document", _json({"type": "object"}, "OpenAPI 3.1"),
                                           tag="state")},
        f"{CONTROL_PREFIX}/clock": {"get": _op("Read the clock", clock_ok, tag="clock")},
        f"{CONTROL_PREFIX}/clock/advance": {"post": _op(
            "Move the clock forward", clock_ok, errors=bad_body, tag="clock",
            body={"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["seconds"],
                "properties": {"seconds": {"type": "number", "minimum": 0}}}}}})},
        f"{CONTROL_PREFIX}/clock/set": {"post": _op(
            "Set the clock to a later instant", clock_ok, errors=bad_body, tag="clock",
            body={"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["now"],
                "properties": {"now": {"oneOf": [{"type": "number"},
                                                 {"type": "string", "format": "date-time"}]}}}}}})},
        f"{CONTROL_PREFIX}/clock/freeze": {"post": _op("Stop the clock at its current instant", clock_ok,
                                            tag="clock")},
        f"{CONTROL_PREFIX}/clock/unfreeze": {"post": _op("Follow real time again from the current instant",
                                              clock_ok, tag="clock")},
        f"{CONTROL_PREFIX}/clock/real": {"post": _op("Same as unfreeze", clock_ok, tag="clock")},
        f"{CONTROL_PREFIX}/scenario": {
            "get": _op("The scenario in force", scenario_ok, tag="scenario"),
            "put": _op("Load or replace the scenario", scenario_ok, tag="scenario",
                       errors={"400": "invalid scenario (file, line, reason); the old one stays",
                               "404": "no such preset"},
                       body=scenario_body, parameters=[
                           _query("preset", "load this preset from fixtures/ instead of a body",
                                  {"type": "string"}),
                           _query("source", "a name for the scenario in messages", {"type": "string"})]),
        },
        f"{CONTROL_PREFIX}/scenario/presets": {"get": _op(
            "Scenario presets shipped in fixtures/",
            _json({"type": "object", "required": ["presets"], "properties": {
                "presets": {"type": "array", "items": {"type": "string"}}}}, "preset names"),
            tag="scenario")},
        f"{CONTROL_PREFIX}/faults": {
            "get": _op("Fault rules in force", _json(
                {"type": "object", "required": ["faults"],
                 "properties": {"faults": {"type": "array", "items": _ref("FaultRule")}}}, "the rules"),
                tag="faults"),
            "post": _op("Add a fault rule", _json(_ref("FaultRule"), "the rule, with its id"),
                        status="201", errors=bad_body, tag="faults",
                        body={"required": True, "content": {"application/json": {
                            "schema": _ref("FaultRuleInput")}}}),
            "delete": _op("Remove every fault rule (hanging requests are let go)", removed,
                          tag="faults"),
        },
        f"{CONTROL_PREFIX}/faults/{{fault_id}}": {
            "parameters": [_path_param("fault_id", "id returned when the rule was added")],
            "get": _op("One fault rule", fault_ok, errors={"404": "no such rule"}, tag="faults"),
            "delete": _op("Remove one fault rule", removed, errors={"404": "no such rule"}, tag="faults"),
        },
        f"{CONTROL_PREFIX}/journal": {
            "get": _op("Recorded requests, oldest first", _json(
                {"type": "object", "required": ["entries", "capacity"], "properties": {
                    "entries": {"type": "array", "items": _ref("JournalEntry")},
                    "capacity": {"type": "integer"}}}, "the entries"),
                errors={"400": "bad filter"}, tag="journal", parameters=[
                    _query("path", "glob on the path", {"type": "string"}),
                    _query("method", "HTTP method", {"type": "string"}),
                    _query("status", "a code (404), a class (4xx) or none", {"type": "string"}),
                    _query("since", "mock-clock instant; entries at or after it", {"type": "number"}),
                    _query("api", " or ".join(registry.names()), {"type": "string"}),
                    _query("limit", "keep only the newest N", {"type": "integer", "minimum": 0})]),
            "delete": _op("Forget every entry", _json(
                {"type": "object", "required": ["removed"],
                 "properties": {"removed": {"type": "integer"}}}, "how many were forgotten"),
                tag="journal"),
        },
    }
    for spec in registry.specs():
        for action in spec.actions:
            paths[action_path(spec.name, action)] = _action(action, action_ok)
    # POST on /_mock/scenario does the same as PUT.
    paths[f"{CONTROL_PREFIX}/scenario"]["post"] = {**paths[f"{CONTROL_PREFIX}/scenario"]["put"],
                                        "summary": "Load or replace the scenario (same as PUT)"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "mockserver control plane", "version": "1.0.0",
                 "description": "Served under /_mock/ on every API port of the mock. Errors are "
                                "{\"error\": \"...\"} with a 4xx status."},
        "paths": paths,
        "components": {"schemas": _schemas()},
    }
