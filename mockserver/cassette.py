"""A cassette: every exchange between a client and a server, with its timing, one JSON object a line.

Written by the proxy (`mockserver proxy --record FILE`) and read by the replay (`mockserver serve
--replay FILE`). One line per exchange, appended and flushed when the exchange ends, so a cassette
cut short by a crash still holds every exchange that finished. Bodies are kept whole: text when the
content type is textual and the bytes are UTF-8, base64 otherwise (Kinetica's Avro). An event stream
keeps each event with its offset from the request's start, so a replay can pace it. Credentials are
redacted before anything is written (secret headers, and secret-looking query parameters).

Times: `started` is seconds since the cassette's first exchange began (wall clock of the recorder),
`duration` the seconds until the last byte of the answer; event offsets are seconds since `started`.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, urlencode

from mockserver.journal import REDACTED, is_secret_header

__all__ = ["CASSETTE_VERSION", "Cassette", "CassetteError", "CassetteWriter", "RecordedExchange", "StreamEvent",
           "read_cassette"]

CASSETTE_VERSION = 1
_TEXTUAL = ("application/json", "text/", "application/x-yaml", "application/yaml",
            "application/x-www-form-urlencoded")

Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class StreamEvent:
    """One server-sent event as it arrived: its raw text, line ends as they came (CRLF, LF or CR), up
    to and including the blank line that ended it."""

    offset: float
    text: str


@dataclass(frozen=True)
class RecordedExchange:
    """One request and its answer. `status` is None when no answer came (the server was unreachable,
    or the connection dropped before the status line)."""

    api: str
    method: str
    path: str
    query: str
    request_headers: Headers
    request_body: bytes
    status: int | None
    response_headers: Headers
    response_body: bytes
    started: float
    duration: float
    events: tuple[StreamEvent, ...] = ()
    error: str | None = None

    def header(self, name: str, *, response: bool = True) -> str | None:
        wanted = name.lower()
        headers = self.response_headers if response else self.request_headers
        return next((v for k, v in headers if k.lower() == wanted), None)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "api": self.api, "method": self.method, "path": self.path, "query": redact_query(self.query),
            "request_headers": [[k, v] for k, v in redact(self.request_headers)],
            "status": self.status,
            "response_headers": [[k, v] for k, v in redact(self.response_headers)],
            "started": round(self.started, 6), "duration": round(self.duration, 6),
        }
        data.update(_body_json("request", self.request_body, self.header("content-type", response=False)))
        data.update(_body_json("response", self.response_body, self.header("content-type")))
        if self.events:
            data["events"] = [{"offset": round(e.offset, 6), "text": e.text} for e in self.events]
        if self.error is not None:
            data["error"] = self.error
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RecordedExchange:
        return cls(
            api=data["api"], method=data["method"], path=data["path"], query=data.get("query", ""),
            request_headers=[(k, v) for k, v in data.get("request_headers", [])],
            request_body=_body_bytes(data, "request"),
            status=data.get("status"),
            response_headers=[(k, v) for k, v in data.get("response_headers", [])],
            response_body=_body_bytes(data, "response"),
            started=float(data["started"]), duration=float(data.get("duration", 0.0)),
            events=tuple(StreamEvent(float(e["offset"]), e["text"]) for e in data.get("events", [])),
            error=data.get("error"),
        )


def redact(headers: Headers) -> Headers:
    return [(k, REDACTED if is_secret_header(k) else v) for k, v in headers]


def redact_query(query: str) -> str:
    """The query with the values of secret-looking parameters (api_key=..., token=...) redacted."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(is_secret_header(k) for k, _ in pairs):
        return query  # untouched, byte for byte
    return urlencode([(k, REDACTED if is_secret_header(k) else v) for k, v in pairs])


def _body_json(side: str, body: bytes, content_type: str | None) -> dict[str, str]:
    if not body:
        return {}
    if content_type and content_type.lower().startswith(_TEXTUAL):
        try:
            return {f"{side}_body": body.decode("utf-8")}
        except UnicodeDecodeError:
            pass
    return {f"{side}_body_base64": base64.b64encode(body).decode("ascii")}


def _body_bytes(data: dict[str, Any], side: str) -> bytes:
    if f"{side}_body" in data:
        return str(data[f"{side}_body"]).encode("utf-8")
    if f"{side}_body_base64" in data:
        return base64.b64decode(data[f"{side}_body_base64"])
    return b""


@dataclass(frozen=True)
class Cassette:
    """A recorded session: its header line and its exchanges in the order they began."""

    apis: tuple[str, ...]
    exchanges: tuple[RecordedExchange, ...] = field(default_factory=tuple)

    def __iter__(self) -> Iterator[RecordedExchange]:
        return iter(self.exchanges)


class CassetteWriter:
    """Appends exchanges to a file, one line each, flushed as they end (thread-safe)."""

    def __init__(self, path: str | Path, *, apis: tuple[str, ...]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._file: IO[str] = self.path.open("w", encoding="utf-8")
        self._write({"cassette": CASSETTE_VERSION, "apis": list(apis)})

    def _write(self, data: dict[str, Any]) -> None:
        line = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()

    def write(self, exchange: RecordedExchange) -> None:
        self._write(exchange.to_json())

    def close(self) -> None:
        with self._lock:
            self._file.close()

    def __enter__(self) -> CassetteWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CassetteError(ValueError):
    """A file that is not a cassette this version can read; the message names the line."""


def read_cassette(path: str | Path) -> Cassette:
    text = Path(path).read_text(encoding="utf-8")
    lines = text.splitlines()
    if lines and not text.endswith("\n"):
        lines.pop()  # a recorder killed mid-line: every exchange before it is whole
    if not lines:
        raise CassetteError(f"{path}: empty, not a cassette")
    try:
        head = json.loads(lines[0])
    except json.JSONDecodeError as error:
        raise CassetteError(f"{path}:1: not JSON ({error.msg})") from None
    if not isinstance(head, dict) or head.get("cassette") != CASSETTE_VERSION:
        raise CassetteError(f"{path}:1: not a version-{CASSETTE_VERSION} cassette header")
    exchanges = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            exchanges.append(RecordedExchange.from_json(json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise CassetteError(f"{path}:{number}: not an exchange ({error})") from None
    exchanges.sort(key=lambda e: e.started)
    return Cassette(apis=tuple(head.get("apis", [])), exchanges=tuple(exchanges))
