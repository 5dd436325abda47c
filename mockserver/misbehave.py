"""Misbehaviour switches: break one contract clause on purpose, to prove the suite notices.

A `Misbehaviour` is the set of clause ids (see `contract_tests.clauses`) currently broken, with the
state breakers keep between requests. The `MisbehaviourMiddleware` (pure ASGI, wrapped around one
API's app only) consults it on every request and, for each active clause that concerns the request,
rewrites the request on its way in or the answer on its way out so that exactly that statement of
the contract stops holding; the models stay untouched and correct. The switch itself is a control
route (`/_mock/misbehave`, mockserver.control.misbehave).

Breaking at the wire keeps the switch independent of how the models are written: a breaker sees
what a client sees and lies about it, which is exactly what a wrong implementation looks like from
outside. Each API declares its breakers, as named functions keyed by clause id, and the codec that
turns its requests and answers into something a breaker can edit (`BreakerSet`, in
`mockserver/<api>/breakers.py`).
"""

from __future__ import annotations

import inspect
import json
import threading
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.read_ahead import ReadAhead, read_body


class Misbehaviour:
    """The clause ids broken right now and what breakers remember between requests; thread-safe,
    shared by the middleware of every port and the control route.

    `available`: the clauses that have a breaker (None: any id is accepted).
    """

    def __init__(self, clauses: Iterable[str] = (), available: Iterable[str] | None = None) -> None:
        self._lock = threading.Lock()
        self._ids: frozenset[str] = frozenset(clauses)
        self.available: list[str] | None = sorted(set(available)) if available is not None else None
        self.states: dict[str, dict[str, Any]] = {}

    @property
    def ids(self) -> frozenset[str]:
        return self._ids

    def active(self, clause_id: str) -> bool:
        return clause_id in self._ids

    def unknown(self, clauses: Iterable[str]) -> list[str]:
        if self.available is None:
            return []
        return sorted(set(clauses) - set(self.available))

    def set(self, clauses: Iterable[str]) -> None:
        """Break exactly `clauses` (forgetting what breakers remembered); ValueError for an id
        without a breaker."""
        clauses = frozenset(clauses)
        unknown = self.unknown(clauses)
        if unknown:
            raise ValueError(f"no misbehaviour for {unknown}")
        with self._lock:
            self._ids = clauses
            self.states.clear()

    def clear(self) -> None:
        self.set(())

    def state(self, clause_id: str) -> dict[str, Any]:
        return self.states.setdefault(clause_id, {})


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
    control: Callable[[str, str, Any], Awaitable[Any]] | None = None  # call the control plane

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


class ExchangeCodec(Protocol):
    """How one API's requests and answers become editable for breakers, and back."""

    def decode_request(self, ex: Exchange) -> None: ...
    def encode_request(self, ex: Exchange) -> None: ...
    def decode_response(self, ex: Exchange) -> None: ...
    def encode_response(self, ex: Exchange) -> None: ...


class JsonCodec:
    """Plain JSON bodies: `request_json` and `response_json` (None when not JSON)."""

    def decode_request(self, ex: Exchange) -> None:
        ex.request_json = _loads(ex.body)

    def encode_request(self, ex: Exchange) -> None:
        if ex.request_json is not None:
            ex.body = json.dumps(ex.request_json).encode()

    def decode_response(self, ex: Exchange) -> None:
        ex.response_json = _loads(ex.response_body)

    def encode_response(self, ex: Exchange) -> None:
        if ex.response_json is not None:
            ex.response_body = json.dumps(ex.response_json).encode()


def _loads(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


JSON_CODEC = JsonCodec()


@dataclass(frozen=True)
class BreakerSet:
    """One API's breakers and the codec they work through."""

    breakers: Sequence[Breaker]
    codec: ExchangeCodec = JSON_CODEC

    @property
    def clauses(self) -> list[str]:
        return sorted({b.clause for b in self.breakers})


class Switches(Protocol):
    """Which rewrites are on (`Misbehaviour`: clause ids; `mockserver.vary.Variation`: latitude
    choices), and what each remembers between requests."""

    @property
    def ids(self) -> frozenset[str]: ...
    def state(self, key: str) -> dict[str, Any]: ...


class MisbehaviourMiddleware:
    """Wraps one API's app. `control` is the control plane, for breakers that move the clock. The
    same machinery makes the latitude choices (`mockserver.vary`): rewrites keyed `ID=CHOICE`."""

    def __init__(self, app: ASGIApp, misbehaviour: Switches, *, api: str, breakers: BreakerSet,
                 control: ASGIApp | None = None) -> None:
        self.app = app
        self.misbehaviour = misbehaviour
        self.api = api
        self.breakers = list(breakers.breakers)
        self.codec = breakers.codec
        self.control = control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ids = self.misbehaviour.ids
        if scope["type"] != "http" or not ids:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        ex = _exchange(self.api, scope, body)
        self.codec.decode_request(ex)
        control = self.control
        if control is not None:
            ex.control = lambda method, path, payload: _call(control, scope, method, path, payload)
        active = [b for b in self.breakers if b.clause in ids and b.applies(ex)]
        if not active:
            await self.app(scope, ReadAhead(body, receive), send)
            return
        for b in active:
            if b.before is not None:
                await _maybe(b.before(ex, self.misbehaviour.state(b.clause)))
        self.codec.encode_request(ex)
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
        state = self.misbehaviour.state

        async def capture(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                ex.status = message["status"]
                ex.response_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]]
                if ex.streaming:
                    for b in active:  # status/header changes of a stream happen before it starts
                        if b.after is not None:
                            await _maybe(b.after(ex, state(b.clause)))
                    # Still a stream of unknown length, whatever content type a breaker now gives it.
                    await send(_start(ex, streaming=True))
                    started = True
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            data = message.get("body", b"")
            if started:
                for b in active:
                    if b.chunk is not None and data:
                        data = b.chunk(ex, state(b.clause), data)
                await send({"type": "http.response.body", "body": data, "more_body": message.get("more_body", False)})
                return
            chunks.append(data)
            if not message.get("more_body", False):
                ex.response_body = b"".join(chunks)
                self.codec.decode_response(ex)
                for b in active:
                    if b.after is not None:
                        await _maybe(b.after(ex, state(b.clause)))
                self.codec.encode_response(ex)
                await send(_start(ex, streaming=False))
                await send({"type": "http.response.body", "body": ex.response_body, "more_body": False})

        await self.app(scope, ReadAhead(ex.body, receive), capture)


# -- hooks every API's breakers use ------------------------------------------------------------------
Hook = Callable[[Exchange, dict[str, Any]], None]
Edit = Callable[[Exchange, dict[str, Any], dict[str, Any]], None]  # (exchange, decoded body, state)


def fields_set(**values: Any) -> Edit:
    """An edit of a decoded body: these fields get these values."""

    def edit(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
        body.update(values)

    return edit


def fields_dropped(*names: str) -> Edit:
    """An edit of a decoded body: these fields go."""

    def edit(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
        for name in names:
            body.pop(name, None)

    return edit


def response_header(name: str, value: str | None) -> Hook:
    """An `after` hook: the answer's header `name` becomes `value` (None: removed)."""

    def after(ex: Exchange, state: dict[str, Any]) -> None:
        ex.set_header(name, value, response=True)

    return after


def status_set(status: int) -> Hook:
    """An `after` hook: the answer's HTTP status becomes `status`."""

    def after(ex: Exchange, state: dict[str, Any]) -> None:
        ex.status = status

    return after


def query_dropped(name: str) -> Hook:
    """A `before` hook: the query parameter `name` goes (so the app never hears of it)."""

    def before(ex: Exchange, state: dict[str, Any]) -> None:
        ex.set_query(name, None)

    return before


# -- plumbing -----------------------------------------------------------------------------------------
async def _maybe(result: object) -> None:
    """Hooks may be coroutines; one-line lambdas return whatever their last expression gave."""
    if inspect.isawaitable(result):
        await result


def _start(ex: Exchange, *, streaming: bool) -> Message:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in ex.response_headers
               if k.lower() != "content-length"]
    if not streaming:
        headers.append((b"content-length", str(len(ex.response_body)).encode()))
    return {"type": "http.response.start", "status": ex.status, "headers": headers}


def _exchange(api: str, scope: Scope, body: bytes) -> Exchange:
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", [])]
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    return Exchange(api, scope["method"], scope["path"], query, headers, body)


async def _call(app: ASGIApp, scope: Scope, method: str, path: str, payload: Any) -> Any:
    """A side request to another app (the control plane), answered as parsed JSON."""
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
