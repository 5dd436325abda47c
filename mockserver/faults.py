"""HTTP fault injection as pure ASGI middleware.

A `FaultRule` says which requests it matches (path glob or regex, method, API) and what happens to
them: a canned status, a delay, a hang, a truncated body or a reset connection. Triggers (a seeded
probability, the first N matches, every Nth match) make a rule fire on some matches only, always the
same ones for the same seed and request order.

A `delay` is real seconds (`asyncio.sleep`): HTTP timing as a client sees it, whatever the mock's
clock does. A pause can instead be held on the mock's clock: `until` (an instant, seconds since the
epoch on the mock's clock) or `virtual_seconds` (mock time from the request's arrival) keep the
request until the clock gets there, by an advance or (running) by itself; waiting is on the clock's
move notifications, not polling. The middleware wraps an API's app only, never the control plane
(see mockserver.runtime), so a rule can always be removed.

Breaking a connection needs the server's transport, which ASGI does not expose. Under uvicorn the
`send` callable handed to the app is a method of the request cycle that holds it; `note_transport`
records it in the scope before other middleware wraps `send` (the guard, outermost, calls it). Where
there is no transport (in-process `httpx.ASGITransport`), the fault raises `FaultConnectionBroken`,
which that transport re-raises to the caller as its own error.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import itertools
import json
import random
import re
import socket
import struct
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.clock import Clock

Action = Literal["status", "delay", "hang", "truncate", "reset"]
ACTIONS: tuple[str, ...] = ("status", "delay", "hang", "truncate", "reset")
TRANSPORT_KEY = "mockserver.transport"


class FaultRuleError(ValueError):
    """A fault rule that cannot be built: the message says which field and why."""


class FaultConnectionBroken(ConnectionError):
    """Raised in-process where a fault would break the connection but no transport is reachable."""


@dataclass(frozen=True)
class FaultRule:
    """What to match and what to do. `path` is a glob (`*` crosses `/`); `path_regex` a full match."""

    action: Action
    path: str | None = "*"
    path_regex: str | None = None
    method: str | None = None
    api: str | None = None
    status: int | None = None  # None: 500 for `status`, 200 for `truncate`
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # real seconds: the whole of a `delay` action, a pause before any other action
    until: float | None = None  # or a pause until this instant of the mock's clock
    virtual_seconds: float | None = None  # or a pause for this much of the mock's clock
    probability: float | None = None
    seed: int | None = None
    first: int | None = None
    every: int | None = None
    truncate_at: int = 0  # bytes of the body actually sent by `truncate`

    _FIELDS = ("action", "path", "path_regex", "method", "api", "status", "body", "headers", "delay",
               "until", "virtual_seconds", "probability", "seed", "first", "every", "truncate_at")

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise FaultRuleError(f"action must be one of {', '.join(ACTIONS)}; got {self.action!r}")
        if self.path_regex is not None:
            if not isinstance(self.path_regex, str):
                raise FaultRuleError("path_regex must be a string")
            try:
                re.compile(self.path_regex)
            except re.error as exc:
                raise FaultRuleError(f"path_regex is not a valid regular expression: {exc}") from None
            object.__setattr__(self, "path", None)
        elif not isinstance(self.path, str) or not self.path:
            raise FaultRuleError("path must be a non-empty glob string (or give path_regex)")
        if self.method is not None and (not isinstance(self.method, str) or not self.method.isalpha()):
            raise FaultRuleError(f"method must be an HTTP method name; got {self.method!r}")
        if self.method is not None:
            object.__setattr__(self, "method", self.method.upper())
        if self.api is not None and not isinstance(self.api, str):
            raise FaultRuleError("api must be a string")
        if self.status is None:
            object.__setattr__(self, "status", 200 if self.action == "truncate" else 500)
        if not _is_int(self.status) or not 100 <= self.status <= 599:  # type: ignore[operator]
            raise FaultRuleError(f"status must be an integer HTTP status 100..599; got {self.status!r}")
        if not isinstance(self.headers, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in self.headers.items()):
            raise FaultRuleError("headers must be an object of string names to string values")
        if not _is_number(self.delay) or not 0 <= self.delay <= 3600:
            raise FaultRuleError(f"delay must be a number of seconds in 0..3600; got {self.delay!r}")
        if self.until is not None and (not _is_number(self.until) or self.until < 0):
            raise FaultRuleError(f"until must be an instant of the mock's clock (seconds since the epoch); "
                                 f"got {self.until!r}")
        if self.virtual_seconds is not None and (not _is_number(self.virtual_seconds)
                                                 or not 0 < self.virtual_seconds <= 10 * 365 * 86400):
            raise FaultRuleError(f"virtual_seconds must be a number of seconds in (0, 10 years]; "
                                 f"got {self.virtual_seconds!r}")
        held = [name for name in ("delay", "until", "virtual_seconds") if getattr(self, name)]
        if len(held) > 1:
            raise FaultRuleError(f"give one of delay (real seconds), until or virtual_seconds (mock clock); "
                                 f"got {', '.join(held)}")
        if self.action == "delay" and not held:
            raise FaultRuleError("a delay rule needs delay > 0 (real seconds), until (an instant of the "
                                 "mock's clock) or virtual_seconds (seconds of the mock's clock)")
        if self.probability is not None and (not _is_number(self.probability)
                                             or not 0 <= self.probability <= 1):
            raise FaultRuleError(f"probability must be a number in 0..1; got {self.probability!r}")
        if self.seed is not None and not _is_int(self.seed):
            raise FaultRuleError(f"seed must be an integer; got {self.seed!r}")
        for name in ("first", "every"):
            value = getattr(self, name)
            if value is not None and (not _is_int(value) or value < 1):
                raise FaultRuleError(f"{name} must be a positive integer; got {value!r}")
        if not _is_int(self.truncate_at) or self.truncate_at < 0:
            raise FaultRuleError(f"truncate_at must be a non-negative integer; got {self.truncate_at!r}")

    @classmethod
    def from_dict(cls, data: Any) -> FaultRule:
        if not isinstance(data, Mapping):
            raise FaultRuleError("a fault rule must be a JSON object")
        unknown = sorted(set(data) - set(cls._FIELDS))
        if unknown:
            raise FaultRuleError(f"unknown fault rule field(s): {', '.join(map(str, unknown))}")
        if "action" not in data:
            raise FaultRuleError("a fault rule needs an action")
        try:
            return cls(**dict(data))
        except TypeError as exc:  # e.g. a field given as the wrong kind of thing
            raise FaultRuleError(str(exc)) from None

    def to_dict(self) -> dict[str, Any]:
        return {name: (dict(self.headers) if name == "headers" else getattr(self, name))
                for name in self._FIELDS}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


class _ActiveRule:
    """A rule in force: its compiled matcher, its own seeded random stream and its counters."""

    def __init__(self, rule_id: str, rule: FaultRule) -> None:
        self.id = rule_id
        self.rule = rule
        pattern = rule.path_regex if rule.path_regex is not None else fnmatch.translate(rule.path or "*")
        self._match = re.compile(pattern).fullmatch
        self._random = random.Random(rule.seed)
        self.matched = 0
        self.fired = 0

    def matches(self, api: str | None, method: str, path: str) -> bool:
        rule = self.rule
        return ((rule.method is None or rule.method == method)
                and (rule.api is None or rule.api == api)
                and self._match(path) is not None)

    def trigger(self) -> bool:
        """Count one matching request and say whether the rule fires on it (caller holds the lock)."""
        self.matched += 1
        rule = self.rule
        fires = True
        if rule.first is not None and self.matched > rule.first:
            fires = False
        if rule.every is not None and self.matched % rule.every != 0:
            fires = False
        # Drawn on every match, fired or not, so the sequence depends only on the seed and order.
        if rule.probability is not None and self._random.random() >= rule.probability:
            fires = False
        if fires:
            self.fired += 1
        return fires

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, **self.rule.to_dict(), "matched": self.matched, "fired": self.fired}


class FaultRules:
    """The rules in force, shared by every API port of one mock; safe to change from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: tuple[_ActiveRule, ...] = ()  # replaced, never mutated: readers need no lock
        self._ids = itertools.count(1)
        self._hung: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]]] = {}
        self._stopping = False  # set once the server shuts down: no request may start hanging after

    @property
    def active(self) -> bool:
        """Whether any rule is in force (asked on every request: no lock, the tuple is replaced whole)."""
        return bool(self._rules)

    def add(self, rule: FaultRule | Mapping[str, Any]) -> str:
        if not isinstance(rule, FaultRule):
            rule = FaultRule.from_dict(rule)
        with self._lock:
            rule_id = f"fault-{next(self._ids)}"
            self._rules = (*self._rules, _ActiveRule(rule_id, rule))
        return rule_id

    def remove(self, rule_id: str) -> bool:
        """Drop one rule; requests it holds hanging are let go (their connections closed)."""
        with self._lock:
            kept = tuple(r for r in self._rules if r.id != rule_id)
            found = len(kept) != len(self._rules)
            self._rules = kept
        if found:
            self._release(rule_id)
        return found

    def clear(self) -> None:
        with self._lock:
            ids = [r.id for r in self._rules]
            self._rules = ()
        for rule_id in ids:
            self._release(rule_id)

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.to_dict() for r in self._rules]

    def get(self, rule_id: str) -> dict[str, Any] | None:
        with self._lock:
            return next((r.to_dict() for r in self._rules if r.id == rule_id), None)

    def __len__(self) -> int:
        return len(self._rules)

    def release_hangs(self, *, stopping: bool = False) -> int:
        """Let every hanging request go (a server shutting down must not wait on them forever).

        `stopping`: also let go at once any request that was picked for a hang but is not held yet,
        until `serving()` is called again."""
        with self._lock:
            self._stopping = self._stopping or stopping
            ids = list(self._hung)
        return sum(self._release(rule_id) for rule_id in ids)

    def serving(self) -> None:
        """A server starts (again) on these rules: hang faults may hold requests."""
        with self._lock:
            self._stopping = False

    # -- used by the middleware -------------------------------------------------------------------
    def pick(self, api: str | None, method: str, path: str) -> _ActiveRule | None:
        """The first rule that matches and fires for this request, counting every match."""
        rules = self._rules
        if not rules:
            return None
        with self._lock:
            chosen = None
            for active in rules:
                # Every matching rule counts the request, so "first N" means the first N it saw.
                if active.matches(api, method, path) and active.trigger() and chosen is None:
                    chosen = active
            return chosen

    def _hold(self, rule_id: str) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            # The rule may have been removed, or the server told to stop, since this request was
            # picked for it: then there is nothing to wait for.
            if self._stopping or all(r.id != rule_id for r in self._rules):
                future.set_result(None)
            else:
                self._hung.setdefault(rule_id, set()).add((loop, future))
        return future

    def _unhold(self, rule_id: str, future: asyncio.Future[None]) -> None:
        with self._lock:
            held = self._hung.get(rule_id, set())
            held.discard((future.get_loop(), future))
            if not held:
                self._hung.pop(rule_id, None)

    def _release(self, rule_id: str) -> int:
        with self._lock:
            held = self._hung.pop(rule_id, set())
        for loop, future in held:
            # RuntimeError: that server's loop has already closed, so nothing is waiting.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, future)
        return len(held)


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def note_transport(scope: Scope, send: Send) -> None:
    """Remember uvicorn's transport for this request, for faults that break it: called with the
    server's own `send`, before any middleware wraps it."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is not None:
        scope[TRANSPORT_KEY] = transport


class FaultMiddleware:
    def __init__(self, app: ASGIApp, rules: FaultRules, *, api: str | None = None,
                 clock: Clock | None = None) -> None:
        self.app = app
        self.rules = rules
        self.api = api
        self.clock = clock  # for pauses on the mock's clock (`until`, `virtual_seconds`)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.rules.active:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        active = self.rules.pick(self.api, scope["method"], path)
        if active is None:
            await self.app(scope, receive, send)
            return
        rule = active.rule
        if rule.delay > 0:
            await asyncio.sleep(rule.delay)
        elif rule.until is not None or rule.virtual_seconds is not None:
            if self.clock is None:
                raise RuntimeError("a fault held on the mock's clock needs FaultMiddleware(clock=...)")
            instant = rule.until if rule.until is not None else self.clock.now() + (rule.virtual_seconds or 0)
            await self.clock.sleep_until(instant)
        if rule.action == "delay":
            await self.app(scope, receive, send)
        elif rule.action == "status":
            await _drain(receive)
            await _send_canned(send, rule)
        elif rule.action == "truncate":
            await _drain(receive)
            await _send_truncated(scope, receive, send, rule)
        elif rule.action == "reset":
            await _drain(receive)
            await _reset(scope, receive)
        else:  # hang
            await self._hang(scope, receive, active.id)

    async def _hang(self, scope: Scope, receive: Receive, rule_id: str) -> None:
        released = self.rules._hold(rule_id)
        await _drain(receive)
        disconnect = asyncio.ensure_future(_until_disconnect(receive))
        try:
            await asyncio.wait({released, disconnect}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            disconnect.cancel()
            self.rules._unhold(rule_id, released)
        if released.done() and not disconnect.done():
            # Let go by the control plane or a shutdown: the request still gets no answer.
            await _close(scope, receive, abort=False)


async def _drain(receive: Receive) -> None:
    """Read the request body, so the client has finished sending before anything breaks."""
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        more = message.get("more_body", False)


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _canned_body(rule: FaultRule) -> tuple[bytes, bytes]:
    body = rule.body
    if body is None:
        return b"", b"text/plain; charset=utf-8"
    if isinstance(body, str):
        return body.encode(), b"text/plain; charset=utf-8"
    return json.dumps(body).encode(), b"application/json"


def _header_list(rule: FaultRule, content_type: bytes, length: int) -> list[tuple[bytes, bytes]]:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in rule.headers.items()]
    names = {k for k, _ in headers}
    if b"content-type" not in names:
        headers.append((b"content-type", content_type))
    headers = [(k, v) for k, v in headers if k != b"content-length"]
    headers.append((b"content-length", str(length).encode()))
    return headers


async def _send_canned(send: Send, rule: FaultRule) -> None:
    body, content_type = _canned_body(rule)
    await send({"type": "http.response.start", "status": rule.status,
                "headers": _header_list(rule, content_type, len(body))})
    await send({"type": "http.response.body", "body": body})


async def _send_truncated(scope: Scope, receive: Receive, send: Send, rule: FaultRule) -> None:
    body, content_type = _canned_body(rule)
    if not body:
        body = b'{"truncated": "this body is cut short on purpose by a fault rule"}'
        content_type = b"application/json"
    sent = body[: min(rule.truncate_at, len(body) - 1)] if rule.truncate_at else body[: len(body) // 2]
    # Content-Length promises the whole body; the connection closes after part of it.
    await send({"type": "http.response.start", "status": rule.status,
                "headers": _header_list(rule, content_type, len(body))})
    await send({"type": "http.response.body", "body": sent, "more_body": True})
    await _close(scope, receive, abort=False)


async def _reset(scope: Scope, receive: Receive) -> None:
    await _close(scope, receive, abort=True)


async def _close(scope: Scope, receive: Receive, *, abort: bool) -> None:
    transport = scope.get(TRANSPORT_KEY)
    if transport is None:
        raise FaultConnectionBroken("connection reset by a fault rule" if abort
                                    else "connection closed by a fault rule before the response ended")
    if abort:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Linger 0: close() sends RST instead of FIN, so the client sees "connection reset".
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        transport.close()
    # Wait until the server has seen the connection go, so it does not report an unfinished
    # response as an application error.
    await _until_disconnect(receive)

