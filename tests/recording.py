"""A test helper that records what the proxy would (`mockserver proxy --record`): an httpx transport
that passes each request to a real server and writes the exchange, with its timing and its event
stream's events at their offsets, through `CassetteWriter`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
from httpx_sse import EventSource

from mockserver.cassette import CassetteWriter, Exchange, StreamEvent

__all__ = ["RecordingTransport"]


class RecordingTransport(httpx.BaseTransport):
    """Every exchange through it goes to `writer`, timed from the first one on `now` (the wall
    clock; a test recording a mock on a frozen clock passes that clock's, as if the session had
    taken that long)."""

    def __init__(self, writer: CassetteWriter, api: str, now: Callable[[], float] = time.monotonic) -> None:
        self.writer = writer
        self.api = api
        self.now = now
        self.inner = httpx.HTTPTransport()
        self._origin: float | None = None

    def _since_origin(self) -> float:
        now = self.now()
        if self._origin is None:
            self._origin = now
        return now - self._origin

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = self._since_origin()
        request_body = request.read()
        response = self.inner.handle_request(request)
        headers = [(k, v) for k, v in response.headers.items()
                   if k.lower() not in ("content-length", "transfer-encoding", "content-encoding")]

        def write(body: bytes, events: tuple[StreamEvent, ...]) -> None:
            self.writer.write(Exchange(
                api=self.api, method=request.method, path=request.url.path, query=request.url.query.decode(),
                request_headers=list(request.headers.items()), request_body=request_body,
                status=response.status_code, response_headers=list(response.headers.items()),
                response_body=body, started=started, duration=self._since_origin() - started, events=events))

        if response.headers.get("content-type", "").startswith("text/event-stream"):
            # Passed on event by event as they arrive; written when the client closes the stream.
            stream = _RecordedStream(response, lambda: self._since_origin() - started, write)
            return httpx.Response(response.status_code, headers=headers, stream=stream, request=request)
        body = response.read()
        response.close()
        write(body, ())
        return httpx.Response(response.status_code, headers=headers, content=body, request=request)


class _RecordedStream(httpx.SyncByteStream):
    def __init__(self, response: httpx.Response, offset: Callable[[], float],
                 write: Callable[[bytes, tuple[StreamEvent, ...]], None]) -> None:
        self.response = response
        self.offset = offset
        self.write = write
        self.events: list[StreamEvent] = []

    def __iter__(self) -> Iterator[bytes]:
        for event in EventSource(self.response).iter_sse():
            text = "".join(f"{name}: {value}\n" for name, value in
                           (("event", event.event), ("id", event.id)) if value)
            text += "".join(f"data: {line}\n" for line in event.data.split("\n")) + "\n"
            self.events.append(StreamEvent(self.offset(), text))
            yield text.encode("utf-8")

    def close(self) -> None:
        self.response.close()
        self.write(b"", tuple(self.events))
