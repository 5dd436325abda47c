"""The two forms of a Kinetica record: Avro (bytes are bytes) and JSON (bytes are latin-1 strings).

Shared by the mock's wire layer and the suite's client: a conversion of the format, not behaviour of
either side, so one copy serves both.
"""

from __future__ import annotations

from typing import Any

__all__ = ["to_avro_form", "to_json_form", "type_name"]


def type_name(avro_type: Any) -> str:
    return avro_type if isinstance(avro_type, str) else avro_type["type"]


def to_json_form(value: Any) -> Any:
    """Bytes anywhere become latin-1 strings; everything else passes through."""
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, dict):
        return {k: to_json_form(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_form(v) for v in value]
    return value


def to_avro_form(value: Any, avro_type: Any) -> Any:
    """The inverse of `to_json_form` for a value of `avro_type`, without checking it: latin-1 strings
    become bytes where the type says bytes, and fields a record does not have are dropped."""
    kind = type_name(avro_type)
    if kind == "bytes" and isinstance(value, str):
        return value.encode("latin-1")
    if kind == "map" and isinstance(value, dict):
        return {k: to_avro_form(v, avro_type["values"]) for k, v in value.items()}
    if kind == "array" and isinstance(value, list):
        return [to_avro_form(v, avro_type["items"]) for v in value]
    if kind == "record" and isinstance(value, dict):
        types = {f["name"]: f["type"] for f in avro_type["fields"]}
        return {k: to_avro_form(v, types[k]) for k, v in value.items() if k in types}
    return value
