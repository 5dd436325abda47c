"""The Kinetica HTTP surface: a pure ASGI app that decodes, calls the model, encodes.

Every endpoint is a POST, routed on the *suffix* of the path so that base URLs such as
`http://host:9191/gpudb-0` work. Logical errors and undecodable requests are HTTP 400 with the
ERROR wrapper, never 404 or 5xx: the gpudb client takes those for a dead node and fails over. A
path this mock does not serve is 404 with the wrapper, as a real server answers.

The app is deliberately not a Starlette router: /show/proc/status is the hot path of every
polling client, and finished runs answer from a cache of encoded bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from mockserver.kinetica import wire
from mockserver.kinetica.errors import KineticaError
from mockserver.kinetica.models import KineticaModel
from mockserver.kinetica.records import KineticaRecords, status_record
from mockserver.read_ahead import taken

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
# The finished-status cache holds request and answer bytes: bounded by their size, not their count
# (a client can make each request as large as the body limit).
STATUS_CACHE_BYTES = 8 * 1024 * 1024
_STATUS_CACHE_ENTRY_BYTES = 64 * 1024  # larger requests or answers are simply not cached
_log = logging.getLogger("mockserver.kinetica")


class KineticaApp:
    def __init__(self, model: KineticaModel, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.model = model
        self.records = KineticaRecords(model)
        self.max_body_bytes = max_body_bytes
        handlers = self.records.handlers()
        self.endpoints = wire.served_endpoints()
        missing = sorted(set(self.endpoints) - set(handlers))
        if missing:
            raise RuntimeError(f"the model has no handler for {missing}")
        self._handlers = {e: handlers[e] for e in self.endpoints}
        self._routes: dict[str, str | None] = {}
        # (encoding, request body) -> (the model's version when answered, encoded answer): answers
        # that cannot change while nothing happens, valid until the model changes. Bounded by bytes.
        self._status_cache: dict[tuple[str, bytes], tuple[int, bytes]] = {}
        self.status_cache_bytes = 0

    # -- ASGI ---------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        # Nothing to do: the database's start (auto-start runs begin) is the mock's, done once when
        # it starts (`ApiSpec.startup`, recorded in a state file), not at each server's lifespan.
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        content_type = content_length = host = None
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = value.decode("latin-1")
            elif name == b"content-length":
                content_length = value
            elif name == b"host":
                host = value.decode("latin-1")
        try:
            encoding = wire.encoding_of(content_type)
        except wire.WireError as exc:
            await _respond(send, 400, wire.error_response(exc.message, wire.JSON), wire.JSON)
            return
        path = scope["path"]
        endpoint = self.route(path)
        if endpoint is None:
            await _respond(send, 404, wire.error_response(
                f"Unknown endpoint {path}: this mock serves {', '.join(self.endpoints)}", encoding), encoding)
            return
        if scope["method"] != "POST":
            # RFC 9110 15.5.6: a 405 says which methods the resource has.
            await _respond(send, 405, wire.error_response(
                f"{endpoint} only accepts POST, not {scope['method']}", encoding), encoding,
                extra=[(b"allow", b"POST")])
            return
        body = await _read_body(receive, content_length, self.max_body_bytes)
        if body is _GONE:
            return  # the client went away mid-body: nothing is done with half a request
        if body is None:
            await _respond(send, 413, wire.error_response(
                f"request body is larger than this mock's limit of {self.max_body_bytes} bytes",
                encoding), encoding)
            return
        # Only the system properties name an address; every other answer is found without it.
        public_url = _public_url(scope, host) if endpoint == "/show/system/properties" else None
        status, payload = self.handle(endpoint, body, encoding, public_url=public_url)
        await _respond(send, status, payload, encoding)

    def route(self, path: str) -> str | None:
        """The served endpoint `path` ends with, or None."""
        try:
            return self._routes[path]
        except KeyError:
            pass
        found = wire.endpoint_of(path)
        if len(self._routes) < 1024:  # paths come from clients: keep the memo bounded
            self._routes[path] = found
        return found

    # -- request handling (no I/O) --------------------------------------------------------------
    def handle(self, endpoint: str, body: bytes, encoding: str, *, public_url: str | None = None
               ) -> tuple[int, bytes]:
        """HTTP status and encoded wrapper for one request to a served endpoint."""
        codec = wire.codec(endpoint)
        try:
            if endpoint == "/show/proc/status":
                # Pollers repeat the very same bytes: a finished run's answer is found without
                # even decoding the request, as long as the run is still there.
                hit = self._status_cache.get((encoding, body))
                if hit is not None and hit[0] == self.model.version:
                    return 200, hit[1]
                record = codec.decode_request(body, encoding)
                return 200, self._status(record, body, encoding)
            record = codec.decode_request(body, encoding)
            if endpoint == "/show/system/properties":
                response = self.records.show_system_properties(record, public_url=public_url)
            else:
                response = self._handlers[endpoint](record)
            return 200, codec.encode_response(response, encoding)
        except (wire.WireError, KineticaError) as exc:
            return 400, wire.error_response(exc.message, encoding)
        except Exception as exc:  # a bug in the mock: still the client's error format, still 400
            _log.exception("unexpected error handling %s", endpoint)
            return 400, wire.error_response(f"internal error in the mock: {type(exc).__name__}: {exc}",
                                            encoding)

    def _status(self, record: dict[str, Any], body: bytes, encoding: str) -> bytes:
        view = self.records.status_view(record)
        payload = wire.codec("/show/proc/status").encode_response(status_record(view), encoding)
        size = len(body) + len(payload)
        if view.final and size <= _STATUS_CACHE_ENTRY_BYTES:
            if self.status_cache_bytes + size > STATUS_CACHE_BYTES:
                self._status_cache.clear()
                self.status_cache_bytes = 0
            if (encoding, body) not in self._status_cache:
                self.status_cache_bytes += size
            self._status_cache[(encoding, body)] = (self.model.version, payload)
        return payload


def create_kinetica_app(model: KineticaModel, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> KineticaApp:
    return KineticaApp(model, max_body_bytes=max_body_bytes)


def error_body(scope: Scope, message: str) -> tuple[bytes, bytes]:
    """(content type, ERROR wrapper) in the request's encoding, JSON when it names none we speak."""
    content_type = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"content-type"), None)
    try:
        encoding = wire.encoding_of(content_type)
    except wire.WireError:
        encoding = wire.JSON
    return wire.MEDIA_TYPES[encoding].encode(), wire.error_response(message, encoding)


# -- helpers --------------------------------------------------------------------------------------
_CONTENT_TYPES = {encoding: (b"content-type", media.encode("ascii")) for encoding, media in wire.MEDIA_TYPES.items()}
_GONE = b"<gone>"  # a sentinel by identity: the client disconnected before its body was whole


async def _read_body(receive: Receive, content_length: bytes | None, limit: int) -> bytes | None:
    """The whole body; None once it exceeds `limit` (the rest is left unread); `_GONE` if the
    client went away first."""
    if content_length is not None:
        try:
            if int(content_length) > limit:
                return None
        except ValueError:
            pass
    body = taken(receive)  # read whole already (by the guard, misbehaviour or a state file's restore)
    if body is not None:
        return None if len(body) > limit else body
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return _GONE
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _respond(send: Send, status: int, payload: bytes, encoding: str,
                   extra: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        _CONTENT_TYPES[encoding], (b"content-length", b"%d" % len(payload)), *(extra or ())]})
    await send({"type": "http.response.body", "body": payload})


def _public_url(scope: Scope, host: str | None) -> str:
    """scheme://hostname of the address the client used (what conf.host0_public_urls holds)."""
    scheme = scope.get("scheme", "http")
    if host:
        hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return f"{scheme}://{hostname}"
    server = scope.get("server")
    return f"{scheme}://{server[0]}" if server else f"{scheme}://127.0.0.1"
