"""body_read_ahead (mockserver/read_ahead.py): the body read ahead, then the server's own messages."""

from __future__ import annotations

import asyncio

from starlette.types import Message

from mockserver.read_ahead import body_read_ahead


def test_the_body_comes_once_then_the_servers_messages() -> None:
    later: list[Message] = [{"type": "http.disconnect"}]

    async def server_receive() -> Message:
        return later.pop(0)

    async def drain() -> list[Message]:
        receive = body_read_ahead(b'{"a": 1}', server_receive)
        return [await receive(), await receive()]

    first, second = asyncio.run(drain())
    assert first == {"type": "http.request", "body": b'{"a": 1}', "more_body": False}
    assert second == {"type": "http.disconnect"}
