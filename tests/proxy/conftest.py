"""Helpers for the proxy's tests: a target app on a real socket that keeps the bytes it sent."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.server import ServerThread


class SentBytes:
    """Pure-ASGI wrapper: every answer body the wrapped app sent, in order, one entry per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        parts: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self.bodies.append(b"".join(parts))
            await send(message)

        await self.app(scope, receive, keep)


@contextmanager
def served(app: ASGIApp) -> Iterator[ServerThread]:
    with ServerThread(app) as server:
        yield server
