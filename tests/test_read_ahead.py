"""ReadAhead (mockserver/read_ahead.py): the body read ahead, then the server's own messages."""

from __future__ import annotations

import asyncio

from starlette.types import Message

from mockserver.read_ahead import ReadAhead, read_body, taken


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


def test_a_body_read_ahead_is_taken_without_awaiting_and_never_delivered_twice(monkeypatch) -> None:
    async def server_receive() -> Message:
        return {"type": "http.disconnect"}

    async def awaited(self: ReadAhead) -> Message:
        raise AssertionError("the body was awaited, not taken")

    ahead = ReadAhead(b"xyz", server_receive)
    with monkeypatch.context() as patched:
        patched.setattr(ReadAhead, "__call__", awaited)
        assert asyncio.run(read_body(ahead)) == b"xyz"
    assert taken(ahead) is None and taken(server_receive) is None
    assert asyncio.run(ahead()) == {"type": "http.disconnect"}  # the server's messages after it


def test_a_request_without_a_body_gets_the_servers_own_messages_from_the_first_call() -> None:
    later: list[Message] = [{"type": "http.request", "body": b"", "more_body": False}, {"type": "http.disconnect"}]

    async def server_receive() -> Message:
        return later.pop(0)

    async def drain(receive: ReadAhead) -> list[Message]:
        return [await receive(), await receive()]

    nothing = ReadAhead(b"", server_receive, delivered=True)
    assert taken(nothing) is None
    assert asyncio.run(drain(nothing)) == [{"type": "http.request", "body": b"", "more_body": False},
                                           {"type": "http.disconnect"}]
