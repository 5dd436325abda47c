"""Wire encodings: JSON and Avro binary envelopes, request decoding, errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import fastavro
import pytest

from mockserver.kinetica import wire
from mockserver.spec.loader import kinetica_avro


@pytest.mark.parametrize(("content_type", "encoding"), [
    (None, wire.BINARY), ("application/octet-stream", wire.BINARY), ("application/json", wire.JSON),
    ("Application/JSON; charset=utf-8", wire.JSON),
])
def test_encoding_is_chosen_by_content_type(content_type: str | None, encoding: str) -> None:
    assert wire.encoding_of(content_type) == encoding


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-snappy", "application/xml"])
def test_other_content_types_are_refused(content_type: str) -> None:
    with pytest.raises(wire.WireError, match="application/octet-stream"):
        wire.encoding_of(content_type)


EXECUTE = {"proc_name": "p", "params": {"a": "1"}, "bin_params": {"b": b"\x00\xff\x80"},
           "input_table_names": ["t"], "input_column_names": {"t": ["c"]}, "output_table_names": [],
           "options": {"run_tag": "x"}}


@pytest.mark.parametrize("encoding", [wire.JSON, wire.BINARY])
def test_request_round_trip_keeps_bytes(encoding: str) -> None:
    codec = wire.codec("/execute/proc")
    body = wire.encode_request("/execute/proc", EXECUTE, encoding)
    assert codec.decode_request(body, encoding) == EXECUTE


def test_json_bytes_travel_as_latin1_strings() -> None:
    body = json.dumps({**wire.to_json_form(EXECUTE)}).encode()
    assert json.loads(body)["bin_params"]["b"] == "\x00\xff\x80"
    assert wire.codec("/execute/proc").decode_request(body, wire.JSON)["bin_params"]["b"] == b"\x00\xff\x80"


def test_missing_json_fields_take_their_empty_defaults() -> None:
    record = wire.codec("/show/proc/status").decode_request(b'{"run_id": "7"}', wire.JSON)
    assert record == {"run_id": "7", "options": {}}


@pytest.mark.parametrize(("body", "message"), [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "must be a JSON object"),
    (b'{"run_id": 7, "options": {}}', "run_id must be a string, not int"),
    (b'{"run_id": "1", "options": {"a": 1}}', "options['a'] must be a string"),
    (b'{"run_id": "1", "options": []}', "options must be an object of string, not array"),
    (b'{"run_id": "1", "options": {}, "extra": 1}', "unknown field(s) ['extra']"),
    (b'{"run_id": null}', "not null"),
    (b"\xff\xfe", "not valid JSON"),
])
def test_bad_json_requests(body: bytes, message: str) -> None:
    with pytest.raises(wire.WireError) as caught:
        wire.codec("/show/proc/status").decode_request(body, wire.JSON)
    assert message in caught.value.message


def test_json_number_checks() -> None:
    codec = wire.codec("/get/job")
    assert codec.decode_request(b'{"job_id": 3.0, "options": {}}', wire.JSON)["job_id"] == 3
    for body in (b'{"job_id": true, "options": {}}', b'{"job_id": 1.5, "options": {}}',
                 b'{"job_id": 99999999999999999999, "options": {}}'):
        with pytest.raises(wire.WireError, match="job_id"):
            codec.decode_request(body, wire.JSON)
    with pytest.raises(wire.WireError, match="code points 0-255"):
        wire.codec("/execute/proc").decode_request(
            json.dumps({**wire.to_json_form(EXECUTE), "bin_params": {"b": "\u20ac"}}).encode(), wire.JSON)


def test_bad_avro_requests() -> None:
    codec = wire.codec("/show/proc/status")
    good = wire.encode_request("/show/proc/status", {"run_id": "1", "options": {"k": "v"}}, wire.BINARY)
    for body, message in ((good[:-2], "not a valid Avro show_proc_status_request"),
                          (good + b"\x00", "1 unread byte(s)"),
                          (b"\x04\xff\xfe\x00", "not a valid Avro"),
                          (b"", "not a valid Avro")):
        with pytest.raises(wire.WireError) as caught:
            codec.decode_request(body, wire.BINARY)
        assert message in caught.value.message


def test_json_response_wrapper_has_five_keys_and_is_ascii() -> None:
    record = {"proc_name": "caf\u00e9 \u20ac", "info": {}}
    body = wire.codec("/create/proc").encode_response(record, wire.JSON)
    body.decode("ascii")  # the client reads one byte per character
    wrapper = json.loads(body)
    assert set(wrapper) == {"status", "message", "data_type", "data", "data_str"}
    assert (wrapper["status"], wrapper["message"], wrapper["data_type"], wrapper["data"]) == (
        "OK", "", "create_proc_response", "")
    assert json.loads(wrapper["data_str"]) == record


def test_binary_response_wrapper_holds_the_avro_record() -> None:
    record = {"proc_names": ["p"], "execution_modes": ["distributed"], "files": [{"f": b"\x00\x01"}],
              "commands": ["python"], "args": [["a"]], "options": [{}], "info": {}}
    body = wire.codec("/show/proc").encode_response(record, wire.BINARY)
    wrapper = wire.decode_wrapper(body, wire.BINARY)
    assert (wrapper["status"], wrapper["data_type"], wrapper["data_str"]) == ("OK", "show_proc_response", "")
    _, response_schema = kinetica_avro("/show/proc")
    inner = fastavro.schemaless_reader(io.BytesIO(wrapper["data"]), fastavro.parse_schema(response_schema), None)
    assert inner == record


@pytest.mark.parametrize("encoding", [wire.JSON, wire.BINARY])
def test_error_wrapper(encoding: str) -> None:
    wrapper = wire.decode_wrapper(wire.error_response("Proc 'x' does not exist", encoding), encoding)
    assert wrapper["status"] == "ERROR" and wrapper["message"] == "Proc 'x' does not exist"
    assert wrapper["data_type"] == "none" and wrapper["data_str"] == "" and not wrapper["data"]


def test_request_validation_uses_generated_schema_when_present(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "kinetica").mkdir()
    (tmp_path / "kinetica" / "has_proc.request.json").write_text(json.dumps({
        "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
        "properties": {"proc_name": {"type": "string", "minLength": 3}}}), encoding="utf-8")
    monkeypatch.setattr(wire, "schemas_dir", lambda: tmp_path)
    wire._request_validator.cache_clear()
    try:
        codec = wire.Codec("/has/proc")
        assert codec.decode_request(b'{"proc_name": "abc", "options": {}}', wire.JSON)["proc_name"] == "abc"
        with pytest.raises(wire.WireError, match="invalid has_proc request at proc_name"):
            codec.decode_request(b'{"proc_name": "ab", "options": {}}', wire.JSON)
    finally:
        wire._request_validator.cache_clear()
