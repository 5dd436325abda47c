"""Stateless checks with Schemathesis over an OpenAPI document, one operation and mode at a time.

Positive cases (valid by the schema) must get documented status codes and content types and bodies
that match the schema for their status; negative cases (invalid by the schema) must be rejected
with a 4xx in the API's own error format; no case may get a 5xx. The caller adds the API's own
checks (Kinetica's data_str payload, PraisonAI's `detail`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonschema
import pytest
import schemathesis
from hypothesis import given
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import AcceptedNegativeData, FailureGroup, ServerError
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from contract_tests.hypo import contract_settings
from contract_tests.target import Exchange, Target
from contract_tests.violation import ClauseViolation, advise

ExtraCheck = Callable[[Any, Any, bool], None]  # (case, response, negative) -> None, raises AssertionError


def operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [(method.upper(), path) for path, item in document.get("paths", {}).items()
            for method in item if method.lower() in {"get", "post", "put", "delete", "patch"}]


def load(document: dict[str, Any]) -> Any:
    return schemathesis.openapi.from_dict(document)


_EMPTY: dict[str, Any] = {"string": "", "object": {}, "array": [], "integer": 0, "boolean": False, "number": 0}


@dataclass
class BodySchema:
    """An operation's JSON request body schema, to tell truly invalid bodies from defaulted ones."""

    validator: Any
    properties: dict[str, Any]
    fill_empty: bool = False  # Kinetica: an absent field takes its type's empty value

    @classmethod
    def of(cls, document: dict[str, Any], method: str, path: str, *, fill_empty: bool = False) -> BodySchema | None:
        body = document["paths"][path][method.lower()].get("requestBody", {})
        schema = body.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return None
        resolved = schema
        while isinstance(resolved, dict) and "$ref" in resolved:
            resolved = document["components"]["schemas"][resolved["$ref"].rsplit("/", 1)[-1]]
        validator = jsonschema.Draft202012Validator({**schema, "components": document.get("components", {})})
        return cls(validator, dict(resolved.get("properties", {})), fill_empty)

    def valid_with_defaults(self, body: Any) -> bool:
        """Valid once every absent property that documents a default takes it."""
        if not isinstance(body, dict):
            return False
        filled = dict(body)
        for name, sub in self.properties.items():
            if name not in filled and isinstance(sub, dict) and "default" in sub:
                filled[name] = sub["default"]
            # Kinetica's `options` map defaults to {} on every page; endpoints without a page
            # (schemas from the client) follow the same convention.
            elif name == "options" and name not in filled and isinstance(sub, dict) and sub.get("type") == "object":
                filled[name] = {}
            # Every Kinetica page gives optional inputs an empty default ('' / {} / []); endpoints
            # without a page are silent, and the suite is silent with them.
            elif self.fill_empty and name not in filled and isinstance(sub, dict) and sub.get("type") in _EMPTY:
                filled[name] = _EMPTY[sub["type"]]
        return bool(self.validator.is_valid(filled))


def run_operation(target: Target, schema: Any, method: str, path: str, *, negative: bool,
                  max_examples: int, extra_check: ExtraCheck | None = None,
                  document: dict[str, Any] | None = None) -> None:
    operation = schema[path][method]
    mode = GenerationMode.NEGATIVE if negative else GenerationMode.POSITIVE
    base = [not_a_server_error, status_code_conformance, content_type_conformance]
    positive_checks = [*base, response_schema_conformance]
    negative_checks = [*base, negative_data_rejection]
    body_schema = (BodySchema.of(document, method, path, fill_empty=target.api == "kinetica")
                   if document and negative else None)

    @contract_settings(max_examples, live=target.live)
    @given(operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        if target.has_control:
            target.control("POST", "/reset")
        response = case.call(base_url=target.base_url, headers=dict(target.headers), timeout=20)
        _record(target, response)
        # A property left out that documents a default is not an error by the contract: such a
        # "negative" case is valid, and is held to the positive checks instead.
        really_negative = negative and not (
            body_schema is not None and (case.media_type or "").startswith("application/json")
            and body_schema.valid_with_defaults(case.body))
        checks = negative_checks if really_negative else positive_checks
        try:
            case.validate_response(response, checks=checks, headers=dict(target.headers))
        except FailureGroup as group:
            # Accepting input the schema forbids is a departure only where a page promises an error
            # for it: in general an advisory (an implementation may be lenient).
            accepted = [f for f in group.exceptions if isinstance(f, AcceptedNegativeData)]
            others = [f for f in group.exceptions if not isinstance(f, AcceptedNegativeData)]
            for failure in accepted:
                advise(target.clauses.accepted_invalid, False, str(failure))
            if others:
                raise ClauseViolation(_clauses_of(target, others), str(group)) from group
        if extra_check is not None:
            extra_check(case, response, really_negative)

    try:
        check()
    except Unsatisfiable:
        pytest.skip(f"no {'invalid' if negative else 'valid'} input can be generated for {method} {path}")


def _clauses_of(target: Target, failures: Any) -> tuple[str, ...]:
    """Which clause each kind of Schemathesis failure shows broken (each API names its own)."""
    found: dict[str, None] = {}
    for failure in failures:
        if isinstance(failure, ServerError):
            found[target.clauses.no_server_error] = None
        else:  # undocumented status or content type, body not matching its schema
            found[target.clauses.documented_answers] = None
    return tuple(found)


def header(response: Any, name: str) -> str:
    """A response header as text (Schemathesis keeps each header as a list of values)."""
    for key, value in response.headers.items():
        if key.lower() == name.lower():
            return value[0] if isinstance(value, list) else str(value)
    return ""


def _record(target: Target, response: Any) -> None:
    request = response.request
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    headers = {k: v[0] if isinstance(v, list) else str(v) for k, v in response.headers.items()}
    target.recorder.add(Exchange(request.method, request.url, dict(request.headers), body,
                                 response.status_code, headers, response.content))
