"""ReadAhead (mockserver/read_ahead.py): the body read ahead, then the server's own messages."""

from __future__ import annotations

import asyncio

from starlette.types import Message

from mockserver.read_ahead import ReadAhead, read_body


def test_the_body_comes_once_then_the_servers_messages() -> None:
    later: list[Message] = [{"type": "http.disconnect"}]

    async def server_receive() -> Message:
        return later.pop(0)

    async def drain() -> list[Message]:
        receive = ReadAhead(b'{"a": 1}', server_receive)
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


def test_a_taken_body_is_not_delivered_again_and_read_body_takes_it_without_awaiting() -> None:
    awaited: list[str] = []

    async def server_receive() -> Message:
        awaited.append("server")
        return {"type": "http.disconnect"}

    async def take_then_receive() -> tuple[bytes, bytes, Message]:
        receive = ReadAhead(b"abc", server_receive)
        first, again = receive.take(), receive.take()
        return first, again, await receive()

    first, again, after = asyncio.run(take_then_receive())
    assert (first, again, after) == (b"abc", b"", {"type": "http.disconnect"})
    ahead = ReadAhead(b"xyz", server_receive)
    assert asyncio.run(read_body(ahead)) == b"xyz" and ahead.delivered
    assert awaited == ["server"]  # only the receive after the taken body reached the server
