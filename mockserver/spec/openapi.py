"""OpenAPI 3.1 documents assembled from the generated JSON Schemas, one per API."""

from __future__ import annotations

import copy
from typing import Any

from mockserver.spec.jsonschema_build import DIALECT
from mockserver.spec.kinetica import KineticaSchemas, openapi_wrapper
from mockserver.spec.praisonai import PraisonOperation

KINETICA_SERVER = "http://127.0.0.1:9191"  # the gpudb client's default port

# Kinetica's answers nest the response record as JSON text in data_str, which a runtime expression
# cannot descend into; `x-data-str-pointer` names the member inside that text.
_KINETICA_LINKS = {
    "execute_proc": {
        "ShowProcStatus": ("show_proc_status", "/run_id", "run_id",
                           "The new run's status, per data segment."),
        "KillProc": ("kill_proc", "/run_id", "run_id", "Kill the new run while it runs."),
    },
    "create_job": {"GetJob": ("get_job", "/job_id", "job_id", "The job's status and, once done, its response.")},
    "create_proc": {
        "HasProc": ("has_proc", "/proc_name", "proc_name", "Whether the proc now exists."),
        "ShowProc": ("show_proc", "/proc_name", "proc_name", "The proc's definition."),
        "ExecuteProc": ("execute_proc", "/proc_name", "proc_name", "Run the proc."),
        "DeleteProc": ("delete_proc", "/proc_name", "proc_name", "Remove the proc."),
    },
}

_PRAISON_LINKS = {
    "GetRunStatus": ("get_run_status", "The run's status and progress."),
    "GetRunResult": ("get_run_result", "The run's result, once it has succeeded."),
    "CancelRun": ("cancel_run", "Cancel the run while it is queued or running."),
    "DeleteRun": ("delete_run", "Delete the run once it has finished."),
    "StreamRun": ("stream_run", "Follow the run's progress as Server-Sent Events."),
}


def _component(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in copy.deepcopy(schema).items() if k != "$schema"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def kinetica(schemas: KineticaSchemas) -> dict[str, Any]:
    components: dict[str, Any] = {"gpudb_response": _component(schemas.wrapper),
                                  "error_response": openapi_wrapper(schemas.wrapper, None)}
    avro_body = {"type": "string", "contentMediaType": "application/octet-stream"}
    # The pages give no HTTP status for an ERROR answer, and the gpudb client reads the wrapper's
    # status under any code but 401, 404 and 500/502/503/504 (gpudb.py: failover and "endpoint not
    # found"): a refusal may come as 200 or as a 4xx. The suite checks the codes to avoid itself.
    error = {
        "description": "A logical error: status ERROR, data_type none, the reason in message.",
        "content": {"application/json": {"schema": _ref("error_response")},
                    "application/octet-stream": {"schema": {
                        **avro_body, "description": "The Avro gpudb_response record, status ERROR."}}},
    }
    paths: dict[str, Any] = {}
    for op in schemas.operations:
        components[f"{op.name}_request"] = _component(op.request)
        components[f"{op.name}_response"] = _component(op.response)
        components[f"{op.name}_wrapped"] = openapi_wrapper(schemas.wrapper, op)
        ok: dict[str, Any] = {
            "description": f"Success: data_str holds {op.name}_response as JSON text (JSON encoding); "
                           f"in the binary encoding data holds it as Avro. Or a refusal, as under 4XX.",
            "content": {"application/json": {"schema": {"oneOf": [_ref(f"{op.name}_wrapped"),
                                                                  _ref("error_response")]}},
                        "application/octet-stream": {"schema": {
                            **avro_body, "description": f"The Avro gpudb_response record whose data is "
                                                       f"the Avro {op.name}_response record."}}},
        }
        if links := _KINETICA_LINKS.get(op.name):
            ok["links"] = {
                link: {"operationId": target, "description": description,
                       "requestBody": {field: "$response.body#/data_str"}, "x-data-str-pointer": pointer}
                for link, (target, pointer, field, description) in links.items()
            }
        paths[op.endpoint] = {"post": {
            "operationId": op.name,
            "summary": op.endpoint,
            "description": op.summary,
            "x-source": op.source,
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": _ref(f"{op.name}_request")},
                "application/octet-stream": {"schema": {
                    **avro_body, "description": f"The Avro {op.name}_request record (schemaless)."}},
            }},
            "responses": {"2XX": ok, "4XX": error},
        }}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kinetica procs and jobs", "version": "7.2.3",
                 "description": "The proc (UDF) and async job endpoints of Kinetica's REST API. Every "
                                "endpoint is a POST whose answer is the gpudb_response wrapper."},
        "jsonSchemaDialect": DIALECT,
        "servers": [{"url": KINETICA_SERVER}],
        "paths": paths,
        "components": {"schemas": components},
    }


def praisonai(operations: list[PraisonOperation], webhook: dict[str, Any] | None) -> dict[str, Any]:
    components: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    servers = sorted({op.server for op in operations})
    for op in operations:
        entry: dict[str, Any] = {
            "operationId": op.name, "summary": op.summary, "description": op.description,
            "x-source": {"kind": "page", "files": op.sources},
        }
        if op.parameters:
            entry["parameters"] = op.parameters
        if op.request is not None:
            components[f"{op.name}.request"] = _component(op.request)
            entry["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": _ref(f"{op.name}.request")}}}
        responses: dict[str, Any] = {}
        for status, response in op.responses.items():
            out: dict[str, Any] = {"description": response.description}
            if response.media_type == "text/event-stream":
                components[f"{op.name}.events"] = _component(op.events or {})
                # Before OpenAPI 3.2 (`itemSchema`), a text/event-stream schema describes one event
                # (how Schemathesis reads it); what its data field holds is in `x-sse-data`.
                out["content"] = {"text/event-stream": {"schema": {
                    "type": "object", "description": f"One Server-Sent Event; its data field holds one "
                                                     f"{op.name}.events value.",
                    "properties": {"event": {"type": "string"}, "data": {"type": "string"},
                                   "id": {"type": "string"}, "retry": {"type": "integer", "minimum": 0}},
                    "x-sse-data": _ref(f"{op.name}.events")}}}
            elif response.schema is not None:
                components[f"{op.name}.{status}"] = _component(response.schema)
                out["content"] = {"application/json": {"schema": _ref(f"{op.name}.{status}")}}
            if response.headers:
                out["headers"] = {name: {"description": text, "schema": {"type": "string"}}
                                  for name, text in response.headers.items()}
            if op.name == "submit_run" and status.startswith("2"):
                out["links"] = {
                    link: {"operationId": target, "parameters": {"job_id": "$response.body#/job_id"},
                           "description": description}
                    for link, (target, description) in _PRAISON_LINKS.items()
                }
            responses[status] = out
        entry["responses"] = responses
        if op.name == "submit_run" and webhook is not None:
            components["submit_run.webhook"] = _component(webhook)
            entry["callbacks"] = {"completion": {"{$request.body#/webhook_url}": {"post": {
                "summary": "Sent once when the run finishes, if webhook_url was given.",
                "requestBody": {"content": {"application/json": {"schema": _ref("submit_run.webhook")}}},
                "responses": {"200": {"description": "Any 2xx acknowledges the callback."}},
            }}}}
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "PraisonAI async jobs", "version": "4.7.19",
                 "description": "Submit long-running agent runs and follow them: status, result, "
                                "cancel, delete, Server-Sent Events; health and stats."},
        "jsonSchemaDialect": DIALECT,
        "servers": [{"url": url} for url in servers],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(components.items()))},
    }
