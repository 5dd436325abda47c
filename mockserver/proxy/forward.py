"""Forwarding: one request, passed on unchanged to the target, its answer streamed back as it arrives.

Method, path, query, headers (all but the hop-by-hop ones; Host too, so that the absolute URLs a
server builds from it, such as PraisonAI's poll_url, lead back through the proxy) and the body bytes
go to the target through one shared `httpx.AsyncClient`; the status, headers and body bytes
come back chunk by chunk as httpx reads them (`aiter_raw`: a compressed answer stays compressed), so
an event stream reaches the client event by event. What went through becomes a cassette `RecordedExchange`
handed to `on_exchange` once the answer is whole; each server-sent event is handed to `on_event` as
it passes. An unreachable target is answered with 502 in the API's own error format.
"""

from __future__ import annotations

import codecs
import importlib.util
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio
import httpx
from starlette.types import Receive, Scope, Send

from mockserver.cassette import RecordedExchange, StreamEvent
from mockserver.read_ahead import read_body

# httpcore asks `import sniffio` several times per request; anyio 4 no longer brings sniffio, and a
# failed import is not remembered: each one searches all of sys.path again (~0.15 ms here, most of
# what the proxy would add to a poll). Where sniffio is missing, remember its absence: httpcore then
# takes asyncio, as it does when the import fails.
if importlib.util.find_spec("sniffio") is None:
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

__all__ = ["HOP_BY_HOP", "ErrorAnswer", "EventSplitter", "Forwarder", "InFlight", "split_events"]

# RFC 9110 7.6.1: meant for one connection only, never passed on. Content-Length is set again by
# httpx from the same bytes.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
                        "trailer", "transfer-encoding", "upgrade", "proxy-connection", "content-length"})

# A pooled connection found closed when the request went on it, before any answer began.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
STALE_CONNECTION = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)

# (reason, request Content-Type) -> (status, headers, body) in the API's own error format.
ErrorAnswer = Callable[[str, str | None], tuple[int, list[tuple[str, str]], bytes]]


@dataclass
class InFlight:
    """An exchange still under way: what has been seen of it so far (events are handed on live)."""

    api: str
    method: str
    path: str
    query: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    started: float  # seconds since the first exchange began
    began: float    # the forwarder's timer at the start
    number: int = 0  # the exchange's number in this proxy, from 1
    status: int | None = None
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    events: list[StreamEvent] = field(default_factory=list)


# A line ends in CRLF, LF or CR (WHATWG HTML 9.2.6); CRLF first so that it counts as one ending.
_LINE_END = re.compile(r"\r\n|\r|\n")


def split_events(buffer: str, *, final: bool = False) -> tuple[list[str], str]:
    """Whole server-sent events (each up to and including its blank line, line ends as they came) and
    the unfinished rest.

    Only the framing (WHATWG HTML 9.2.6: an event ends at an empty line); reading an event's fields is
    httpx-sse's business (`mockserver.proxy.observer.read_event`). A CR at the very end is held back
    unless `final`: the LF of its CRLF may be the first byte of the next chunk."""
    found: list[str] = []
    event_start = line_start = 0
    for end in _LINE_END.finditer(buffer):
        if end.group() == "\r" and end.end() == len(buffer) and not final:
            break
        if end.start() == line_start and line_start > event_start:   # an empty line ends the event
            found.append(buffer[event_start:end.end()])
            event_start = end.end()
        line_start = end.end()
    return found, buffer[event_start:]


class EventSplitter:
    """Whole events out of a stream's chunks as they arrive, whatever the network cut: text is decoded
    incrementally (a UTF-8 character split across two chunks is read whole) and an event is complete
    only at its blank line."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""

    def feed(self, chunk: bytes, *, final: bool = False) -> list[str]:
        """The events `chunk` completed; `final` at the end of the stream (an event left without its
        blank line is no event)."""
        whole, self._pending = split_events(self._pending + self._decoder.decode(chunk, final), final=final)
        return whole


class Forwarder:
    """The ASGI app that forwards every HTTP request to `target`."""

    def __init__(self, target: str, client: httpx.AsyncClient, *, api: str, error_answer: ErrorAnswer,
                 on_exchange: Callable[[InFlight, RecordedExchange], None],
                 on_event: Callable[[InFlight, StreamEvent], None] | None = None,
                 timer: Callable[[], float] = time.monotonic) -> None:
        self.target = target.rstrip("/")
        self._base = httpx.URL(self.target)
        self._prefix = self._base.raw_path.rstrip(b"/")
        self.client = client
        self.api = api
        self.error_answer = error_answer
        self.on_exchange = on_exchange
        self.on_event = on_event
        self.timer = timer  # what the cassette's times are measured on (seconds)
        self.origin: float | None = None  # when the first exchange began: cassette times count from it
        self._count = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        began = self.timer()
        if self.origin is None:
            self.origin = began
        self._count += 1  # one event loop: no lock needed
        flight = InFlight(self.api, scope["method"], scope.get("raw_path", scope["path"].encode()).decode("latin-1"),
                          scope.get("query_string", b"").decode("latin-1"), headers, body, began - self.origin, began,
                          number=self._count)
        # The path and query exactly as the client sent them (no re-encoding), and none of the client
        # object's default headers: httpx.Request adds only Host and Content-Length.
        raw = (flight.path + (f"?{flight.query}" if flight.query else "")).encode("latin-1")
        url = self._base.copy_with(raw_path=self._prefix + raw)
        forwarded = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
        request = httpx.Request(flight.method, url, headers=forwarded, content=body)
        try:
            try:
                response = await self.client.send(request, stream=True)
            except STALE_CONNECTION:
                # A kept-alive connection of the proxy's pool that the target had closed (its idle
                # timeout, or a failed answer on it). Only a request that may be repeated goes once
                # more on a fresh connection (RFC 9110 9.2.2): a POST the target may have acted on is
                # never sent twice; its client gets the 502.
                if flight.method not in IDEMPOTENT:
                    raise
                response = await self.client.send(request, stream=True)
        except httpx.HTTPError as exc:
            await self._unreachable(flight, exc, send)
            return
        status, answer_headers = response.status_code, list(response.headers.multi_items())
        chunks: list[bytes] = []
        error: str | None = None
        flight.status, flight.response_headers = status, answer_headers
        try:
            await send({"type": "http.response.start", "status": status,
                        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer_headers
                                    if k.lower() not in HOP_BY_HOP - {"content-length"}]})
            streaming = response.headers.get("content-type", "").startswith("text/event-stream")
            error = await self._pass_body(flight, response, chunks, streaming, receive, send)
        finally:
            await response.aclose()
        self.on_exchange(flight, RecordedExchange(
            api=self.api, method=flight.method, path=flight.path, query=flight.query,
            request_headers=headers, request_body=body, status=status, response_headers=answer_headers,
            response_body=b"".join(chunks), started=flight.started, duration=self.timer() - began,
            events=tuple(flight.events), error=error))

    async def _pass_body(self, flight: InFlight, response: httpx.Response, chunks: list[bytes],
                         streaming: bool, receive: Receive, send: Send) -> str | None:
        """Copy the answer's bytes to the client until its end. Returns why it stopped early, or None."""
        if streaming:
            return await self._pass_stream(flight, response, chunks, receive, send)
        try:
            async for chunk in response.aiter_raw():
                chunks.append(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            return None
        except httpx.HTTPError as exc:
            return f"the target's answer broke off: {type(exc).__name__}: {exc}"
        finally:
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _pass_stream(self, flight: InFlight, response: httpx.Response, chunks: list[bytes],
                           receive: Receive, send: Send) -> str | None:
        """An event stream: each event handed on as it passes, and the target's answer closed as soon
        as the client goes away (a stream may otherwise last as long as the run)."""
        splitter = EventSplitter()
        outcome: dict[str, str] = {}
        ended = False  # once the last byte is on its way, a disconnect is the normal end

        async def copy(scope: anyio.CancelScope) -> None:
            nonlocal ended
            try:
                async for chunk in response.aiter_raw():
                    chunks.append(chunk)
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                    for text in splitter.feed(chunk):
                        self._event(flight, text)
                for text in splitter.feed(b"", final=True):
                    self._event(flight, text)
            except httpx.HTTPError as exc:
                outcome["error"] = f"the target's answer broke off: {type(exc).__name__}: {exc}"
            ended = True
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            scope.cancel()

        async def watch(scope: anyio.CancelScope) -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            if not ended:
                outcome["error"] = "the client went away before the answer ended"
                scope.cancel()

        async with anyio.create_task_group() as group:
            group.start_soon(copy, group.cancel_scope)
            group.start_soon(watch, group.cancel_scope)
        return outcome.get("error")

    def _event(self, flight: InFlight, text: str) -> None:
        """One whole event passed: noted with its offset, and handed on at once."""
        event = StreamEvent(self.timer() - flight.began, text)
        flight.events.append(event)
        if self.on_event is not None:
            self.on_event(flight, event)

    async def _unreachable(self, flight: InFlight, exc: httpx.HTTPError, send: Send) -> None:
        reason = f"the proxy could not reach {self.target}: {type(exc).__name__}: {exc}".rstrip(": ")
        content_type = next((v for k, v in flight.request_headers if k.lower() == "content-type"), None)
        status, headers, body = self.error_answer(reason, content_type)
        headers = [*headers, ("content-length", str(len(body)))]
        await send({"type": "http.response.start", "status": status,
                    "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]})
        await send({"type": "http.response.body", "body": body, "more_body": False})
        self.on_exchange(flight, RecordedExchange(
            api=self.api, method=flight.method, path=flight.path, query=flight.query,
            request_headers=flight.request_headers, request_body=flight.request_body, status=None,
            response_headers=[], response_body=b"", started=flight.started,
            duration=self.timer() - flight.began, error=reason))
