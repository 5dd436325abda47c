"""A `receive` that hands the app a request body a middleware has already read.

Middlewares that must see the whole body before the app does (the guard, misbehaviour hooks) read
it, then pass the app this in place of the server's `receive`.
"""

from __future__ import annotations

from starlette.types import Message, Receive

__all__ = ["body_read_ahead"]


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
