"""Kinetica's schemas: from the reference pages where there is one, else from the gpudb client.

Every Kinetica answer is a wrapper (`status`, `message`, `data_type`, `data`, `data_str`); the
endpoint's own response record travels inside it (as JSON text in `data_str`, or as Avro in `data`).
So each endpoint gets a request schema and a response schema for that inner record, plus the Avro
records that the binary encoding needs, and all endpoints share one wrapper schema.
"""

from __future__ import annotations

import copy
import importlib.metadata
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockserver.spec import prose
from mockserver.spec.jsonschema_build import field_schema, field_type, object_schema
from mockserver.spec.mintlify import Page, PageError, parse_page
from mockserver.spec.types import avro_to_json_schema, avro_type_phrase

# The lifecycle, in the order a user meets it; documented pages override the client's records.
ENDPOINTS = (
    "/create/proc", "/show/proc", "/has/proc", "/delete/proc", "/execute/proc", "/show/proc/status",
    "/kill/proc", "/create/job", "/get/job", "/show/system/properties", "/show/system/status",
)
WRAPPER_FIELDS = ("status", "message", "data_type", "data", "data_str")


def operation_name(endpoint: str) -> str:
    return endpoint.strip("/").replace("/", "_")


@dataclass
class KineticaOperation:
    endpoint: str
    summary: str
    source: dict[str, Any]
    request: dict[str, Any]
    response: dict[str, Any]
    avro_request: dict[str, Any]
    avro_response: dict[str, Any]

    @property
    def name(self) -> str:
        return operation_name(self.endpoint)


@dataclass
class KineticaSchemas:
    operations: list[KineticaOperation]
    wrapper: dict[str, Any]
    wrapper_avro: dict[str, Any]
    drift: list[dict[str, Any]]


class GpudbClient:
    """The Avro records held by Kinetica's official Python client (no network needed)."""

    def __init__(self) -> None:
        import gpudb  # ImportError when missing: the generator needs it, the mock at run time does not
        client = gpudb.GPUdb.__new__(gpudb.GPUdb)
        client.load_gpudb_schemas()
        self._schemas = client.gpudb_schemas
        self.version = importlib.metadata.version("gpudb")

    def records(self, endpoint: str) -> tuple[dict[str, Any], dict[str, Any]]:
        entry = self._schemas[endpoint]
        return json.loads(entry["REQ_SCHEMA_STR"]), json.loads(entry["RSP_SCHEMA_STR"])

    def wrapper(self) -> dict[str, Any]:
        return json.loads(self._schemas["gpudb_response"]["RSP_SCHEMA_STR"])

    def source(self, record: str) -> dict[str, Any]:
        return {"kind": "client", "package": "gpudb", "version": self.version, "record": record}


def build(docs: Path, client: GpudbClient) -> KineticaSchemas:
    pages = {page.operation().path: page
             for page in (parse_page(p, docs) for p in sorted((docs / "kinetica").glob("*.md")))}
    unknown = sorted(set(pages) - set(ENDPOINTS))
    if unknown:
        raise PageError(pages[unknown[0]].file, 1, f"endpoint {unknown[0]} is not part of the proc/job lifecycle")
    operations, drift = [], []
    for endpoint in ENDPOINTS:
        client_request, client_response = client.records(endpoint)
        if endpoint in pages:
            operation = _from_page(pages[endpoint])
            drift += _drift(endpoint, "request", operation.avro_request, client_request)
            drift += _drift(endpoint, "response", operation.avro_response, client_response)
        else:
            operation = _from_client(endpoint, client_request, client_response, client)
        operations.append(operation)
    wrapper = _wrapper(list(pages.values()))
    return KineticaSchemas(operations, wrapper, client.wrapper(), drift)


def _from_page(page: Page) -> KineticaOperation:
    endpoint = page.operation().path
    name = operation_name(endpoint)
    source = {"kind": "page", "file": page.file}
    body = page.params("body")
    request = object_schema(
        {f.name: field_schema(f, page.file) for f in body},
        # A field the page gives no default for cannot be left out.
        [f.name for f in body if f.default is None and prose.default_literal(f.description) is None],
        title=f"{name}_request", description=prose.clean(page.summary), **{"x-source": source},
    )
    data_str = next((f for f in page.response_fields if f.name == "data_str"), None)
    if data_str is None or not data_str.children:
        raise PageError(page.file, 1, "no <Expandable> under data_str: the response record is not documented")
    response = object_schema(
        {f.name: field_schema(f, page.file) for f in data_str.children},
        [f.name for f in data_str.children],  # an Avro record: every field is always present
        title=f"{name}_response", description=f"What data_str holds in the answer to {endpoint}.",
        **{"x-source": source},
    )
    avro_request = _avro_record(f"{name}_request", page, body)
    avro_response = _avro_record(f"{name}_response", page, data_str.children)
    return KineticaOperation(endpoint, prose.clean(page.summary), source, request, response,
                             avro_request, avro_response)


def _avro_record(record: str, page: Page, fields: list) -> dict[str, Any]:
    return {"type": "record", "name": record,
            "fields": [{"name": f.name, "type": field_type(f, page.file).avro()} for f in fields]}


def _from_client(endpoint: str, request: dict[str, Any], response: dict[str, Any],
                 client: GpudbClient) -> KineticaOperation:
    def schema(record: dict[str, Any], description: str) -> dict[str, Any]:
        converted = avro_to_json_schema(record)
        return object_schema(converted["properties"], converted["required"], title=record["name"],
                             description=description, **{"x-source": client.source(record["name"])})

    summary = f"{endpoint}: no reference page; defined by the Avro records of the gpudb client."
    return KineticaOperation(
        endpoint, summary, client.source(request["name"]),
        schema(request, summary), schema(response, f"What data_str holds in the answer to {endpoint}."),
        request, response,
    )


def _wrapper(pages: list[Page]) -> dict[str, Any]:
    """The standard wrapper, as the pages describe it; every page must describe it alike."""
    built = None
    for page in pages:
        fields = {f.name: f for f in page.response_fields}
        if tuple(fields) != WRAPPER_FIELDS:
            raise PageError(page.file, 1, f"the response wrapper has fields {list(fields)}, not {list(WRAPPER_FIELDS)}")
        properties: dict[str, Any] = {}
        for name, f in fields.items():
            # data_str is "JSON or String": JSON text of the response record, or "" on error.
            prop: dict[str, Any] = {"description": prose.clean(f.description).split("\n")[0], "type": "string"}
            if name == "status":
                prop["enum"] = prose.quoted_alternatives(f.description)
            properties[name] = prop
        properties["data_type"]["description"] = "The response record's name, or 'none' in case of an error."
        properties["data_str"]["description"] = (
            "The response record as JSON text (JSON encoding); empty string in case of an error.")
        if built is not None and built["properties"] != properties:
            raise PageError(page.file, 1, "this page describes the response wrapper differently from the others")
        built = object_schema(properties, list(WRAPPER_FIELDS), title="gpudb_response",
                              description="The standard structure every Kinetica endpoint answers with.",
                              **{"x-source": {"kind": "page", "files": sorted(p.file for p in pages)}})
    assert built is not None
    return built


def _drift(endpoint: str, side: str, page: dict[str, Any], client: dict[str, Any]) -> list[dict[str, Any]]:
    """Every disagreement between a page's record and the client's: missing fields, order, types."""
    found: list[dict[str, Any]] = []
    page_fields = {f["name"]: f["type"] for f in page["fields"]}
    client_fields = {f["name"]: f["type"] for f in client["fields"]}

    def note(kind: str, field: str | None, detail: str) -> None:
        found.append({"endpoint": endpoint, "record": side, "kind": kind, "field": field, "detail": detail})

    for name in page_fields.keys() - client_fields.keys():
        note("missing in client", name, f"the page documents {name!r}; the client's record has no such field")
    for name in client_fields.keys() - page_fields.keys():
        note("missing in page", name, f"the client's record has {name!r}; the page does not document it")
    shared = [n for n in page_fields if n in client_fields]
    client_order = [n for n in client_fields if n in page_fields]
    if shared != client_order:
        note("order", None, f"page order {shared} differs from client order {client_order}")
    for name in shared:
        if page_fields[name] != client_fields[name]:
            note("type", name, f"page: {avro_type_phrase(page_fields[name])}; "
                               f"client: {avro_type_phrase(client_fields[name])}")
    return sorted(found, key=lambda d: (d["kind"], d["field"] or ""))


def drift_markdown(drift: list[dict[str, Any]], client: GpudbClient, compared: list[str]) -> str:
    lines = [
        "# Drift: Kinetica reference pages vs the gpudb client's Avro records",
        "",
        f"Compared: {', '.join(compared)} (request and response records), against gpudb {client.version}.",
        "Generated by `mockserver schemas generate`; do not edit.",
        "",
    ]
    if not drift:
        lines.append("No disagreement: for every compared endpoint the page and the client list the same "
                     "fields, in the same order, with the same types.")
    else:
        lines += ["| endpoint | record | kind | field | detail |", "|---|---|---|---|---|"]
        lines += [f"| {d['endpoint']} | {d['record']} | {d['kind']} | {d['field'] or ''} | {d['detail']} |"
                  for d in drift]
    return "\n".join(lines) + "\n"


def openapi_wrapper(wrapper: dict[str, Any], operation: KineticaOperation | None) -> dict[str, Any]:
    """The wrapper narrowed to one endpoint's success (operation given) or to an error (None)."""
    schema = copy.deepcopy({k: v for k, v in wrapper.items() if k not in ("$schema", "x-source")})
    props = schema["properties"]
    if operation is None:
        props["status"] = {**props["status"], "const": "ERROR"}
        props["data_type"] = {**props["data_type"], "const": "none"}
        props["data_str"] = {**props["data_str"], "const": ""}
    else:
        props["status"] = {**props["status"], "const": "OK"}
        props["data_type"] = {**props["data_type"], "const": f"{operation.name}_response"}
        props["data_str"] = {**props["data_str"], "contentMediaType": "application/json",
                             "contentSchema": {"$ref": f"#/components/schemas/{operation.name}_response"}}
    return schema
