"""A deadline for request headers, which ASGI cannot see: uvicorn's h11 protocol with a timer.

uvicorn closes a connection idle *between* requests (`timeout_keep_alive`), but not one that connects
and sends nothing, or sends its headers a byte at a time: each such client holds a socket forever.
Here a connection must deliver a request's complete headers within `header_timeout` seconds of its
first byte (or of connecting), or it is closed. Body deadlines are the guard's (`mockserver.guard`).
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["DEFAULT_HEADER_TIMEOUT_S", "header_timeout_protocol"]

DEFAULT_HEADER_TIMEOUT_S = 10.0


class _HeaderTimeoutProtocol(H11Protocol):
    header_timeout: float = DEFAULT_HEADER_TIMEOUT_S
    _header_timer: asyncio.TimerHandle | None = None

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

    def _arm(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout, self._expired)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expired(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def header_timeout_protocol(seconds: float) -> type[H11Protocol]:
    """The protocol class for `uvicorn.Config(http=...)`."""
    if not seconds > 0:
        raise ValueError(f"the header timeout must be positive; got {seconds}")
    return type("HeaderTimeoutProtocol", (_HeaderTimeoutProtocol,), {"header_timeout": float(seconds)})
