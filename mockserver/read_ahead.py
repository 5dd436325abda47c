"""Reading a request body ahead of the app, and the `receive` that hands it the body so read.

Middlewares that must see the whole body before the app does (the guard, misbehaviour hooks, the
proxy's forwarder) read it with `read_body`, then pass the app a `ReadAhead` in place of the
server's `receive`. It holds the body it will deliver: a layer that only looks at the body reads
`ReadAhead.body`, and an app that wants it whole takes it (`ReadAhead.take`), without an `await`
apiece on every request.
"""

from __future__ import annotations

from starlette.types import Message, Receive

__all__ = ["ReadAhead", "read_body"]


class ReadAhead:
    """A `receive`: the body once, as one message; then the server's own messages (a disconnect, for
    streams)."""

    __slots__ = ("_receive", "body", "delivered")

    def __init__(self, body: bytes, receive: Receive) -> None:
        self.body = body
        self.delivered = False
        self._receive = receive

    async def __call__(self) -> Message:
        if not self.delivered:
            self.delivered = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        return await self._receive()

    def take(self) -> bytes:
        """The body, as the first `receive()` would have delivered it (b"" once it was)."""
        if self.delivered:
            return b""
        self.delivered = True
        return self.body


async def read_body(receive: Receive) -> bytes:
    """The whole request body; what came before a disconnect when the client went away mid-body."""
    if type(receive) is ReadAhead and not receive.delivered:
        return receive.take()
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)
