"""One observed answer against an OpenAPI document: is its status documented for the operation, its
content type one the status lists, and its JSON body valid by that status's schema?

The documents are the ones the suite's stateless tests hold targets to (`schemas/openapi/`, PraisonAI's
read per profile); bodies are validated with jsonschema (Draft 2020-12) against the document's
components, as Schemathesis does in the suite.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import jsonschema

__all__ = ["Operation", "ResponseChecker"]


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    spec: dict[str, Any]


class ResponseChecker:
    def __init__(self, document: dict[str, Any], *, suffix_routing: bool = False) -> None:
        self.document = document
        self.suffix_routing = suffix_routing  # Kinetica routes on the path's end (a prefix is allowed)
        self._validators: dict[int, Any] = {}
        self._refs: dict[str, dict[str, Any] | None] = {}

    @cached_property
    def _patterns(self) -> list[tuple[re.Pattern[str], str]]:
        found = []
        for template in self.document.get("paths", {}):
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            found.append((re.compile(("(?:.*)" if self.suffix_routing else "") + pattern + "$"), template))
        # The longest template first: /runs/{id}/cancel before /runs/{id}.
        return sorted(found, key=lambda p: len(p[1]), reverse=True)

    def operation(self, method: str, path: str) -> Operation | None:
        for pattern, template in self._patterns:
            if pattern.match(path):
                spec = self.document["paths"][template].get(method.lower())
                if spec is not None:
                    return Operation(method.upper(), template, spec)
        return None

    def response_spec(self, op: Operation, status: int) -> dict[str, Any] | None:
        responses = op.spec.get("responses", {})
        return responses.get(str(status)) or responses.get(f"{status // 100}XX") or responses.get("default")

    def problems(self, op: Operation, status: int, content_type: str, body: bytes) -> list[str]:
        """What is wrong with this answer by the document (empty when nothing is)."""
        spec = self.response_spec(op, status)
        where = f"{op.method} {op.template}"
        if spec is None:
            return [f"HTTP {status} is not a documented answer of {where} "
                    f"(documented: {', '.join(op.spec.get('responses', {}))})"]
        content = spec.get("content", {})
        if not content:
            return [] if not body else [f"{where} answers HTTP {status} with no body, got {len(body)} bytes"]
        media = content_type.split(";", 1)[0].strip().lower()
        if media not in content:
            return [f"{where} answers HTTP {status} as {', '.join(content)}; got Content-Type {content_type!r}"]
        schema = content[media].get("schema")
        if schema is None or media != "application/json":
            return []
        try:
            value = json.loads(body)
        except ValueError as exc:
            return [f"{where} answered HTTP {status} with a body that is not JSON: {exc}"]
        return self.schema_problems(schema, value, f"the HTTP {status} body of {where}")

    def schema_problems(self, schema: dict[str, Any], value: Any, what: str) -> list[str]:
        key = id(schema)
        validator = self._validators.get(key)
        if validator is None:
            validator = jsonschema.Draft202012Validator(
                {**schema, "components": self.document.get("components", {})})
            self._validators[key] = validator
        error = jsonschema.exceptions.best_match(validator.iter_errors(value))
        if error is None:
            return []
        at = "/".join(str(p) for p in error.absolute_path) or "(top)"
        return [f"{what} does not match its schema at {at}: {error.message}"]

    def component(self, name: str) -> dict[str, Any] | None:
        """A reference to a named component (the same object each time: validators are cached by it)."""
        if name not in self._refs:
            known = name in self.document.get("components", {}).get("schemas", {})
            self._refs[name] = {"$ref": f"#/components/schemas/{name}"} if known else None
        return self._refs[name]
