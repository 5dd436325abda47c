"""The proxy's ASGI app: `GET /_mock/violations` and its page (`/_mock/inspector`) answered here, every
other request forwarded.

Each exchange, once its answer has reached the client, is appended to the cassette (when recording)
and read by the API's observer; each stream event is read as it passes. What the observer finds goes
into the violation log with the exchanges as evidence. Checks run in one checker thread, in the order
things passed, so they never delay the traffic; `settle()` waits for the ones under way.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import anyio
import httpx
from starlette.types import Receive, Scope, Send

from mockserver import registry
from mockserver.cassette import CassetteWriter, RecordedExchange, StreamEvent
from mockserver.control import CONTROL_PREFIX
from mockserver.guard import ErrorBody, Guard, GuardConfig, HostPolicy
from mockserver.proxy.findings import Evidence, ViolationLog, evidence_of
from mockserver.proxy.forward import ErrorAnswer, Forwarder, InFlight
from mockserver.proxy.observer import Observer
from mockserver.proxy.page import PAGE, page_file

__all__ = ["PROFILES", "VIOLATIONS_PATH", "ProxyApp", "observer_for", "proxy_apis"]

PROFILES = ("impl", "docs")
VIOLATIONS_PATH = CONTROL_PREFIX + "/violations"
LOG = logging.getLogger("mockserver.proxy")


def proxy_apis() -> list[str]:
    """The registered APIs whose packages say how to judge their traffic."""
    return [spec.name for spec in registry.specs() if spec.proxy_observer]


def observer_for(api: str, profile: str) -> Observer:
    spec = next((s for s in registry.specs() if s.name == api), None)
    if spec is None or not spec.proxy_observer:
        raise ValueError(f"no proxy observer for the API {api!r}; expected one of {', '.join(proxy_apis())}")
    module, _, name = spec.proxy_observer.partition(":")
    observer: Observer = getattr(importlib.import_module(module), name)(profile)
    return observer


def error_answer(observer: Observer) -> ErrorAnswer:
    """The 502 a client gets when the target cannot be reached, in the API's own error format."""

    def answer(reason: str, content_type: str | None) -> tuple[int, list[tuple[str, str]], bytes]:
        media, body = observer.error_body(reason, content_type)
        return 502, [("content-type", media)], body

    return answer


def _decoded(exchange: RecordedExchange) -> RecordedExchange:
    """The exchange with its answer's Content-Encoding undone (httpx's decoders), for the checks."""
    if not exchange.response_body or exchange.header("content-encoding") in (None, "", "identity"):
        return exchange
    try:
        body = httpx.Response(exchange.status or 200, headers=exchange.response_headers,
                              content=exchange.response_body).content
    except httpx.DecodingError:
        return exchange  # judged as it came: a body that does not decode is the server's to answer for
    return dataclasses.replace(exchange, response_body=body)


def door_error(observer: Observer) -> ErrorBody:
    """A refusal at the proxy's door (foreign Host or Origin, too large a body), in the API's format."""

    def body(scope: Scope, message: str) -> tuple[bytes, bytes]:
        content_type = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"content-type"), None)
        media, data = observer.error_body(message, content_type)
        return media.encode("latin-1"), data

    return body


class ProxyApp:
    """Served behind the same door as the mock (`mockserver.guard`): a page from another site, or one
    reaching the proxy under a rebound DNS name, cannot use it to drive the target."""

    def __init__(self, api: str, target: str, *, profile: str = "impl", record: str | Path | None = None,
                 connect_timeout: float = 5.0, allowed_hosts: Iterable[str] = (),
                 timer: Callable[[], float] = time.monotonic) -> None:
        if profile not in PROFILES:
            raise ValueError(f"no profile {profile!r}; expected one of {', '.join(PROFILES)}")
        scheme = httpx.URL(target).scheme
        if scheme not in ("http", "https"):
            raise ValueError(f"the target must be an http:// or https:// URL; got {target!r}")
        self.api = api
        self.target = target.rstrip("/")
        self.profile = profile
        self.observer = observer_for(api, profile)
        self.violations = ViolationLog()
        self.writer = CassetteWriter(record, apis=(api,)) if record is not None else None
        self.exchanges = 0
        self.timer = timer
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._busy = 0    # requests under way plus things queued for the checker
        self._queued = 0  # things queued for the checker
        # No read deadline: an event stream may stay quiet between events for as long as it likes.
        self._timeout = httpx.Timeout(connect=connect_timeout, read=None, write=60.0, pool=None)
        self._client: httpx.AsyncClient | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None
        self._forwarder: Forwarder | None = None
        self._queue: queue.SimpleQueue[tuple[int, RecordedExchange, str | None] | None] = queue.SimpleQueue()
        self._checker = threading.Thread(target=self._check, name=f"proxy-checks:{api}", daemon=True)
        self._checker.start()
        self._door = Guard(self._serve, GuardConfig(hosts=HostPolicy.from_names(allowed_hosts)),
                           error_body=door_error(self.observer))

    # -- ASGI ---------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] == "http":
            await self._door(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == VIOLATIONS_PATH:
            await self._answer_violations(scope, send)
            return
        if scope["path"].startswith(PAGE) and scope["method"] in ("GET", "HEAD"):
            await self._answer_page(scope, send)
            return
        with self._lock:
            self._busy += 1
        try:
            await self._forward()(scope, receive, send)
        finally:
            self._done()

    def _forward(self) -> Forwarder:
        if self._forwarder is None:  # without a lifespan (an ASGI test transport): made on first use
            self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False, trust_env=False)
            self._client_loop = asyncio.get_running_loop()   # its connections belong to this loop
            self._forwarder = Forwarder(self.target, self._client, api=self.api,
                                        error_answer=error_answer(self.observer), on_exchange=self._exchanged,
                                        on_event=self._event, timer=self.timer)
        return self._forwarder

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._forward()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._client is not None:
                    await self._client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _answer_page(self, scope: Scope, send: Send) -> None:
        found = page_file(scope["path"])
        data, media = found if found is not None else (b'{"detail": "the inspector has no such file"}',
                                                       "application/json")
        await send({"type": "http.response.start", "status": 200 if found is not None else 404,
                    "headers": [(b"content-type", media.encode("latin-1")),
                                (b"content-length", str(len(data)).encode()), (b"cache-control", b"no-cache")]})
        await send({"type": "http.response.body", "body": data if scope["method"] != "HEAD" else b""})

    async def _answer_violations(self, scope: Scope, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            status, body = 405, json.dumps({"detail": "GET /_mock/violations lists them; nothing else"})
        else:
            # What has ended is listed once checked; the checker is another thread, waited for in one.
            await anyio.to_thread.run_sync(self.checked)
            status, body = 200, json.dumps(self.summary(), ensure_ascii=False)
        data = body.encode("utf-8")
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data if scope["method"] != "HEAD" else b""})

    # -- what passes --------------------------------------------------------------------------------
    # The event loop only queues what passed; one checker thread writes the cassette and runs the
    # observer, in the order things passed, so that no check ever delays an answer or the next request.
    def _exchanged(self, flight: InFlight, exchange: RecordedExchange) -> None:
        self._enqueue((flight.number, exchange, None))

    def _event(self, flight: InFlight, event: StreamEvent) -> None:
        so_far = RecordedExchange(api=self.api, method=flight.method, path=flight.path, query=flight.query,
                                  request_headers=flight.request_headers, request_body=flight.request_body,
                                  status=flight.status, response_headers=flight.response_headers, response_body=b"",
                                  started=flight.started, duration=event.offset)
        self._enqueue((flight.number, so_far, event.text))

    def _enqueue(self, item: tuple[int, RecordedExchange, str | None]) -> None:
        with self._lock:
            self._busy += 1
            self._queued += 1
        self._queue.put(item)

    def _check(self) -> None:
        while (item := self._queue.get()) is not None:
            number, exchange, event = item
            try:
                self._judge(number, exchange, event)
            except Exception:  # a checker bug must not stop the checking of what follows
                LOG.exception("checking exchange #%s failed", number)
            finally:
                with self._lock:
                    self._queued -= 1
                self._done()

    def _judge(self, number: int, exchange: RecordedExchange, event: str | None) -> None:
        if event is None:
            if self.writer is not None:
                self.writer.write(exchange)  # the bytes as they went, compressed or not
            self.exchanges += 1
            exchange = _decoded(exchange)
        evidence: Evidence = evidence_of(number, exchange, event=event)
        if event is None:
            findings = self.observer.exchange(exchange, evidence)
        else:
            findings = self.observer.event(exchange, event, evidence)
        for finding in findings:
            self.violations.add(self.api, finding, evidence)

    def _done(self) -> None:
        with self._lock:
            self._busy -= 1
            self._idle.notify_all()

    # -- reading ------------------------------------------------------------------------------------
    def settle(self, timeout: float = 5.0) -> bool:
        """Wait until no exchange is under way and every check is done; False if some are still
        pending after `timeout` seconds (an event stream still open, say)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._busy, timeout)

    def checked(self, timeout: float = 5.0) -> bool:
        """Wait until every exchange that has ended is checked (those still under way are not waited for)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._queued, timeout)

    def summary(self) -> dict[str, Any]:
        items = self.violations.all()
        return {"api": self.api, "target": self.target, "profile": self.profile, "exchanges": self.exchanges,
                "count": len(items), "violations": [v.to_json() for v in items]}

    def close(self) -> None:
        """Finish the checks under way, stop the checker, close the cassette, and close the
        forwarding client if no lifespan did (served without one, call this before its loop closes)."""
        self.settle()
        if self._checker.is_alive():
            self._queue.put(None)
            self._checker.join(5.0)
        if self.writer is not None:
            self.writer.close()
        self._close_client()

    def _close_client(self) -> None:
        client, loop = self._client, self._client_loop
        if client is None or client.is_closed or loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            loop.create_task(client.aclose())   # called on its own loop: closed as soon as it can
        elif loop.is_running():
            asyncio.run_coroutine_threadsafe(client.aclose(), loop).result(5.0)
        else:
            loop.run_until_complete(client.aclose())
