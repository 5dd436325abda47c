"""Misbehaviour switches: break one contract clause on purpose, to prove the suite notices.

A `Misbehaviour` is the set of clause ids (see `contract_tests.clauses`) currently broken. The
`MisbehaviourMiddleware` (pure ASGI, wrapped around one API's app) consults it on every request and,
for each active clause that concerns the request, rewrites the request on its way in or the answer
on its way out so that exactly that statement of the contract stops holding; the models stay
untouched and correct. It also serves the switch itself:

    GET    /_mock/misbehave                  -> {"clauses": [...], "available": [...]}
    POST   /_mock/misbehave {"clauses": [...]} -> replace the set (unknown ids: 400)
    DELETE /_mock/misbehave                  -> clear it

Breaking at the wire keeps the switch independent of how the models are written: a breaker sees
what a client sees and lies about it, which is exactly what a wrong implementation looks like from
outside. Each breaker is a few lines in `mockserver/misbehave_breakers.py`, keyed by clause id.
"""

from __future__ import annotations

import inspect
import json
import threading
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.vary import Variation

SWITCH_PATH = "/_mock/misbehave"


class Misbehaviour:
    """The clause ids broken right now; thread-safe, shared by the middleware and the control route."""

    def __init__(self, clauses: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._ids: frozenset[str] = frozenset(clauses)

    @property
    def ids(self) -> frozenset[str]:
        return self._ids

    def active(self, clause_id: str) -> bool:
        return clause_id in self._ids

    def set(self, clauses: Iterable[str]) -> None:
        with self._lock:
            self._ids = frozenset(clauses)

    def clear(self) -> None:
        self.set(())


@dataclass
class Exchange:
    """One request/answer pair as a breaker sees it. JSON bodies are parsed; Kinetica's wrapper too."""

    api: str
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: list[tuple[str, str]]
    body: bytes
    request_json: Any = None
    status: int = 0
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes = b""
    response_json: Any = None
    # Kinetica: the endpoint, the encoding and the decoded request / wrapper / payload
    endpoint: str = ""
    encoding: str = ""
    wrapper: dict[str, Any] | None = None
    data: Any = None
    internal: Callable[[str, str, Any], Awaitable[Any]] | None = None  # call the wrapped app

    def header(self, name: str, *, response: bool = False) -> str | None:
        for k, v in self.response_headers if response else self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def set_header(self, name: str, value: str | None, *, response: bool = False) -> None:
        items = self.response_headers if response else self.headers
        items[:] = [(k, v) for k, v in items if k.lower() != name.lower()]
        if value is not None:
            items.append((name, value))

    def query_value(self, name: str) -> str | None:
        return next((v for k, v in self.query if k == name), None)

    def set_query(self, name: str, value: str | None) -> None:
        self.query = [(k, v) for k, v in self.query if k != name]
        if value is not None:
            self.query.append((name, value))

    @property
    def streaming(self) -> bool:
        return (self.header("content-type", response=True) or "").startswith("text/event-stream")


@dataclass
class Breaker:
    """Breaks one clause. `applies` picks the requests; the hooks rewrite them or their answers.

    `state` persists across requests (e.g. what a breaker has seen finish), per middleware.
    """

    clause: str
    api: str
    applies: Callable[[Exchange], bool]
    before: Callable[[Exchange, dict[str, Any]], Awaitable[None] | None] | None = None
    after: Callable[[Exchange, dict[str, Any]], Awaitable[None] | None] | None = None
    chunk: Callable[[Exchange, dict[str, Any], bytes], bytes] | None = None  # streamed answers


class MisbehaviourMiddleware:
    def __init__(self, app: ASGIApp, misbehaviour: Misbehaviour | Variation, *, api: str,
                 breakers: Iterable[Breaker] | None = None, serves_switch: bool = True) -> None:
        """With `breakers` and a `Variation`, the same machinery makes latitude choices (mockserver.vary);
        `serves_switch=False` then leaves /_mock/misbehave alone."""
        from mockserver.misbehave_breakers import BREAKERS

        self.app = app
        self.misbehaviour = misbehaviour
        self.serves_switch = serves_switch
        self.api = api
        self.breakers = [b for b in (breakers if breakers is not None else BREAKERS) if b.api == api]
        self.available = sorted({b.clause for b in self.breakers})
        self.states: dict[str, dict[str, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.serves_switch and scope["path"] == SWITCH_PATH:
            await self._switch(scope, receive, send)
            return
        ids = self.misbehaviour.ids
        if not ids or scope["path"].startswith("/_mock"):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        ex = _exchange(self.api, scope, body)
        ex.internal = lambda method, path, payload: _call(self.app, scope, method, path, payload)
        active = [b for b in self.breakers if b.clause in ids and b.applies(ex)]
        if not active:
            await self.app(scope, _replay(body, receive), send)
            return
        for b in active:
            if b.before is not None:
                await _maybe(b.before(ex, self.states.setdefault(b.clause, {})))
        _encode_request(ex)
        inner_scope = dict(scope)
        inner_scope["query_string"] = urlencode(ex.query).encode()
        inner_scope["headers"] = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in ex.headers
                                  if k.lower() != "content-length"]
        inner_scope["headers"].append((b"content-length", str(len(ex.body)).encode()))
        await self._respond(ex, active, inner_scope, receive, send)

    async def _respond(self, ex: Exchange, active: list[Breaker], scope: Scope, receive: Receive,
                       send: Send) -> None:
        chunks: list[bytes] = []
        started = False

        async def capture(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                ex.status = message["status"]
                ex.response_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]]
                if ex.streaming:
                    for b in active:  # status/header changes of a stream happen before it starts
                        if b.after is not None:
                            await _maybe(b.after(ex, self.states.setdefault(b.clause, {})))
                    await send(_start(ex))
                    started = True
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            data = message.get("body", b"")
            if started:
                for b in active:
                    if b.chunk is not None and data:
                        data = b.chunk(ex, self.states.setdefault(b.clause, {}), data)
                await send({"type": "http.response.body", "body": data, "more_body": message.get("more_body", False)})
                return
            chunks.append(data)
            if not message.get("more_body", False):
                ex.response_body = b"".join(chunks)
                _decode_response(ex)
                for b in active:
                    if b.after is not None:
                        await _maybe(b.after(ex, self.states.setdefault(b.clause, {})))
                _encode_response(ex)
                await send(_start(ex))
                await send({"type": "http.response.body", "body": ex.response_body, "more_body": False})

        await self.app(scope, _replay(ex.body, receive), capture)

    async def _switch(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        status, payload = 200, None
        if method == "POST":
            try:
                data = json.loads(await _read_body(receive) or b"{}")
                clauses = data["clauses"]
                if not isinstance(clauses, list) or not all(isinstance(c, str) for c in clauses):
                    raise ValueError("field 'clauses' must be an array of clause ids")
            except (ValueError, KeyError, TypeError) as exc:
                status, payload = 400, {"error": f"expected {{\"clauses\": [ids]}}: {exc}"}
            else:
                unknown = sorted(set(clauses) - set(self.available))
                if unknown:
                    status, payload = 400, {"error": f"no misbehaviour for {unknown}", "available": self.available}
                else:
                    self.misbehaviour.set(clauses)
                    self.states.clear()
        elif method == "DELETE":
            self.misbehaviour.clear()
            self.states.clear()
        elif method != "GET":
            status, payload = 405, {"error": f"method {method} not allowed"}
        if payload is None:
            payload = {"clauses": sorted(self.misbehaviour.ids), "available": self.available}
        body = json.dumps(payload).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


# -- plumbing -----------------------------------------------------------------------------------------
async def _maybe(result: object) -> None:
    """Hooks may be coroutines; one-line lambdas return whatever their last expression gave."""
    if inspect.isawaitable(result):
        await result


async def _read_body(receive: Receive) -> bytes:
    parts = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _start(ex: Exchange) -> Message:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in ex.response_headers
               if k.lower() != "content-length"]
    if not ex.streaming:
        headers.append((b"content-length", str(len(ex.response_body)).encode()))
    return {"type": "http.response.start", "status": ex.status, "headers": headers}


def _exchange(api: str, scope: Scope, body: bytes) -> Exchange:
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", [])]
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    ex = Exchange(api, scope["method"], scope["path"], query, headers, body)
    if api == "kinetica":
        from mockserver.misbehave_kinetica import decode_request

        decode_request(ex)
    else:
        try:
            ex.request_json = json.loads(body) if body else None
        except ValueError:
            ex.request_json = None
    return ex


def _encode_request(ex: Exchange) -> None:
    if ex.api == "kinetica":
        from mockserver.misbehave_kinetica import encode_request

        encode_request(ex)
    elif ex.request_json is not None:
        ex.body = json.dumps(ex.request_json).encode()


def _decode_response(ex: Exchange) -> None:
    if ex.api == "kinetica":
        from mockserver.misbehave_kinetica import decode_response

        decode_response(ex)
        return
    try:
        ex.response_json = json.loads(ex.response_body) if ex.response_body else None
    except ValueError:
        ex.response_json = None


def _encode_response(ex: Exchange) -> None:
    if ex.api == "kinetica":
        from mockserver.misbehave_kinetica import encode_response

        encode_response(ex)
    elif ex.response_json is not None:
        ex.response_body = json.dumps(ex.response_json).encode()


async def _call(app: ASGIApp, scope: Scope, method: str, path: str, payload: Any) -> Any:
    """A side request to the wrapped app (e.g. its control plane), answered as parsed JSON."""
    body = json.dumps(payload).encode() if payload is not None else b""
    inner = {**scope, "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]}
    chunks: list[bytes] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(inner, receive, send)
    raw = b"".join(chunks)
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw
