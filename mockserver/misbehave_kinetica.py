"""Kinetica's two encodings as the misbehaviour middleware needs them: decode a request and an
answer into plain dicts for the breakers, and encode them back after they have been tampered with.

JSON and Avro answers are handled alike: `ex.wrapper` is the wrapper (without its payload) and
`ex.data` the decoded response record (None on error). Bytes travel in the JSON form (latin-1
strings) so breakers never care which encoding the client chose.
"""

from __future__ import annotations

import io
import json
from functools import cache
from typing import TYPE_CHECKING, Any

import fastavro

from mockserver.spec.loader import kinetica_avro, kinetica_endpoints, kinetica_wrapper_avro

if TYPE_CHECKING:
    from mockserver.misbehave import Exchange




@cache
def _parsed(endpoint: str, which: int) -> Any:
    return fastavro.parse_schema(kinetica_avro(endpoint)[which], _write_hint=False)


@cache
def _wrapper() -> Any:
    return fastavro.parse_schema(kinetica_wrapper_avro(), _write_hint=False)


def endpoint_of(path: str) -> str:
    """The endpoint a path addresses: Kinetica routes on the suffix, so prefixes are allowed."""
    for endpoint in sorted(kinetica_endpoints(), key=len, reverse=True):
        if path.endswith(endpoint):
            return endpoint
    return ""


def _json_form(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, dict):
        return {k: _json_form(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_form(v) for v in value]
    return value


def _avro_form(value: Any, avro_type: Any) -> Any:
    kind = avro_type if isinstance(avro_type, str) else avro_type["type"]
    if kind == "bytes" and isinstance(value, str):
        return value.encode("latin-1")
    if kind == "map" and isinstance(value, dict):
        return {k: _avro_form(v, avro_type["values"]) for k, v in value.items()}
    if kind == "array" and isinstance(value, list):
        return [_avro_form(v, avro_type["items"]) for v in value]
    if kind == "record" and isinstance(value, dict):
        types = {f["name"]: f["type"] for f in avro_type["fields"]}
        return {k: _avro_form(v, types[k]) for k, v in value.items() if k in types}
    return value


def _read(schema: Any, data: bytes) -> Any:
    return fastavro.schemaless_reader(io.BytesIO(data), schema, None)


def _write(schema: Any, record: Any) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, schema, record)
    return out.getvalue()


def decode_request(ex: Exchange) -> None:
    ex.endpoint = endpoint_of(ex.path)
    media = (ex.header("content-type") or "").split(";")[0].strip().lower()
    ex.encoding = "json" if media == "application/json" else "binary"
    if not ex.endpoint:
        return
    try:
        if ex.encoding == "json":
            ex.request_json = json.loads(ex.body)
        else:
            ex.request_json = _json_form(_read(_parsed(ex.endpoint, 0), ex.body))
    except Exception:  # an undecodable body is the model's to refuse; breakers see None
        ex.request_json = None


def encode_request(ex: Exchange) -> None:
    if ex.request_json is None or not ex.endpoint:
        return
    if ex.encoding == "json":
        ex.body = json.dumps(ex.request_json).encode()
    else:
        ex.body = _write(_parsed(ex.endpoint, 0), _avro_form(ex.request_json, kinetica_avro(ex.endpoint)[0]))


def decode_response(ex: Exchange) -> None:
    media = (ex.header("content-type", response=True) or "").split(";")[0].strip().lower()
    try:
        if media == "application/json":
            wrapper = json.loads(ex.response_body)
            ex.wrapper = wrapper
            if wrapper.get("status") == "OK" and ex.endpoint:
                ex.data = json.loads(wrapper["data_str"])
        else:
            wrapper = _read(_wrapper(), ex.response_body)
            ex.wrapper = _json_form(wrapper)
            if wrapper.get("status") == "OK" and ex.endpoint:
                ex.data = _json_form(_read(_parsed(ex.endpoint, 1), wrapper["data"]))
    except Exception:
        ex.wrapper = None
        ex.data = None


def encode_response(ex: Exchange) -> None:
    if ex.wrapper is None:
        return
    media = (ex.header("content-type", response=True) or "").split(";")[0].strip().lower()
    wrapper = dict(ex.wrapper)
    if media == "application/json":
        if ex.data is not None:
            wrapper["data_str"] = json.dumps(ex.data)
        ex.response_body = json.dumps(wrapper).encode()
        return
    try:
        if ex.data is not None and ex.endpoint:
            wrapper["data"] = _write(_parsed(ex.endpoint, 1), _avro_form(ex.data, kinetica_avro(ex.endpoint)[1]))
        else:
            wrapper["data"] = wrapper.get("data", "").encode("latin-1") if isinstance(wrapper.get("data"), str) \
                else wrapper.get("data", b"")
        ex.response_body = _write(_wrapper(), wrapper)
    except Exception:  # a lie that does not fit the Avro record cannot be told in Avro: leave it
        pass


def ok(ex: Exchange) -> bool:
    return ex.wrapper is not None and ex.wrapper.get("status") == "OK" and isinstance(ex.data, dict)


def make_error(ex: Exchange, message: str, status: int = 400) -> None:
    ex.status = status
    ex.wrapper = {"status": "ERROR", "message": message, "data_type": "none", "data": "", "data_str": ""}
    ex.data = None


def make_ok(ex: Exchange, data: dict[str, Any], record: str) -> None:
    ex.status = 200
    ex.wrapper = {"status": "OK", "message": "", "data_type": record, "data": "", "data_str": ""}
    ex.data = data


class KineticaCodec:
    """The four functions above as the misbehaviour middleware's codec."""

    def decode_request(self, ex: Exchange) -> None:
        decode_request(ex)

    def encode_request(self, ex: Exchange) -> None:
        encode_request(ex)

    def decode_response(self, ex: Exchange) -> None:
        decode_response(ex)

    def encode_response(self, ex: Exchange) -> None:
        encode_response(ex)
