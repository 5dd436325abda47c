"""Run an ASGI app under a real uvicorn server in a background thread, on 127.0.0.1.

Tests and fixtures use this where a real client (gpudb, praisonai-code, a browser) needs a real
socket. Port 0 picks a free port; `.url` says which one was bound.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn
from starlette.types import ASGIApp

__all__ = ["ServerThread", "bind", "uvicorn_config"]


def uvicorn_config(app: ASGIApp, *, log_level: str = "warning", graceful_seconds: int = 3,
                   **options: Any) -> uvicorn.Config:
    """How the kit runs uvicorn (mock ports, the proxy, test servers); `options` for the rest."""
    return uvicorn.Config(
        app, log_level=log_level, lifespan="on", access_log=False,
        # Said, not guessed: uvicorn takes an app whose __call__ is no coroutine function for ASGI2,
        # and a layer may hand back the next one's coroutine instead of being one.
        interface="asgi3",
        # The client and scheme are the connection's own: on loopback every local process would
        # otherwise be trusted to rewrite them with X-Forwarded-* headers.
        proxy_headers=False,
        # A request held open (a hang fault, an SSE stream) must not block stopping for long.
        timeout_graceful_shutdown=graceful_seconds, **options)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket for uvicorn (port 0: a free one)."""
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it every keep-alive answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    return sock


class ServerThread:
    def __init__(self, app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0,
                 log_level: str = "warning") -> None:
        self._sock = bind(host, port)
        self.host, self.port = self._sock.getsockname()[:2]
        self._server = uvicorn.Server(uvicorn_config(app, log_level=log_level))
        self._thread = threading.Thread(target=self._run, name=f"mockserver:{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        self._server.run(sockets=[self._sock])

    def start(self, timeout: float = 10.0) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on {self.url} within {timeout}s")
            time.sleep(0.005)  # start-up handshake with a real thread, not waiting on mock state
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
