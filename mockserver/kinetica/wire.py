"""Kinetica's two wire encodings, chosen by Content-Type.

- JSON (`application/json`): the request is a JSON object with the Avro field names; the response
  is the wrapper `{status, message, data_type, data: "", data_str: "<response as JSON text>"}`.
- Avro binary (`application/octet-stream`, the gpudb client's default): the request is the
  schemaless Avro of the request record; the response is the Avro `gpudb_response` wrapper whose
  `data` holds the schemaless Avro of the response record.

Avro `bytes` travel in JSON as strings of code points 0..255 (latin-1), as the gpudb client sends
them. JSON bodies are written ASCII-only, because the client turns response bytes into text one
byte per character.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from functools import cache
from typing import Any

import fastavro
import jsonschema

from mockserver.excerpt import MAX_ECHO_CHARS, excerpt
from mockserver.resources import schemas_dir
from mockserver.spec.avro_forms import to_avro_form, to_json_form, type_name
from mockserver.spec.loader import kinetica_avro, kinetica_endpoints, kinetica_operation, kinetica_wrapper_avro

JSON = "json"
BINARY = "binary"
MEDIA_TYPES = {JSON: "application/json", BINARY: "application/octet-stream"}
_JSON_SEPARATORS = (",", ":")
_INT_RANGE = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


class WireError(Exception):
    """A request that cannot be decoded; the message says why, in the client's terms."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def encoding_of(content_type: str | None) -> str:
    """The encoding a request's Content-Type asks for; no header means binary (the client default)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in ("", "application/octet-stream"):
        return BINARY
    if media == "application/json":
        return JSON
    if media == "application/x-snappy":
        raise WireError("snappy-compressed requests are not supported by this mock; "
                        "use application/octet-stream or application/json")
    raise WireError(f"unsupported Content-Type {content_type!r}; "
                    "use application/octet-stream or application/json")


def served_endpoints() -> list[str]:
    return kinetica_endpoints()


@cache
def _by_length() -> list[str]:
    return sorted(kinetica_endpoints(), key=len, reverse=True)


def endpoint_of(path: str) -> str | None:
    """The served endpoint a path addresses: Kinetica routes on the suffix, so prefixes are allowed."""
    return next((e for e in _by_length() if path.endswith(e)), None)


# -- JSON requests: checked against the Avro types, and put in the Avro form ----------------------
def _from_json(value: Any, avro_type: Any, where: str) -> Any:
    """Check a JSON value against an Avro type and convert it to the Avro form (bytes as bytes)."""
    kind = type_name(avro_type)
    if kind == "string":
        if isinstance(value, str):
            return value
    elif kind == "bytes":
        if isinstance(value, str):
            try:
                return value.encode("latin-1")
            except UnicodeEncodeError:
                raise WireError(f"{where} must be bytes as a string of code points 0-255") from None
    elif kind in _INT_RANGE:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            low, high = _INT_RANGE[kind]
            if low <= value <= high:
                return value
            raise WireError(f"{where} is out of range for an Avro {kind}")
    elif kind in ("double", "float"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif kind == "boolean":
        if isinstance(value, bool):
            return value
    elif kind == "map":
        if isinstance(value, dict):
            return {k: _from_json(v, avro_type["values"], f"{where}[{k!r}]") for k, v in value.items()}
    elif kind == "array":
        if isinstance(value, list):
            return [_from_json(v, avro_type["items"], f"{where}[{i}]") for i, v in enumerate(value)]
    elif kind == "record":
        if isinstance(value, dict):
            return _record_from_json(value, avro_type, where)
    else:
        raise WireError(f"{where}: Avro type {kind!r} is not supported by this mock")
    return _wrong_type(value, kind, avro_type, where)


def _wrong_type(value: Any, kind: str, avro_type: Any, where: str) -> Any:
    expected = {"map": "an object", "array": "an array", "record": "an object"}.get(kind, f"a {kind}")
    if kind == "map":
        expected = f"an object of {type_name(avro_type['values'])}"
    got = "null" if value is None else type(value).__name__.replace("dict", "object").replace(
        "list", "array").replace("str", "string")
    raise WireError(f"{where} must be {expected}, not {got}")


def _zero(avro_type: Any) -> Any:
    kind = type_name(avro_type)
    return {"string": "", "bytes": b"", "int": 0, "long": 0, "boolean": False, "double": 0.0,
            "float": 0.0, "map": {}, "array": []}.get(kind)


def _record_from_json(obj: dict[str, Any], schema: dict[str, Any], where: str) -> dict[str, Any]:
    fields = {f["name"]: f["type"] for f in schema["fields"]}
    unknown = sorted(set(obj) - set(fields))
    if unknown:
        raise WireError(f"{where} has unknown field(s) {unknown}; expected {list(fields)}")
    # A missing field takes its type's empty value, as the documented defaults ('' / {} / []) say.
    return {name: (_from_json(obj[name], t, name) if name in obj else _zero(t))
            for name, t in fields.items()}


# -- per-endpoint codecs ------------------------------------------------------------------------
class Codec:
    """Request decoding and response encoding of one endpoint, with its parsed Avro schemas."""

    def __init__(self, endpoint: str) -> None:
        request, response = kinetica_avro(endpoint)
        self.endpoint = endpoint
        self.operation = kinetica_operation(endpoint)
        self.request_schema = request
        self.response_schema = response
        self.request_name: str = request["name"]
        self.response_name: str = response["name"]
        self._request = fastavro.parse_schema(request)
        self._response = fastavro.parse_schema(response)

    def decode_request(self, body: bytes, encoding: str) -> dict[str, Any]:
        if encoding == JSON:
            try:
                obj = json.loads(body)
            except (ValueError, RecursionError) as exc:
                raise WireError(f"request body is not valid JSON: {exc}") from None
            if not isinstance(obj, dict):
                raise WireError(f"request body must be a JSON object ({self.request_name})")
            record = _record_from_json(obj, self.request_schema, self.request_name)
        else:
            stream = io.BytesIO(body)
            try:
                record = _read_record(stream, self._request)
            except Exception as exc:  # fastavro raises EOFError, UnicodeDecodeError, ValueError, ...
                reason = str(exc) or type(exc).__name__
                raise WireError(f"request body is not a valid Avro {self.request_name}: {reason}") from None
            if stream.tell() != len(body):
                raise WireError(f"request body is not a valid Avro {self.request_name}: "
                                f"{len(body) - stream.tell()} unread byte(s) after the record")
        validate_request(self.endpoint, record)
        return record

    def encode_record(self, record: dict[str, Any], encoding: str) -> bytes:
        """The response record alone: Avro bytes, or JSON text as ASCII bytes."""
        if encoding == JSON:
            return json.dumps(to_json_form(record), separators=_JSON_SEPARATORS).encode("ascii")
        out = io.BytesIO()
        fastavro.schemaless_writer(out, self._response, record)
        return out.getvalue()

    def encode_response(self, record: dict[str, Any], encoding: str) -> bytes:
        """The whole OK wrapper around the response record."""
        inner = self.encode_record(record, encoding)
        if encoding == JSON:
            return wrap_json("OK", "", self.response_name, inner.decode("ascii"))
        return wrap_binary("OK", "", self.response_name, inner)

    # Records in their JSON form, unchecked (the misbehaviour layer reads and rewrites them).
    def read_request(self, body: bytes) -> dict[str, Any]:
        """An Avro request body in JSON form, without validating it."""
        record: dict[str, Any] = to_json_form(_read_record(io.BytesIO(body), self._request))
        return record

    def write_request(self, record: dict[str, Any]) -> bytes:
        out = io.BytesIO()
        fastavro.schemaless_writer(out, self._request, to_avro_form(record, self.request_schema))
        return out.getvalue()

    def write_response(self, record: dict[str, Any]) -> bytes:
        out = io.BytesIO()
        fastavro.schemaless_writer(out, self._response, to_avro_form(record, self.response_schema))
        return out.getvalue()


@cache
def codec(endpoint: str) -> Codec:
    return Codec(endpoint)


@cache
def _wrapper() -> Any:
    return fastavro.parse_schema(kinetica_wrapper_avro())


def wrap_json(status: str, message: str, data_type: str, data_str: str) -> bytes:
    return json.dumps({"status": status, "message": message, "data_type": data_type, "data": "",
                       "data_str": data_str}, separators=_JSON_SEPARATORS).encode("ascii")


def wrap_binary(status: str, message: str, data_type: str, data: bytes) -> bytes:
    return write_wrapper({"status": status, "message": message, "data_type": data_type, "data": data,
                          "data_str": ""})


def write_wrapper(wrapper: dict[str, Any]) -> bytes:
    """An Avro `gpudb_response` from its fields (`data` as bytes)."""
    out = io.BytesIO()
    fastavro.schemaless_writer(out, _wrapper(), wrapper)
    return out.getvalue()


def error_response(message: str, encoding: str) -> bytes:
    """The ERROR wrapper: data_type 'none', empty payload."""
    message = excerpt(message, 4 * MAX_ECHO_CHARS)  # messages quote input: never all of it
    if encoding == JSON:
        return wrap_json("ERROR", message, "none", "")
    return wrap_binary("ERROR", message, "none", b"")


def _read_record(stream: io.BytesIO, schema: Any) -> dict[str, Any]:
    record = fastavro.schemaless_reader(stream, schema, None)
    if not isinstance(record, dict):
        raise WireError(f"expected an Avro record, read {type(record).__name__}")
    return record


def decode_wrapper(body: bytes, encoding: str) -> dict[str, Any]:
    """Read a response wrapper (for tests and the job dispatcher)."""
    if encoding == JSON:
        wrapper: dict[str, Any] = json.loads(body)
        return wrapper
    return _read_record(io.BytesIO(body), _wrapper())


def decode_response_record(endpoint: str, payload: bytes | str, encoding: str) -> dict[str, Any]:
    """A response record from its encoded form (`data` or `data_str`)."""
    if encoding == JSON:
        record: dict[str, Any] = json.loads(payload)
        return record
    return _read_record(io.BytesIO(payload.encode("latin-1") if isinstance(payload, str) else payload),
                        codec(endpoint)._response)


def encode_request(endpoint: str, record: dict[str, Any], encoding: str) -> bytes:
    """A request body as the gpudb client would send it (tests and jobs use this)."""
    c = codec(endpoint)
    if encoding == JSON:
        return json.dumps(to_json_form(record)).encode("ascii")
    out = io.BytesIO()
    fastavro.schemaless_writer(out, c._request, record)
    return out.getvalue()


# -- request validation by the generated JSON Schemas, when they exist ------------------------------
@cache
def _request_validator(endpoint: str) -> Callable[[Any], None] | None:
    path = schemas_dir() / "kinetica" / f"{kinetica_operation(endpoint)}.request.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)

    def check(instance: Any) -> None:
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "request"
            raise WireError(f"invalid {kinetica_operation(endpoint)} request at {where}: {error.message}")

    return check


def validate_request(endpoint: str, record: dict[str, Any]) -> None:
    """The one place request records meet the generated JSON Schemas (a no-op until they exist)."""
    check = _request_validator(endpoint)
    if check is not None:
        check(to_json_form(record))
