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
    """The timer both parsers share: armed when a request's headers start (or the connection opens),
    disarmed when they are complete; on expiry the connection is closed."""

    header_timeout: float = DEFAULT_HEADER_TIMEOUT_S
    _header_timer: asyncio.TimerHandle | None = None
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport

    def _arm(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout, self._expired)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _waiting_for_headers(self) -> bool:
        return True

    def _expired(self) -> None:
        self._header_timer = None
        if self._waiting_for_headers() and not self.transport.is_closing():
            self.transport.close()


class _HeaderTimeoutProtocol(_HeaderDeadline, H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:
            if self._header_timer is None:  # the first byte of the next request's headers
                self._arm()
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _waiting_for_headers(self) -> bool:
        return self.conn.their_state is h11.IDLE


def _httptools_protocol() -> type[asyncio.Protocol] | None:
    """The httptools flavour: the parser says when a request begins and when its headers end."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:   # httptools is not installed
        return None

    class _HttpToolsHeaderTimeout(_HeaderDeadline, HttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_message_begin(self) -> None:   # the first byte of a request
            super().on_message_begin()
            if self._header_timer is None:
                self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
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
