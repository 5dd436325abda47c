"""Reading a request body ahead of the app, and the `receive` that hands it the body so read.

Middlewares that must see the whole body before the app does (the guard, misbehaviour hooks, a state
file's restore) read it, then pass the app a `ReadAhead` in place of the server's `receive`. It holds
the body it will deliver: a layer that only looks at the body reads `ReadAhead.body`, and an app that
wants it whole takes it (`taken`), without an `await` apiece on every request.
"""

from __future__ import annotations

from starlette.types import Message, Receive

__all__ = ["ReadAhead", "read_body", "taken"]


class ReadAhead:
    """A `receive`: the body once, as one message; then the server's own messages (a disconnect, for
    streams). `delivered=True` for a request that frames no body: nothing was read, so the server's
    own messages come from the first call on, as ASGI has them."""

    __slots__ = ("_receive", "body", "delivered")

    def __init__(self, body: bytes, receive: Receive, *, delivered: bool = False) -> None:
        self.body = body
        self.delivered = delivered
        self._receive = receive

    async def __call__(self) -> Message:
        if not self.delivered:
            self.delivered = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        return await self._receive()


def taken(receive: Receive) -> bytes | None:
    """The whole body a `ReadAhead` still holds, as its first `receive()` would deliver it (it then
    delivers only the server's messages); None for any other `receive`, or one already delivered."""
    if type(receive) is not ReadAhead or receive.delivered:
        return None
    receive.delivered = True
    return receive.body


async def read_body(receive: Receive) -> bytes:
    """The whole request body; what came before a disconnect when the client went away mid-body."""
    body = taken(receive)
    if body is not None:
        return body
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)
