from __future__ import annotations

import pytest

from mockserver.spec.types import INT64, TypePhraseError, avro_to_json_schema, parse_type


@pytest.mark.parametrize(("phrase", "schema", "avro"), [
    ("string", {"type": "string"}, "string"),
    ("String", {"type": "string"}, "string"),
    ("boolean", {"type": "boolean"}, "boolean"),
    ("number", {"type": "number"}, "double"),
    ("bytes", {"type": "string", "x-avro-type": "bytes"}, "bytes"),
    ("long", {"type": "integer", "format": "int64", "minimum": INT64[0], "maximum": INT64[1]}, "long"),
    ("array of strings", {"type": "array", "items": {"type": "string"}}, {"type": "array", "items": "string"}),
    ("map of string to strings", {"type": "object", "additionalProperties": {"type": "string"}},
     {"type": "map", "values": "string"}),
    ("map of string to maps of string to arrays of strings",
     {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": {
         "type": "array", "items": {"type": "string"}}}},
     {"type": "map", "values": {"type": "map", "values": {"type": "array", "items": "string"}}}),
])
def test_phrases_map_to_json_schema_and_avro(phrase: str, schema: dict, avro: object) -> None:
    parsed = parse_type(phrase)
    assert parsed.json_schema() == schema
    assert parsed.avro() == avro


def test_int_is_bounded_to_32_bits() -> None:
    schema = parse_type("int").json_schema()
    assert (schema["minimum"], schema["maximum"], schema["format"]) == (-(2**31), 2**31 - 1, "int32")


def test_innermost_map_is_where_listed_keys_belong() -> None:
    t = parse_type("map of string to maps of string to maps of string to arrays of strings")
    inner = t.innermost_map()
    assert inner is not None and inner.item is not None and inner.item.kind == "array"


@pytest.mark.parametrize("phrase", ["map of int to strings", "tuple", "array of", "JSON or String"])
def test_phrases_outside_the_grammar_are_refused(phrase: str) -> None:
    with pytest.raises(TypePhraseError):
        parse_type(phrase)


def test_avro_records_become_closed_field_lists() -> None:
    record = {"type": "record", "name": "r", "fields": [
        {"name": "a", "type": "long"}, {"name": "b", "type": {"type": "map", "values": "bytes"}}]}
    schema = avro_to_json_schema(record)
    assert schema["required"] == ["a", "b"]
    assert schema["properties"]["b"]["additionalProperties"]["x-avro-type"] == "bytes"
