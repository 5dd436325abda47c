"""The PraisonAI OpenAPI document as each profile reads it (served at `/openapi.json`, used by the suite).

`schemas/openapi/praisonai.json` is generated from the doc pages, so it *is* the docs profile. The
reference implementation (praisonai 4.7.19 `jobs/`) answers differently in known ways; the impl
profile is that document with exactly those differences applied, each tied to its source line. The
same differences are clauses (the `...I` ids) checked by their own tests.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from mockserver.spec.loader import load_schema

_DETAIL = {"type": "object", "properties": {"detail": {}}, "required": ["detail"]}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _nullable(schema: Any) -> Any:
    """Optional fields may be null. Pydantic answers them so (models.py:145-171); the pages do not say
    whether an unset field is left out or null (list-runs.mdx:128 shows `"session_id": null`)."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    required = set(out.get("required", []))
    if isinstance(out.get("properties"), dict):
        props = {}
        for name, sub in out["properties"].items():
            sub = _nullable(sub)
            if name not in required and isinstance(sub, dict) and isinstance(sub.get("type"), str):
                sub = {**sub, "type": [sub["type"], "null"]}
                if "enum" in sub:
                    sub["enum"] = [*sub["enum"], None]
            props[name] = sub
        out["properties"] = props
    if isinstance(out.get("items"), dict):
        out["items"] = _nullable(out["items"])
    return out


def _empty_filter_is_no_filter(doc: dict[str, Any]) -> None:
    """`?status=` names no status: the pages are silent on empty values, and the reference reads it
    as "no filter" (router.py:164 `if status:`), so the suite accepts either reading in both profiles."""
    for param in doc.get("paths", {}).get("/api/v1/runs", {}).get("get", {}).get("parameters", []):
        schema = param.get("schema", {})
        if param.get("name") == "status" and "enum" in schema:
            param["schema"] = {**schema, "enum": [*schema["enum"], ""]}


@cache
def docs_document() -> dict[str, Any]:
    try:
        doc = copy.deepcopy(load_schema("openapi/praisonai.json"))
    except FileNotFoundError:
        return {}
    _empty_filter_is_no_filter(doc)
    schemas = doc["components"]["schemas"]
    for name in list(schemas):
        schemas[name] = _nullable(schemas[name])
    return doc


@cache
def impl_document() -> dict[str, Any]:
    doc = copy.deepcopy(docs_document())
    if not doc:
        return doc
    schemas = doc["components"]["schemas"]
    paths = doc["paths"]
    runs, run = "/api/v1/runs", "/api/v1/runs/{job_id}"
    conflict = _json(_DETAIL, "impl: the job is in the wrong state (router.py:215, 234, 259)")
    # router.py:215-221: result of an unfinished job is 409; any finished job's result is 200 with
    # its status, result and error (null where absent).
    paths[run + "/result"]["get"]["responses"]["409"] = conflict
    schemas["get_run_result.200"] = {**schemas["get_run_result.200"], "required": ["job_id", "status", "created_at"]}
    schemas["get_run_result.200"]["properties"] = {**schemas["get_run_result.200"]["properties"], "result": {}}
    # models.py:160-171: what is not required is Optional, answered null when unset (a run cancelled
    # before it started has no duration).
    schemas["get_run_result.200"] = _nullable(schemas["get_run_result.200"])
    # router.py:223-246: cancel answers the status object; a finished job is 409.
    paths[run + "/cancel"]["post"]["responses"]["200"] = _json(
        {"$ref": "#/components/schemas/get_run_status.200"}, "impl: the job's status object")
    paths[run + "/cancel"]["post"]["responses"]["409"] = conflict
    # router.py:259-263: deleting an unfinished job is 409.
    paths[run]["delete"]["responses"]["409"] = conflict
    # router.py:157: page/page_size bounds are FastAPI Query constraints, answered 422.
    paths[runs]["get"]["responses"]["422"] = _json(_DETAIL, "impl: FastAPI validation error")
    # router.py:130-134: a full admission queue is 503 with Retry-After.
    paths[runs]["post"]["responses"]["503"] = _json(_DETAIL, "impl: the job queue is full")
    # models.py:109 `timeout: Optional[int]`, read by pydantic v2 in lax mode: a boolean, an integral
    # number or an integer string is an integer too, so none of them is invalid input there.
    timeout = schemas["submit_run.request"]["properties"]["timeout"]
    lax_int = [{"type": ["integer", "boolean", "null"]}, {"type": "number", "multipleOf": 1},
               {"type": "string", "pattern": r"^\s*[+-]?\d+(_\d+)*(\.0*)?\s*$"}]
    schemas["submit_run.request"]["properties"]["timeout"] = {
        k: v for k, v in timeout.items() if k != "type"} | {"anyOf": lax_int}
    # A document of its own, for tools that match on the title (the project's schemathesis.toml).
    doc["info"] = {**doc["info"], "title": doc["info"]["title"] + " (as praisonai 4.7.19 answers)"}
    # server.py:207-217, store.py:290: /stats answers a plain-text 500 on every call.
    paths["/stats"]["get"]["responses"]["500"] = {
        "description": "impl: the un-awaited store.get_stats cannot be encoded (server.py:215)",
        "content": {"text/plain": {"schema": {"type": "string"}}}}
    # server.py:207-217: stats describe the executor (and the store), not job counts.
    schemas["stats.200"] = {"type": "object", "properties": {"executor": {"type": "object"}},
                            "required": ["executor"]}
    return doc


def document(profile: str) -> dict[str, Any]:
    return impl_document() if profile == "impl" else docs_document()
