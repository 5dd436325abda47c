"""body_read_ahead (mockserver/read_ahead.py): the body read ahead, then the server's own messages."""

from __future__ import annotations

import asyncio

from starlette.types import Message

from mockserver.read_ahead import body_read_ahead, read_body


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


def test_a_body_is_read_whole_across_messages_and_up_to_a_disconnect() -> None:
    def receive_of(messages: list[Message]):  # type: ignore[no-untyped-def]
        async def receive() -> Message:
            return messages.pop(0)
        return receive

    whole = [{"type": "http.request", "body": b"ab", "more_body": True},
             {"type": "http.request", "body": b"c", "more_body": False}]
    cut = [{"type": "http.request", "body": b"ab", "more_body": True}, {"type": "http.disconnect"}]
    assert asyncio.run(read_body(receive_of(whole))) == b"abc"
    assert asyncio.run(read_body(receive_of(cut))) == b"ab"
