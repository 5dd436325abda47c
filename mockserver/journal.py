"""A bounded journal of the requests a mock has answered, as pure ASGI middleware.

Recording sits on the hot path of every request, so it keeps raw bytes only (headers as the server
gave them, the first `max_body` bytes of the body) and turns them into text when someone lists the
journal. The control plane's own requests are left out by default: an inspector page polling the
state would otherwise flood the journal with itself.
"""

from __future__ import annotations

import base64
import fnmatch
import itertools
import re
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.control import is_control_path
from mockserver.read_ahead import ReadAhead

# Headers whose values are credentials: shown as REDACTED in every listing (the raw bytes stay in
# memory only). Any header naming an API key or token counts too.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_SECRET_NAME = re.compile(r"api[-_]?key|auth[-_]?token|access[-_]?token|secret|session[-_]?token")
REDACTED = "REDACTED"
_TEXTUAL = (b"application/json", b"text/", b"application/x-yaml", b"application/yaml",
            b"application/x-www-form-urlencoded")


class Entry:
    """One request and what came back; raw until `to_dict` is asked for."""

    __slots__ = ("api", "body", "body_size", "duration", "id", "method", "mock_time", "path", "query",
                 "request_headers", "response_body", "response_bytes", "response_headers", "status",
                 "wall_time")

    def __init__(self, entry_id: int, api: str | None, scope: Scope, mock_time: float,
                 wall_time: float) -> None:
        self.id = entry_id
        self.api = api
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.query: bytes = scope.get("query_string", b"")
        self.request_headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
        self.mock_time = mock_time
        self.wall_time = wall_time
        self.body = b""
        self.body_size = 0
        self.status: int | None = None  # None: no response was started (hang, reset, error)
        self.response_headers: list[tuple[bytes, bytes]] = []
        self.response_bytes = 0
        # The first `max_body` bytes of the answer (the last ones for an event stream, whose end is
        # what a reader needs): what a client was told, for grading its next move.
        self.response_body = b""
        self.duration = 0.0

    def to_dict(self) -> dict[str, Any]:
        headers = _decode_headers(self.request_headers)
        data: dict[str, Any] = {
            "id": self.id,
            "api": self.api,
            "method": self.method,
            "path": self.path,
            "query": self.query.decode("latin-1"),
            "headers": headers,
            "body_size": self.body_size,
            "body_truncated": len(self.body) < self.body_size,
            "status": self.status,
            "response_headers": _decode_headers(self.response_headers),
            "response_bytes": self.response_bytes,
            "duration": self.duration,
            "mock_time": self.mock_time,
            "wall_time": self.wall_time,
        }
        content_type = next((v for k, v in self.request_headers if k == b"content-type"), b"")
        if content_type.startswith(_TEXTUAL):
            data["body"] = self.body.decode("utf-8", errors="replace")
        else:
            data["body_base64"] = base64.b64encode(self.body).decode("ascii")
        return data


def is_secret_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_HEADERS or _SECRET_NAME.search(lowered) is not None


def _decode_headers(raw: list[tuple[bytes, bytes]]) -> list[list[str]]:
    decoded = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]
    return [[k, REDACTED if is_secret_header(k) else v] for k, v in decoded]


class Journal:
    """A ring buffer of the last `capacity` requests, shared by every API port of one mock."""

    def __init__(self, *, capacity: int = 1000, max_body: int = 16 * 1024,
                 clock_now: Callable[[], float] = time.time, include_control: bool = False) -> None:
        if capacity < 1:
            raise ValueError("journal capacity must be at least 1")
        self.capacity = capacity
        self.max_body = max_body
        self.include_control = include_control
        self._clock_now = clock_now
        self._entries: deque[Entry] = deque(maxlen=capacity)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def _begin(self, api: str | None, scope: Scope) -> Entry:
        # next() on itertools.count is atomic under the GIL: no lock on the hot path.
        return Entry(next(self._ids), api, scope, self._clock_now(), time.time())

    def _record(self, entry: Entry) -> None:
        with self._lock:
            self._entries.append(entry)

    def note(self, api: str | None, scope: Scope, status: int,
             response_headers: list[tuple[bytes, bytes]]) -> None:
        """Record a request refused at the door (its body unread)."""
        if not self.include_control and is_control_path(scope["path"]):
            return
        entry = self._begin(api, scope)
        entry.status = status
        entry.response_headers = response_headers
        self._record(entry)

    def __len__(self) -> int:
        return len(self._entries)

    def raw(self) -> list[Entry]:
        """Every recorded entry, oldest first, undecoded (for the client grader)."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> int:
        with self._lock:
            dropped = len(self._entries)
            self._entries.clear()
        return dropped

    def entries(self, *, path: str | None = None, method: str | None = None,
                status: int | str | None = None, since: float | None = None, api: str | None = None,
                limit: int | None = None) -> list[dict[str, Any]]:
        """Recorded requests, oldest first, filtered.

        `path` is a glob; `status` an exact code or a class such as "4xx"; `since` a mock-clock
        instant (entries that started at or after it); `limit` keeps the newest N.
        """
        with self._lock:
            snapshot = list(self._entries)
        match_path = re.compile(fnmatch.translate(path)).fullmatch if path else None
        wanted_method = method.upper() if method else None
        status_test = _status_test(status)
        chosen = [e for e in snapshot
                  if (match_path is None or match_path(e.path))
                  and (wanted_method is None or e.method == wanted_method)
                  and (status_test is None or status_test(e.status))
                  and (since is None or e.mock_time >= since)
                  and (api is None or e.api == api)]
        if limit is not None:
            chosen = chosen[-limit:] if limit > 0 else []
        return [e.to_dict() for e in chosen]


def _status_test(status: int | str | None) -> Callable[[int | None], bool] | None:
    if status is None:
        return None
    if isinstance(status, int):
        return lambda s: s == status
    text = str(status).strip().lower()
    if re.fullmatch(r"[1-5]xx", text):
        first = int(text[0])
        return lambda s: s is not None and s // 100 == first
    if text in ("none", "null"):
        return lambda s: s is None
    if text.isdigit():
        code = int(text)
        return lambda s: s == code
    raise ValueError(f"status filter must be a code (404), a class (4xx) or none; got {status!r}")



class JournalMiddleware:
    def __init__(self, app: ASGIApp, journal: Journal, *, api: str | None = None) -> None:
        self.app = app
        self.journal = journal
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        journal = self.journal
        if not journal.include_control and is_control_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        recording = _Recording(journal, journal._begin(self.api, scope), receive, send)
        if type(receive) is ReadAhead:
            # Behind the guard the body was read ahead, and the `receive` holds it: noted here,
            # the app's `receive` left as it is.
            recording.note_body(receive.body)
        else:
            receive = recording.receive
        try:
            await self.app(scope, receive, recording.send)
        finally:
            if not recording.recorded:
                recording.finish()


class _Recording:
    """One request on its way through: what it sent and what came back, kept as raw bytes (one
    object per request, its methods the app's `send`, and its `receive` when no body was read ahead)."""

    __slots__ = ("_receive", "_send", "answer", "answer_size", "chunks", "entry", "journal", "recorded",
                 "started", "streaming")

    def __init__(self, journal: Journal, entry: Entry, receive: Receive, send: Send) -> None:
        self.journal = journal
        self.entry = entry
        self._receive = receive
        self._send = send
        self.started = time.perf_counter()
        self.chunks: list[bytes] = []
        self.answer: list[bytes] = []
        self.answer_size = 0
        self.streaming = False
        self.recorded = False

    def finish(self) -> None:
        self.recorded = True
        entry, limit = self.entry, self.journal.max_body
        entry.duration = time.perf_counter() - self.started
        if self.chunks:
            body = self.chunks[0] if len(self.chunks) == 1 else b"".join(self.chunks)
            entry.body = body[:limit]
        if self.answer:
            joined = b"".join(self.answer)
            entry.response_body = joined[-limit:] if self.streaming else joined[:limit]
        self.journal._record(entry)

    def note_body(self, body: bytes) -> None:
        if body:
            entry = self.entry
            if entry.body_size < self.journal.max_body:
                self.chunks.append(body)
            entry.body_size += len(body)

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.note_body(message.get("body", b""))
        return message

    def send(self, message: Message) -> Awaitable[None]:
        # Not a coroutine: the server's own `send` is what the app awaits (one frame fewer per message).
        kind = message["type"]
        entry = self.entry
        if kind == "http.response.start":
            entry.status = message["status"]
            entry.response_headers = headers = message.get("headers", [])
            for name, value in headers:
                if name == b"content-type":
                    self.streaming = value.startswith(b"text/event-stream")
                    break
        elif kind == "http.response.body":
            chunk = message.get("body", b"")
            entry.response_bytes += len(chunk)
            limit = self.journal.max_body
            if chunk and (self.streaming or self.answer_size < limit):
                self.answer.append(chunk)
                self.answer_size += len(chunk)
                if self.streaming and self.answer_size > 2 * limit:  # keep the tail only, in bounded memory
                    tail = b"".join(self.answer)[-limit:]
                    self.answer[:] = [tail]
                    self.answer_size = len(tail)
            if not message.get("more_body", False) and not self.recorded:
                # Recorded before the last byte goes out: a client that has its answer finds the
                # request in the journal.
                self.finish()
        return self._send(message)
