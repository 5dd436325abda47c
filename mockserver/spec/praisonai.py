"""PraisonAI's schemas: one per operation and status code, from the pages' fields and examples.

The success answer of an operation is described field by field (`<ResponseField>`, with dotted names
for nesting); the other statuses only by examples (`<ResponseExample>` blocks labelled "404 Not
Found") and by the "Error Responses" table. Where only the table names a status, the schema holds
what every documented error body has in common: a `detail` member.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockserver.spec.jsonschema_build import DIALECT, field_schema, infer_schema, nest_dotted, object_schema
from mockserver.spec.mintlify import CodeBlock, Page, PageError, parse_page

_STATUS_LABEL = re.compile(r"^(\d{3})\b\s*(.*)$")
SSE_DONE = "[DONE]"


def operation_name(page_file: str) -> str:
    return Path(page_file).name.split(".")[0].replace("-", "_")


@dataclass
class PraisonResponse:
    status: str
    description: str
    schema: dict[str, Any] | None  # None: no body (204)
    media_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class PraisonOperation:
    name: str
    method: str
    path: str
    server: str
    summary: str
    description: str
    sources: list[str]
    parameters: list[dict[str, Any]]
    request: dict[str, Any] | None
    responses: dict[str, PraisonResponse]
    events: dict[str, Any] | None = None  # the SSE payload schema, for the stream operation


@dataclass
class PraisonSchemas:
    operations: list[PraisonOperation]
    webhook: dict[str, Any] | None  # the body POSTed to webhook_url when a run finishes


def build(docs: Path) -> PraisonSchemas:
    operations: dict[str, PraisonOperation] = {}
    webhook = None
    for path in sorted((docs / "praisonai").glob("*.md*")):
        page = parse_page(path, docs)
        if "api" not in page.front_matter and not page.examples("RequestExample"):
            continue  # an overview page: no operation of its own
        built = _operation(page)
        if built.name in operations:
            # The same page in its other form (.mdx source and rendered .md) must mean the same thing.
            first = operations[built.name]
            if _comparable(first) != _comparable(built):
                raise PageError(page.file, 1, f"describes {built.name} differently from {first.sources[0]}")
            first.sources.append(page.file)
            continue
        operations[built.name] = built
        webhook = webhook or _webhook(page)
    return PraisonSchemas(list(operations.values()), webhook)


def _webhook(page: Page) -> dict[str, Any] | None:
    blocks = [b for b in page.code_blocks if b.heading == "Webhook Callback" and b.lang == "json"]
    if not blocks:
        return None
    return {"$schema": DIALECT, "title": "submit_run.webhook",
            "description": "The body POSTed to webhook_url when the run finishes.",
            **infer_schema([_json(b, page) for b in blocks]),
            "x-source": {"kind": "examples", "file": page.file, "lines": [b.line for b in blocks]}}


def _comparable(operation: PraisonOperation) -> str:
    """The operation's meaning: everything but where it was read from."""
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "x-source"}
        return [strip(v) for v in value] if isinstance(value, list) else value

    return json.dumps(strip([operation.method, operation.path, operation.parameters, operation.request,
                             {k: vars(v) for k, v in operation.responses.items()}, operation.events]),
                      sort_keys=True)


def _operation(page: Page) -> PraisonOperation:
    name = operation_name(page.file)
    op = page.operation()
    source = {"kind": "page", "file": page.file}
    parameters = [_parameter(f, page) for loc in ("path", "query", "header") for f in page.params(loc)
                  if f.name.lower() != "content-type"]  # OpenAPI describes Content-Type by the body's media type
    body = page.params("body")
    request = None
    if body:
        request = object_schema({f.name: field_schema(f, page.file) for f in body},
                                [f.name for f in body if f.required], title=f"{name}.request",
                                description=page.summary, **{"x-source": source})
    responses = _responses(page, name, source)
    events = _events(page, source) if any(r.media_type == "text/event-stream" for r in responses.values()) else None
    return PraisonOperation(name, op.method, op.path, op.server, page.title, page.summary, [page.file],
                            parameters, request, responses, events)


def _parameter(f: Any, page: Page) -> dict[str, Any]:
    schema = field_schema(f, page.file)
    description = schema.pop("description")
    return {"name": f.name, "in": f.location, "required": f.required or f.location == "path",
            "description": description, "schema": schema}


def _example_status(block: CodeBlock) -> tuple[str, str] | None:
    match = _STATUS_LABEL.match(block.label)
    return (match.group(1), match.group(2).strip()) if match else None


def _responses(page: Page, name: str, source: dict[str, Any]) -> dict[str, PraisonResponse]:
    examples: dict[str, list[CodeBlock]] = {}
    for block in page.examples("ResponseExample"):
        labelled = _example_status(block)
        if labelled is None:
            if block.label == "text/event-stream":
                labelled = ("200", "Server-Sent Events")
            else:
                raise PageError(page.file, block.line, f"response example without a status code: {block.label!r}")
        examples.setdefault(labelled[0], []).append(block)
    success = next((s for s in examples if s.startswith("2")), None)
    if success is None:
        raise PageError(page.file, 1, "no 2xx response example: cannot tell the success status")
    responses: dict[str, PraisonResponse] = {}
    for status, blocks in examples.items():
        labels = [(_example_status(b) or ("", b.label))[1] for b in blocks]
        description = _reason(status, labels, page)
        if status == success:
            responses[status] = _success(page, name, status, description, blocks[0], source)
        else:
            values = [_json(b, page) for b in blocks]
            schema = infer_schema(values)
            responses[status] = PraisonResponse(status, description, {
                "$schema": DIALECT, "title": f"{name}.{status}", "description": description, **schema,
                "x-source": {**source, "kind": "examples", "lines": [b.line for b in blocks]}})
    table = page.table("Error Responses")
    for row in table.rows if table is not None else []:
        assert table is not None
        status = row[0].strip("` ")
        if status not in responses:
            # Only the table names this status: the body shape every documented error shares.
            responses[status] = PraisonResponse(status, row[1], {
                "$schema": DIALECT, "title": f"{name}.{status}", "description": row[1], "type": "object",
                "properties": {"detail": {"description": "What went wrong."}}, "required": ["detail"],
                "x-source": {**source, "kind": "error table", "line": table.line}})
    return dict(sorted(responses.items()))


def _reason(status: str, labels: list[str], page: Page) -> str:
    table = page.table("Error Responses")
    for row in table.rows if table is not None else []:
        assert table is not None
        if row[0].strip("` ") == status:
            return row[1]
    return "; ".join(label for label in labels if label) or status


def _success(page: Page, name: str, status: str, description: str, block: CodeBlock,
             source: dict[str, Any]) -> PraisonResponse:
    if block.label == "text/event-stream":
        return PraisonResponse(status, "A stream of Server-Sent Events; see the events schema.", None,
                               media_type="text/event-stream")
    fields = page.response_fields
    headers = {}
    if table := page.table("Response Headers"):
        headers = {row[0].strip("` "): row[1] for row in table.rows}
    if not fields:
        if block.lang == "json":
            raise PageError(page.file, block.line, "a JSON success example but no <ResponseField> list")
        return PraisonResponse(status, description, None, headers=headers)  # e.g. 204 No Content
    entries = [(f.name, field_schema(f, page.file), f.required) for f in fields]
    properties, required = nest_dotted(entries, page.file, fields[0].line)
    schema = object_schema(properties, required, title=f"{name}.{status}", description=page.summary,
                           **{"x-source": source})
    return PraisonResponse(status, description, schema, headers=headers)


def _json(block: CodeBlock, page: Page) -> Any:
    try:
        return json.loads(block.text)
    except json.JSONDecodeError as exc:
        raise PageError(page.file, block.line + exc.lineno, f"example is not JSON: {exc.msg}") from exc


def sse_payloads(block: CodeBlock) -> list[str]:
    """The `data:` payloads of a text/event-stream example, in order."""
    return [line[len("data:"):].strip() for line in block.text.splitlines() if line.startswith("data:")]


def _events(page: Page, source: dict[str, Any]) -> dict[str, Any]:
    """The SSE payload schema: one JSON object per event type, or the `[DONE]` end marker."""
    table = page.table("Event Types")
    if table is None:
        raise PageError(page.file, 1, "a stream without an 'Event Types' table")
    documented = {row[0].strip("` "): row[1] for row in table.rows}
    samples: dict[str, list[Any]] = {}
    for block in page.code_blocks:
        if (block.heading == "Event Format" and block.container is None) or block.label == "text/event-stream":
            for payload in sse_payloads(block):
                if payload == SSE_DONE:
                    continue
                event = json.loads(payload)
                samples.setdefault(event.get("event"), []).append(event)
    undocumented = set(samples) - set(documented)
    if undocumented:
        raise PageError(page.file, table.line, f"events {sorted(undocumented)} appear in examples, not in the table")
    variants = []
    for event, description in documented.items():
        if event == SSE_DONE:
            variants.append({"const": SSE_DONE, "description": description})
            continue
        inferred = infer_schema(samples.get(event, [{"event": event, "data": {}}]))
        inferred["properties"]["event"] = {"const": event}
        variants.append({"title": event, "description": description, **inferred})
    return {"$schema": DIALECT, "title": "stream_run.events",
            "description": "The data of one Server-Sent Event: a JSON object per event type, or the end "
                           "marker `[DONE]` (sent as plain text, not JSON).",
            "oneOf": variants, "x-source": source}

