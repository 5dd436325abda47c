"""The request journal against a tiny stand-in app, timed by a frozen mock clock."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, StreamingResponse
from starlette.routing import Route

from mockserver.clock import Clock
from mockserver.journal import Journal, JournalMiddleware
from mockserver.read_ahead import ReadAhead

T0 = 1_700_000_000.0


async def _echo(request: Request) -> JSONResponse:
    body = await request.body()
    status = int(request.query_params.get("status", "200"))
    return JSONResponse({"size": len(body)}, status_code=status, headers={"x-echo": "yes"})


async def _stream(request: Request) -> StreamingResponse:
    async def chunks():
        for part in (b"ab", b"cde", b"f"):
            yield part
    return StreamingResponse(chunks(), media_type="text/plain")


async def _events(request: Request) -> StreamingResponse:
    async def chunks():
        for n in range(10):
            yield f"data: {n}\n\n".encode()
        yield b"event: end\n\n"
    return StreamingResponse(chunks(), media_type="text/event-stream")



async def _boom(request: Request) -> PlainTextResponse:
    raise RuntimeError("the app broke")


def _app(journal: Journal, api: str = "kinetica"):
    inner = Starlette(routes=[
        Route("/stream", _stream), Route("/boom", _boom), Route("/events", _events),
        Route("/{rest:path}", _echo, methods=["GET", "POST", "DELETE"]),
    ])
    return JournalMiddleware(inner, journal, api=api)


def _send(app, *calls: dict) -> None:
    async def go():
        transport = httpx.ASGITransport(app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            for call in calls:
                await client.request(**call)
    asyncio.run(go())


def test_records_request_and_response_details() -> None:
    clock = Clock(T0, frozen=True)
    journal = Journal(clock_now=clock.now)
    _send(_app(journal), {"method": "POST", "url": "/execute/proc?x=1&y=2", "content": b'{"a": 1}',
                          "headers": {"content-type": "application/json", "x-trace": "t1"}})
    [entry] = journal.entries()
    assert entry["api"] == "kinetica"
    assert (entry["method"], entry["path"], entry["query"]) == ("POST", "/execute/proc", "x=1&y=2")
    assert ["x-trace", "t1"] in entry["headers"]
    assert entry["body"] == '{"a": 1}' and entry["body_size"] == 8 and not entry["body_truncated"]
    assert entry["status"] == 200
    assert ["x-echo", "yes"] in entry["response_headers"]
    assert entry["response_bytes"] == len(b'{"size":8}')
    assert entry["mock_time"] == T0
    assert entry["wall_time"] > 0 and entry["duration"] >= 0


def test_body_is_bounded_and_binary_bodies_come_back_as_base64() -> None:
    journal = Journal(max_body=10)
    payload = bytes(range(200)) * 2
    _send(_app(journal), {"method": "POST", "url": "/bin", "content": payload,
                          "headers": {"content-type": "application/octet-stream"}})
    [entry] = journal.entries()
    assert entry["body_size"] == 400 and entry["body_truncated"] is True
    assert base64.b64decode(entry["body_base64"]) == payload[:10]
    assert "body" not in entry


def test_capacity_keeps_only_the_newest_entries() -> None:
    journal = Journal(capacity=3)
    _send(_app(journal), *({"method": "GET", "url": f"/n/{i}"} for i in range(5)))
    assert [e["path"] for e in journal.entries()] == ["/n/2", "/n/3", "/n/4"]
    assert len(journal) == 3
    with pytest.raises(ValueError):
        Journal(capacity=0)


def test_filters_by_path_method_status_since_api_and_limit() -> None:
    clock = Clock(T0, frozen=True)
    journal = Journal(clock_now=clock.now)
    _send(_app(journal, "kinetica"),
          {"method": "POST", "url": "/show/proc/status"},
          {"method": "GET", "url": "/show/proc?status=404"})
    clock.advance(10)
    _send(_app(journal, "praisonai"),
          {"method": "DELETE", "url": "/api/v1/runs/1?status=409"},
          {"method": "GET", "url": "/api/v1/runs/1?status=503"})

    def paths(**filters) -> list[str]:
        return [e["path"] for e in journal.entries(**filters)]

    assert paths(path="/show/*") == ["/show/proc/status", "/show/proc"]
    assert paths(method="get") == ["/show/proc", "/api/v1/runs/1"]
    assert paths(status=404) == ["/show/proc"]
    assert paths(status="4xx") == ["/show/proc", "/api/v1/runs/1"]
    assert paths(status="503") == ["/api/v1/runs/1"]
    assert paths(since=T0 + 10) == ["/api/v1/runs/1", "/api/v1/runs/1"]
    assert paths(api="kinetica") == ["/show/proc/status", "/show/proc"]
    assert [e["status"] for e in journal.entries(limit=1)] == [503]
    assert journal.entries(limit=0) == []
    with pytest.raises(ValueError, match="status filter"):
        journal.entries(status="teapot")


def test_clear_forgets_everything() -> None:
    journal = Journal()
    _send(_app(journal), {"method": "GET", "url": "/a"}, {"method": "GET", "url": "/b"})
    assert journal.clear() == 2
    assert journal.entries() == []


def test_control_plane_requests_are_left_out_unless_asked_for() -> None:
    journal = Journal()
    _send(_app(journal), {"method": "GET", "url": "/_mock/state"}, {"method": "GET", "url": "/_mockery"})
    assert [e["path"] for e in journal.entries()] == ["/_mockery"]
    everything = Journal(include_control=True)
    _send(_app(everything), {"method": "GET", "url": "/_mock/state"})
    assert [e["path"] for e in everything.entries()] == ["/_mock/state"]


def test_streamed_and_failed_responses_are_recorded_too() -> None:
    journal = Journal()
    _send(_app(journal), {"method": "GET", "url": "/stream"}, {"method": "GET", "url": "/boom"})
    stream, boom = journal.entries()
    assert stream["status"] == 200 and stream["response_bytes"] == 6
    # Starlette's error middleware answers 500 for an exception, and the journal still sees it.
    assert boom["path"] == "/boom" and boom["status"] == 500


def test_a_request_that_never_got_a_response_has_no_status() -> None:
    async def silent(scope, receive, send) -> None:
        raise ConnectionError("dropped")

    journal = Journal()
    _send(JournalMiddleware(silent, journal), {"method": "GET", "url": "/dropped"})
    [entry] = journal.entries()
    assert entry["status"] is None
    assert journal.entries(status="none")[0]["path"] == "/dropped"


def test_the_answer_is_kept_raw_head_first_and_an_event_streams_tail() -> None:
    journal = Journal(max_body=16)
    _send(_app(journal), {"method": "POST", "url": "/echo", "content": b"x" * 40}, {"method": "GET", "url": "/events"})
    echo, events = journal.raw()
    assert echo.response_body == b'{"size":40}'
    assert events.response_body.endswith(b"event: end\n\n") and len(events.response_body) == 16
    assert events.response_bytes > 16


def test_a_body_read_ahead_is_recorded_and_the_app_gets_that_same_receive() -> None:
    # Behind the guard, the body arrives as a ReadAhead: the journal notes it without wrapping receive.
    journal = Journal(clock_now=lambda: T0)
    seen = []

    async def app(scope, receive, send) -> None:
        seen.append(receive)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def server_receive():
        return {"type": "http.disconnect"}

    async def sent(message) -> None:
        pass

    ahead = ReadAhead(b'{"run_id": "7"}', server_receive)
    scope = {"type": "http", "method": "POST", "path": "/show/proc/status", "query_string": b"",
             "headers": [(b"content-type", b"application/json")]}
    asyncio.run(JournalMiddleware(app, journal, api="kinetica")(scope, ahead, sent))
    assert seen == [ahead] and not ahead.delivered
    [entry] = journal.entries()
    assert entry["body"] == '{"run_id": "7"}' and entry["body_size"] == 15 and entry["status"] == 200
