"""The door of every port: one pure-ASGI layer that refuses hostile requests before anything acts.

In order, for each HTTP request (control plane and API alike):

1. **Host**: over a real socket the `Host` must be a loopback name (`localhost`, `*.localhost`,
   127.0.0.0/8, ::1) or one the user allowed, so a DNS-rebinding page cannot reach the mock under its
   own name. In-process (httpx's ASGI transport) there is no socket to rebind and no check.
2. **Origin**: a state-changing request (any method but GET, HEAD, OPTIONS) from a page the CORS
   policy does not allow is refused, whatever its content type: CORS alone only hides the answer,
   and a "simple" cross-site POST would otherwise still act. The mock's own pages (same origin) pass.
3. **Credentials**, when configured, on every path: the API, the control plane and the inspector.
   CORS preflights (which browsers send without credentials) pass to the CORS layer.
4. **The body**: at most `max_body_bytes` (a larger `Content-Length` is refused before reading),
   read whole within `body_timeout` seconds, before the app sees the request. A client that goes
   away mid-body is dropped with one log line and nothing acts on its half request.
5. **Text**: a JSON body must be UTF-8 without lone surrogates (which no encoder can write back).

A refusal is 4xx in the format of the API the port serves (or the control plane's), carries the
CORS headers an allowed page needs to read it, and is recorded in the journal. It never echoes the
input. Header read timeouts live below ASGI, in `mockserver.slow_clients`. Being outermost, the guard
also notes the request's transport for the layers below (`mockserver.faults.note_transport`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import re
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.auth import AuthConfig
from mockserver.cors import CorsPolicy
from mockserver.faults import TRANSPORT_KEY, note_transport
from mockserver.journal import Journal
from mockserver.read_ahead import ReadAhead

__all__ = ["DEFAULT_BODY_TIMEOUT_S", "DEFAULT_MAX_BODY_BYTES", "ErrorBody", "Guard", "GuardConfig",
           "HostPolicy", "control_error_body", "unencodable_text"]

DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
DEFAULT_BODY_TIMEOUT_S = 30.0
CONTROL_PREFIX = "/_mock"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_log = logging.getLogger("mockserver.guard")

# (content type, body) of a refusal in one API's error format, given the request and a message.
ErrorBody = Callable[[Scope, str], tuple[bytes, bytes]]

_CHECKED_HEADERS = frozenset({b"host", b"origin", b"authorization", b"content-length", b"content-type",
                              b"transfer-encoding", b"access-control-request-method"})

# A JSON escape of a UTF-16 surrogate: the only way a JSON text can carry a lone one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class _BodyDeadlines:
    """Body-read deadlines of one event loop, swept by one timer while any read is in progress.

    A timer per request (`asyncio.timeout`) costs more than the rest of the guard together; here a
    read registers its task in a dict, and an overdue one is cancelled by the sweep (so a deadline
    holds to within `sweep` seconds).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, sweep: float) -> None:
        self.loop = loop
        self.sweep = sweep
        self.reads: dict[asyncio.Task[Any], float] = {}
        self.expired: set[asyncio.Task[Any]] = set()
        self._timer: asyncio.TimerHandle | None = None

    def start(self, task: asyncio.Task[Any], seconds: float) -> None:
        self.reads[task] = self.loop.time() + seconds
        if self._timer is None:
            self._timer = self.loop.call_later(self.sweep, self._sweep)

    def stop(self, task: asyncio.Task[Any]) -> None:
        self.reads.pop(task, None)

    def _sweep(self) -> None:
        now = self.loop.time()
        for task, deadline in list(self.reads.items()):
            if deadline <= now:
                del self.reads[task]
                self.expired.add(task)
                task.cancel()
        self._timer = self.loop.call_later(self.sweep, self._sweep) if self.reads else None


def control_error_body(scope: Scope, message: str) -> tuple[bytes, bytes]:
    """The control plane's `{"error": ...}`."""
    return b"application/json", json.dumps({"error": message}).encode()


def _is_control(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


@dataclass(frozen=True)
class HostPolicy:
    """Which `Host` names are served: loopback ones always, plus `allowed` (`*`: any)."""

    allowed: frozenset[str] = frozenset()

    @classmethod
    def from_names(cls, names: Iterable[str] | None) -> HostPolicy:
        """Names as given (`mock.example`, `mock.example:8080`, `[fd00::1]`, `*`); ports are ignored."""
        return cls(frozenset(_hostname(name.strip()) for name in names or () if name.strip()))

    def allows(self, host_header: str | None) -> bool:
        if host_header is None:
            return True  # HTTP/1.0 without Host: not a browser, so not a rebinding page
        if "*" in self.allowed:
            return True
        try:
            hostname = urlsplit("//" + host_header).hostname
        except ValueError:
            return False
        if not hostname:
            return False
        hostname = hostname.rstrip(".")
        if hostname in self.allowed or hostname == "localhost" or hostname.endswith(".localhost"):
            return True
        try:
            return ipaddress.ip_address(hostname).is_loopback
        except ValueError:
            return False


@dataclass(frozen=True)
class GuardConfig:
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    body_timeout: float = DEFAULT_BODY_TIMEOUT_S
    hosts: HostPolicy = field(default_factory=HostPolicy)
    auth: AuthConfig = field(default_factory=AuthConfig)
    cors: CorsPolicy = field(default_factory=CorsPolicy)

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1:
            raise ValueError(f"the body limit must be at least 1 byte; got {self.max_body_bytes}")
        if not self.body_timeout > 0:
            raise ValueError(f"the body timeout must be positive; got {self.body_timeout}")


def unencodable_text(body: bytes) -> str | None:
    """Why a JSON body's text cannot be taken (invalid UTF-8, a lone surrogate), or None.

    Bodies that are not JSON at all are left to the app, which refuses them in its own words.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"the body is not valid UTF-8 (byte {exc.start})"
    if _SURROGATE_ESCAPE.search(body) is None:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return "the body holds a lone UTF-16 surrogate (\\ud800-\\udfff)" if _has_lone_surrogate(value) else None


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _is_json(content_type: bytes | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json"))


class _Refused(Exception):
    def __init__(self, status: int, message: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or []


class Guard:
    """See the module docstring. `error_body` gives the API's error format, `unauthorized` its 401."""

    def __init__(self, app: ASGIApp, config: GuardConfig, *, error_body: ErrorBody,
                 unauthorized: ErrorBody | None = None, journal: Journal | None = None,
                 api: str | None = None) -> None:
        self.app = app
        self.config = config
        self.error_body = error_body
        self.unauthorized = unauthorized or error_body
        self.journal = journal
        self.api = api
        self._deadlines: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _BodyDeadlines] = \
            weakref.WeakKeyDictionary()
        self._last_deadlines: _BodyDeadlines | None = None  # the loop it serves, found without a lookup
        self._hosts_seen: dict[bytes | None, bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        note_transport(scope, send)
        wanted: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            if name in _CHECKED_HEADERS and name not in wanted:
                wanted[name] = value
        body: bytes | None = b""
        read = False
        try:
            # Nothing to read for a CORS preflight (the CORS layer answers it), nor for a request
            # without a body (RFC 9112 6.3: neither header frames one).
            if self._admit(scope, wanted) and (b"content-length" in wanted or b"transfer-encoding" in wanted):
                read = True
                body = await self._read_body(receive, wanted.get(b"content-length"))
                if body and _is_json(wanted.get(b"content-type")):
                    why = unencodable_text(body)
                    if why is not None:
                        raise _Refused(400, why)
        except _Refused as refused:
            await self._refuse(scope, send, wanted, refused)
            return
        if body is None:  # the client went away: nothing acts on half a request
            return
        # A ReadAhead either way: the journal then knows the body without wrapping `receive`.
        await self.app(scope, ReadAhead(body, receive, delivered=not read), send)

    # -- the checks -------------------------------------------------------------------------------
    def _admit(self, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        """Raise `_Refused` for a request that may not come in; False for a CORS preflight."""
        config = self.config
        host = headers.get(b"host")
        if TRANSPORT_KEY in scope and not self._host_allowed(host):
            raise _Refused(403, "this Host is not served: use a loopback name, or start the mock with "
                                "--allowed-host NAME")
        method: str = scope["method"]
        origin = _text(headers.get(b"origin"))
        if method == "OPTIONS" and origin is not None and b"access-control-request-method" in headers:
            return False
        if method not in SAFE_METHODS and origin is not None and not self._origin_allowed(scope, origin, host):
            raise _Refused(403, "cross-origin request refused: this page's origin is not allowed "
                                "(start the mock with --cors-origin ORIGIN)")
        if config.auth.enabled and not config.auth.accepts(headers.get(b"authorization")):
            reason = "Not authenticated" if b"authorization" not in headers else "Invalid credentials"
            raise _Refused(401, reason, [(b"www-authenticate", config.auth.challenge())])
        return True

    def _host_allowed(self, host: bytes | None) -> bool:
        # Remembered per Host value (a client sends the same one on every request); bounded.
        allowed = self._hosts_seen.get(host)
        if allowed is None:
            if len(self._hosts_seen) >= 256:
                self._hosts_seen.clear()
            allowed = self._hosts_seen[host] = self.config.hosts.allows(_text(host))
        return allowed

    def _origin_allowed(self, scope: Scope, origin: str, host: bytes | None) -> bool:
        if self.config.cors.enabled and self.config.cors.allows(origin):
            return True
        # The mock's own pages (the inspector) post to the origin they came from.
        return host is not None and origin.lower() == f"{scope.get('scheme', 'http')}://{_text(host)}".lower()

    async def _read_body(self, receive: Receive, content_length: bytes | None) -> bytes | None:
        limit = self.config.max_body_bytes
        if content_length is not None and content_length.isdigit() and int(content_length) > limit:
            raise _too_large(limit)
        chunks: list[bytes] = []
        size = 0
        deadlines = self._body_deadlines()
        task = asyncio.current_task(deadlines.loop)
        assert task is not None
        deadlines.start(task, self.config.body_timeout)
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    _log.info("client went away before its request body arrived; nothing done")
                    return None
                chunk = message.get("body", b"")
                if chunk:
                    size += len(chunk)
                    if size > limit:
                        raise _too_large(limit)
                    chunks.append(chunk)
                if not message.get("more_body", False):
                    break
        except asyncio.CancelledError:
            if task not in deadlines.expired:
                raise
            deadlines.expired.discard(task)
            task.uncancel()
            raise _Refused(408, f"the request body did not arrive within {self.config.body_timeout:g} s",
                           [(b"connection", b"close")]) from None
        finally:
            deadlines.stop(task)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _body_deadlines(self) -> _BodyDeadlines:
        loop = asyncio.get_running_loop()
        last = self._last_deadlines
        if last is not None and last.loop is loop:
            return last
        deadlines = self._deadlines.get(loop)
        if deadlines is None:
            sweep = min(1.0, self.config.body_timeout / 4)
            deadlines = self._deadlines[loop] = _BodyDeadlines(loop, sweep)
        self._last_deadlines = deadlines
        return deadlines

    # -- the answer -------------------------------------------------------------------------------
    async def _refuse(self, scope: Scope, send: Send, headers: dict[bytes, bytes], refused: _Refused) -> None:
        if _is_control(scope["path"]):
            content_type, body = control_error_body(scope, refused.message)
        elif refused.status == 401:
            content_type, body = self.unauthorized(scope, refused.message)
        else:
            content_type, body = self.error_body(scope, refused.message)
        response_headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
                            *refused.headers, *self._cors_headers(headers)]
        if self.journal is not None:  # before the answer: a client that has it may look at the journal
            self.journal.note(self.api, scope, refused.status, response_headers)
        await send({"type": "http.response.start", "status": refused.status, "headers": response_headers})
        await send({"type": "http.response.body", "body": body})

    def _cors_headers(self, headers: dict[bytes, bytes]) -> list[tuple[bytes, bytes]]:
        """What lets an allowed page read the refusal (the CORS layer never sees it)."""
        origin = _text(headers.get(b"origin"))
        cors = self.config.cors
        if origin is None or not cors.enabled or not cors.allows(origin):
            return []
        return [(b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-credentials", b"true"),
                (b"access-control-expose-headers", ", ".join(cors.expose_headers).encode()),
                (b"vary", b"Origin")]


def _too_large(limit: int) -> _Refused:
    return _Refused(413, f"the request body is larger than this mock's limit of {limit} bytes (--max-body-bytes)",
                    [(b"connection", b"close")])


def _hostname(name: str) -> str:
    if name == "*":
        return name
    try:
        hostname = urlsplit("//" + name).hostname
    except ValueError:
        hostname = None
    return (hostname or name.lower()).rstrip(".")


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None
