"""Reading a request body ahead of the app, and the `receive` that hands it the body so read.

Middlewares that must see the whole body before the app does (the guard, misbehaviour hooks, the
proxy's forwarder) read it with `read_body`, then pass the app `body_read_ahead` in place of the
server's `receive`.
"""

from __future__ import annotations

from starlette.types import Message, Receive

__all__ = ["body_read_ahead", "read_body"]


def body_read_ahead(body: bytes, receive: Receive) -> Receive:
    """The body once, as one message; then the server's own messages (a disconnect, for streams)."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def read_body(receive: Receive) -> bytes:
    """The whole request body; what came before a disconnect when the client went away mid-body."""
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)
