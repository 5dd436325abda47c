"""Forwarding on its own: what the target receives is what the client sent, what the client receives
is what the target answered, compressed answers included; an unreachable target is a 502 in the
API's own format."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx
from starlette.types import Receive, Scope, Send

from mockserver.cassette import read_cassette
from mockserver.proxy import Proxy
from mockserver.proxy.forward import EventSplitter, split_events
from tests.proxy.conftest import served

ANSWER = gzip.compress(json.dumps({"job_id": "j1", "status": "queued"}).encode())


class Echo:
    """Keeps each request as it arrived; answers with fixed bytes and headers."""

    def __init__(self) -> None:
        self.seen: list[dict[str, object]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.seen.append({"method": scope["method"], "raw_path": scope["raw_path"],
                          "query": scope["query_string"], "headers": scope["headers"], "body": body})
        await send({"type": "http.response.start", "status": 418, "headers": [
            (b"content-type", b"application/json"), (b"content-encoding", b"gzip"),
            (b"x-answer", b"one"), (b"x-answer", b"two"), (b"set-cookie", b"session=abc")]})
        await send({"type": "http.response.body", "body": ANSWER})


def test_the_request_and_the_answer_pass_unchanged(tmp_path: Path) -> None:
    echo = Echo()
    body = b"\x00\xffnot json at all"
    with served(echo) as server, Proxy(api="praisonai", target=server.url, record=tmp_path / "c.jsonl") as proxy:
        with httpx.Client() as client:
            request = client.build_request(
                "PATCH", f"{proxy.url}/api/v1/odd%2Fpath/x", params={"q": "a b&c", "k": ["1", "2"]},
                headers={"X-Custom": "Value", "Accept-Encoding": "gzip", "Authorization": "Bearer t0ken"},
                content=body)
            response = client.send(request, stream=True)
            raw = b"".join(response.iter_raw())
            response.close()
        proxy.violations()
    (seen,) = echo.seen
    assert seen["method"] == "PATCH" and seen["raw_path"] == b"/api/v1/odd%2Fpath/x"
    assert seen["query"] == request.url.query and seen["body"] == body
    got = {k.decode().lower(): v.decode() for k, v in seen["headers"]}  # type: ignore[union-attr]
    assert got["x-custom"] == "Value" and got["authorization"] == "Bearer t0ken"
    assert got["host"] == request.headers["host"]  # the client's Host: absolute URLs lead back here
    assert response.status_code == 418 and raw == ANSWER  # still compressed: bytes as the target sent
    assert response.headers.get_list("x-answer") == ["one", "two"]
    assert response.headers["set-cookie"] == "session=abc"
    (recorded,) = read_cassette(tmp_path / "c.jsonl").exchanges
    assert (recorded.response_body, recorded.request_body) == (ANSWER, body)
    assert recorded.query == seen["query"].decode()  # type: ignore[union-attr]


def test_an_unreachable_praisonai_target_answers_502_with_a_detail(tmp_path: Path) -> None:
    with served(Echo()) as server:
        gone = server.url
    with Proxy(api="praisonai", target=gone) as proxy:
        response = httpx.get(f"{proxy.url}/api/v1/runs/x")
        assert proxy.violations() == []
    assert response.status_code == 502 and "could not reach" in response.json()["detail"]


def test_compressed_answers_are_judged_decoded() -> None:
    from starlette.middleware.gzip import GZipMiddleware

    from mockserver.runtime import Mock

    mock = Mock(("praisonai",), frozen_clock=True, misbehave=["PRA-STA-014"])
    with served(GZipMiddleware(mock.asgi("praisonai"), minimum_size=1)) as server, \
            Proxy(api="praisonai", target=server.url) as proxy, httpx.Client(base_url=proxy.url) as client:
        job_id = client.post("/api/v1/runs", json={"prompt": "zipped"}).json()["job_id"]
        mock.clock.advance(60)
        answers = [client.get(f"/api/v1/runs/{job_id}") for _ in range(2)]
        found = {v.clause for v in proxy.violations()}
    assert all(a.headers["content-encoding"] == "gzip" for a in answers)
    assert "PRA-STA-014" in found and "PRA-OAS-001" not in found


def test_a_foreign_host_or_a_cross_site_post_is_refused_at_the_door_and_never_forwarded() -> None:
    echo = Echo()
    with served(echo) as server, Proxy(api="kinetica", target=server.url) as proxy:
        rebound = httpx.post(f"{proxy.url}/show/proc/status", headers={"Host": "attacker.example"},
                             json={"run_id": "", "options": {}})
        cross_site = httpx.post(f"{proxy.url}/create/proc", headers={"Origin": "https://evil.example",
                                                                      "Content-Type": "text/plain"},
                                content=b'{"proc_name": "p"}')
        allowed = httpx.post(f"{proxy.url}/has/proc", headers={"Origin": "http://localhost:5173"},
                             json={"proc_name": "p", "options": {}})
    assert rebound.status_code == 403 and cross_site.status_code == 403
    for refused in (rebound, cross_site):  # Kinetica's own error wrapper
        assert refused.json()["status"] == "ERROR" and refused.json()["message"]
    assert allowed.status_code == 418
    assert [seen["raw_path"] for seen in echo.seen] == [b"/has/proc"]


def test_events_are_cut_at_blank_lines_whatever_the_line_ends_and_keep_them() -> None:
    whole, rest = split_events("event: a\r\ndata: 1\r\n\r\ndata: 2\n\n: keep-alive\r\rdata: par")
    assert whole == ["event: a\r\ndata: 1\r\n\r\n", "data: 2\n\n", ": keep-alive\r\r"]
    assert rest == "data: par"
    assert split_events("") == ([], "")


def test_a_crlf_cut_between_its_cr_and_its_lf_is_one_line_end() -> None:
    splitter = EventSplitter()
    assert splitter.feed(b"data: a\r") == []
    assert splitter.feed(b"\ndata: b\r\n\r\n") == ["data: a\r\ndata: b\r\n\r\n"]
    # A CR last in the stream is a line end of its own.
    assert splitter.feed(b"data: c\r") == []
    assert splitter.feed(b"\r", final=True) == ["data: c\r\r"]


def test_a_character_cut_between_two_chunks_is_read_whole() -> None:
    data = 'data: {"result": "caf\u00e9 \u2615"}\n\n'.encode()
    splitter = EventSplitter()
    cut = data.index("\u2615".encode()) + 1
    assert splitter.feed(data[:cut]) == []
    assert splitter.feed(data[cut:]) == [data.decode()]   # no U+FFFD for either half


class Chunked:
    """An event stream sent in the given chunks, each its own write."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})
        for chunk in self.chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})


def test_the_cassette_keeps_each_event_whole_however_the_target_cut_it(tmp_path: Path) -> None:
    status = 'event: status\r\ndata: {"status": "running", "job_id": "j1"}\r\n\r\n'
    result = 'event: result\r\ndata: {"result": "\u00e9t\u00e9"}\r\n\r\n'
    data = (status + result).encode()
    # Cut between a CR and its LF, and inside a two-byte character.
    chunks = [data[:len(status) - 1], data[len(status) - 1:data.index("\u00e9".encode()) + 1],
              data[data.index("\u00e9".encode()) + 1:]]
    with served(Chunked(chunks)) as server, Proxy(api="praisonai", target=server.url,
                                                  record=tmp_path / "c.jsonl") as proxy:
        with httpx.stream("GET", f"{proxy.url}/api/v1/runs/j1/stream") as response:
            assert b"".join(response.iter_raw()) == b"".join(chunks)
        proxy.violations()
    (recorded,) = read_cassette(tmp_path / "c.jsonl").exchanges
    assert [e.text for e in recorded.events] == [status, result]
