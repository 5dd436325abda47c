"""The type phrases of the doc pages, as JSON Schema 2020-12 and as Avro.

Kinetica's pages spell types in words: `string`, `long`, `map of string to strings`,
`map of string to maps of string to arrays of strings`. The grammar is small:

    type   := "map(s) of string to" type | "array(s) of" type | scalar
    scalar := string | int | long | integer | boolean | number | double | float | bytes
              | object | array   (each also in the plural)

Bytes travel in Kinetica's JSON encoding as strings whose characters are the byte values (latin-1);
in the Avro binary encoding they are Avro `bytes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)

# Scalar word -> (JSON Schema, Avro type or None where Avro has no such type).
_SCALARS: dict[str, tuple[dict[str, Any], str | None]] = {
    "string": ({"type": "string"}, "string"),
    "int": ({"type": "integer", "format": "int32", "minimum": INT32[0], "maximum": INT32[1]}, "int"),
    "long": ({"type": "integer", "format": "int64", "minimum": INT64[0], "maximum": INT64[1]}, "long"),
    "integer": ({"type": "integer"}, None),
    "boolean": ({"type": "boolean"}, "boolean"),
    "number": ({"type": "number"}, "double"),
    "double": ({"type": "number", "format": "double"}, "double"),
    "float": ({"type": "number", "format": "float"}, "float"),
    # The characters of the string are the byte values; x-avro-type tells the binary encoding apart.
    "bytes": ({"type": "string", "x-avro-type": "bytes"}, "bytes"),
    "object": ({"type": "object"}, None),
    "array": ({"type": "array"}, None),
}
_PLURALS = {"strings": "string", "ints": "int", "longs": "long", "integers": "integer",
            "booleans": "boolean", "numbers": "number", "doubles": "double", "floats": "float",
            "objects": "object", "arrays": "array"}
_MAP = re.compile(r"^maps? of string to (.+)$")
_ARRAY = re.compile(r"^arrays? of (.+)$")


class TypePhraseError(ValueError):
    """A type phrase outside the grammar."""


@dataclass(frozen=True)
class DocType:
    """A parsed type phrase: a scalar, or a map/array of another DocType."""

    kind: str  # "scalar", "map" or "array"
    scalar: str | None = None
    item: DocType | None = None

    def json_schema(self) -> dict[str, Any]:
        if self.kind == "scalar":
            return dict(_SCALARS[self.scalar][0])  # type: ignore[index]
        assert self.item is not None
        inner = self.item.json_schema()
        if self.kind == "map":
            return {"type": "object", "additionalProperties": inner}
        return {"type": "array", "items": inner}

    def avro(self) -> Any:
        if self.kind == "scalar":
            avro = _SCALARS[self.scalar][1]  # type: ignore[index]
            if avro is None:
                raise TypePhraseError(f"{self.scalar!r} has no Avro counterpart")
            return avro
        assert self.item is not None
        if self.kind == "map":
            return {"type": "map", "values": self.item.avro()}
        return {"type": "array", "items": self.item.avro()}

    def innermost_map(self) -> DocType | None:
        """The deepest map in the chain: where an `<Expandable>` list of known keys belongs."""
        deeper = self.item.innermost_map() if self.item is not None else None
        return deeper or (self if self.kind == "map" else None)


def parse_type(phrase: str) -> DocType:
    words = " ".join(phrase.strip().split()).lower()
    if match := _MAP.match(words):
        return DocType("map", item=parse_type(match.group(1)))
    if match := _ARRAY.match(words):
        return DocType("array", item=parse_type(match.group(1)))
    scalar = _PLURALS.get(words, words)
    if scalar not in _SCALARS:
        raise TypePhraseError(f"unknown type {phrase!r}")
    return DocType("scalar", scalar=scalar)


def avro_to_json_schema(avro: Any) -> dict[str, Any]:
    """An Avro type (as the gpudb client holds it) as JSON Schema for the JSON encoding."""
    if isinstance(avro, str):
        if avro not in _SCALARS or _SCALARS[avro][1] != avro:
            raise TypePhraseError(f"unsupported Avro type {avro!r}")
        return dict(_SCALARS[avro][0])
    kind = avro.get("type")
    if kind == "map":
        return {"type": "object", "additionalProperties": avro_to_json_schema(avro["values"])}
    if kind == "array":
        return {"type": "array", "items": avro_to_json_schema(avro["items"])}
    if kind == "record":
        return {
            "type": "object",
            "properties": {f["name"]: avro_to_json_schema(f["type"]) for f in avro["fields"]},
            "required": [f["name"] for f in avro["fields"]],
        }
    raise TypePhraseError(f"unsupported Avro type {avro!r}")


def avro_type_phrase(avro: Any) -> str:
    """An Avro type in the words the pages use, for the drift report."""
    if isinstance(avro, str):
        return avro
    if avro["type"] == "map":
        return f"map of string to {avro_type_phrase(avro['values'])}"
    if avro["type"] == "array":
        return f"array of {avro_type_phrase(avro['items'])}"
    return str(avro["type"])
