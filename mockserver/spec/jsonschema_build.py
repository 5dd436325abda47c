"""Turn documented fields into JSON Schema properties: shared by both APIs' builders."""

from __future__ import annotations

import copy
from typing import Any

from mockserver.spec import prose
from mockserver.spec.mintlify import Field, PageError
from mockserver.spec.types import DocType, TypePhraseError, parse_type

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def field_type(field: Field, file: str, inherited: DocType | None = None) -> DocType:
    """The field's parsed type; a field without one takes the value type of the map it sits in."""
    if field.type is None:
        if inherited is None:
            raise PageError(file, field.line, f"field {field.name!r} has no type")
        return inherited
    try:
        return parse_type(field.type)
    except TypePhraseError as exc:
        raise PageError(file, field.line, str(exc)) from exc


def field_schema(field: Field, file: str, inherited: DocType | None = None) -> dict[str, Any]:
    """One property: its type, description, default and allowed values; known keys of its maps."""
    doc_type = field_type(field, file, inherited)
    schema = doc_type.json_schema()
    leaf = _leaf(schema)
    if values := prose.allowed_values(field.description):
        leaf["enum"] = values
    if (least := prose.minimum(field.description)) is not None and leaf.get("type") == "integer":
        leaf["minimum"] = least
    if (bound := prose.maximum(field.description)) is not None:
        leaf["maximum"] = bound
    if field.children:
        holder = doc_type.innermost_map()
        if holder is None:
            raise PageError(file, field.line, f"{field.name!r} lists keys but its type is not a map")
        target = _innermost_map_schema(schema)
        assert holder.item is not None
        target["properties"] = {child.name: field_schema(child, file, holder.item) for child in field.children}
    literal = field.default or prose.default_literal(field.description)
    if literal is not None:
        schema["default"] = prose.default_value(literal, schema.get("type"))
    return {"description": prose.clean(field.description), **schema}


def _leaf(schema: dict[str, Any]) -> dict[str, Any]:
    while True:
        if isinstance(schema.get("additionalProperties"), dict):
            schema = schema["additionalProperties"]
        elif isinstance(schema.get("items"), dict):
            schema = schema["items"]
        else:
            return schema


def _innermost_map_schema(schema: dict[str, Any]) -> dict[str, Any]:
    found = None
    while True:
        if isinstance(schema.get("additionalProperties"), dict):
            found = schema
            schema = schema["additionalProperties"]
        elif isinstance(schema.get("items"), dict):
            schema = schema["items"]
        else:
            assert found is not None
            return found


def object_schema(properties: dict[str, dict[str, Any]], required: list[str], **meta: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"$schema": DIALECT, **meta, "type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def infer_schema(values: list[Any]) -> dict[str, Any]:
    """A schema that every given example value satisfies, no tighter than the examples show.

    Numbers are inferred as `number`: an example showing 50 does not prove a field is integral.
    Object keys present in every example are required.
    """
    kinds = {_json_kind(v) for v in values}
    if len(kinds) > 1:
        return {"anyOf": [infer_schema([v for v in values if _json_kind(v) == k]) for k in sorted(kinds)]}
    kind = kinds.pop()
    if kind == "object":
        keys: list[str] = []
        for value in values:
            keys += [k for k in value if k not in keys]
        properties = {k: infer_schema([v[k] for v in values if k in v]) for k in keys}
        required = [k for k in keys if all(k in v for v in values)]
        return {"type": "object", "properties": properties, **({"required": required} if required else {})}
    if kind == "array":
        items = [item for value in values for item in value]
        return {"type": "array", **({"items": infer_schema(items)} if items else {})}
    return {"type": kind}


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def nest_dotted(fields: list[tuple[str, dict[str, Any], bool]], file: str, line: int) -> tuple[dict, list]:
    """PraisonAI's `progress.percentage` and `jobs[].job_id` names, as nested properties.

    Each entry is (dotted name, schema, required). A parent must be listed before its children.
    """
    properties: dict[str, Any] = {}
    required: list[str] = []
    for dotted, schema, is_required in fields:
        *parents, name = dotted.split(".")
        target_props, target_required = properties, required
        holder: dict[str, Any] | None = None
        for parent in parents:
            key, is_array = (parent[:-2], True) if parent.endswith("[]") else (parent, False)
            if key not in target_props:
                raise PageError(file, line, f"{dotted!r} comes before its parent {key!r}")
            holder = target_props[key]
            if is_array:
                holder = holder.setdefault("items", {"type": "object"})
            holder.setdefault("properties", {})
            target_props = holder["properties"]
            target_required = holder.setdefault("required", [])
        target_props[name] = copy.deepcopy(schema)
        if is_required:
            target_required.append(name)
        if holder is not None and not holder["required"]:
            del holder["required"]
    return properties, required
