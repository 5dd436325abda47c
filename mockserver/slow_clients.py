"""A deadline for request headers, which ASGI cannot see: uvicorn's HTTP protocol with a timer.

On httptools (uvicorn's fast parser) when it is installed, else on h11: the same guarantee either way.

uvicorn closes a connection idle *between* requests (`timeout_keep_alive`), but not one that connects
and sends nothing, or sends its headers a byte at a time: each such client holds a socket forever.
Here a connection must deliver a request's complete headers within `header_timeout` seconds of its
first byte (or of connecting), or it is closed. Body deadlines are the guard's (`mockserver.guard`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["DEFAULT_HEADER_TIMEOUT_S", "header_timeout_protocol"]

DEFAULT_HEADER_TIMEOUT_S = 10.0


class _HeaderDeadline:
    """The deadline both parsers share. A request's headers start being awaited (on connecting, or at
    the first byte of the next request) and stop when they are complete: two attribute writes per
    request. One timer per connection checks, when it fires, whether the headers awaited now are
    overdue, closes the connection if so, and otherwise fires again when they would be. (A timer
    armed and cancelled per request cost about 2 us of every poll.)"""

    header_timeout: float = DEFAULT_HEADER_TIMEOUT_S
    _header_timer: asyncio.TimerHandle | None = None
    _awaited_since: float | None = None   # when the headers awaited now began to be awaited
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport

    def _await_headers(self) -> None:
        self._awaited_since = self.loop.time()
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._check_deadline)

    def _headers_complete(self) -> None:
        self._awaited_since = None

    def _check_deadline(self) -> None:
        if self.transport.is_closing():
            self._header_timer = None
            return
        since = self._awaited_since
        left = self.header_timeout if since is None else since + self.header_timeout - self.loop.time()
        if left <= 0:
            self._header_timer = None
            self.transport.close()
        else:
            self._header_timer = self.loop.call_later(left, self._check_deadline)

    def _stop_deadline(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None


class _HeaderTimeoutProtocol(_HeaderDeadline, H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:
            if self._awaited_since is None:  # the first byte of the next request's headers
                self._await_headers()
        else:
            self._headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_deadline()
        super().connection_lost(exc)


def _httptools_protocol() -> type[asyncio.Protocol] | None:
    """The httptools flavour: the parser says when a request begins and when its headers end."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:   # httptools is not installed
        return None

    class _HttpToolsHeaderTimeout(_HeaderDeadline, HttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._await_headers()

        def on_message_begin(self) -> None:   # the first byte of a request
            super().on_message_begin()
            if self._awaited_since is None:
                self._await_headers()

        def on_headers_complete(self) -> None:
            self._headers_complete()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_deadline()
            super().connection_lost(exc)

    return _HttpToolsHeaderTimeout


_FAST: Any = _httptools_protocol()


def header_timeout_protocol(seconds: float, *, parser: str = "auto") -> type[asyncio.Protocol]:
    """The protocol class for `uvicorn.Config(http=...)`: httptools where installed (`auto`), or
    `h11` when asked."""
    if not seconds > 0:
        raise ValueError(f"the header timeout must be positive; got {seconds}")
    base = _FAST if parser == "auto" and _FAST is not None else _HeaderTimeoutProtocol
    return type("HeaderTimeoutProtocol", (base,), {"header_timeout": float(seconds)})
