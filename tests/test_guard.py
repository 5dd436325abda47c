"""The door of every port (issue 11): Host, Origin, credentials on the control plane, body limits,
whole bodies only, unencodable text. Through real sockets, as a hostile page or client gets there."""

from __future__ import annotations

import json
import logging
import socket
import time

import httpx
import pytest

from mockserver import slow_clients
from mockserver.auth import AuthConfig
from mockserver.kinetica import wire
from mockserver.runtime import MockServer

EVIL = "https://evil.example"
TOKEN = {"authorization": "Bearer tok"}


def _has_proc(client: httpx.Client, name: str) -> bool:
    answer = client.post("/has/proc", json={"proc_name": name, "options": {}})
    return bool(json.loads(answer.json()["data_str"])["proc_exists"])


def _raw(url: str, data: bytes, *, half_close: bool = True, read: bool = True) -> bytes:
    """Send raw bytes to the mock; what came back before it closed (or b"")."""
    host, port = httpx.URL(url).host, httpx.URL(url).port
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        if not read:
            return b""
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except OSError:
            pass
        return b"".join(chunks)


def _kinetica_error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status
    encoding = wire.BINARY if response.headers["content-type"] == wire.MEDIA_TYPES[wire.BINARY] else wire.JSON
    wrapper = wire.decode_wrapper(response.content, encoding)
    assert wrapper["status"] == "ERROR" and wrapper["data_type"] == "none"
    return str(wrapper["message"])


# -- item 2: a request is acted on only when its whole body arrived ---------------------------------
def test_a_body_cut_short_by_the_client_changes_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with MockServer(apis=["kinetica"], frozen_clock=True) as server, \
            httpx.Client(base_url=server.url, timeout=5) as client:
        body = b'{"proc_name":"half"}'
        head = (b"POST /create/proc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100\r\n\r\n")
        _raw(server.url, head + body)
        assert not _has_proc(client, "half")
    # One line at most, and never a traceback.
    assert "Traceback" not in caplog.text and "ClientDisconnect" not in caplog.text
    assert sum("went away" in r.getMessage() for r in caplog.records) <= 1


# -- item 3: credentials cover the control plane and the inspector; the journal redacts them -------
CONTROL_ROUTES = [("GET", "/_mock/state"), ("GET", "/_mock/journal"), ("GET", "/_mock/faults"),
                  ("POST", "/_mock/faults"), ("GET", "/_mock/clock"), ("POST", "/_mock/clock/advance"),
                  ("GET", "/_mock/scenario"), ("PUT", "/_mock/scenario"), ("GET", "/_mock/misbehave"),
                  ("GET", "/_mock/inspector"), ("GET", "/_mock/openapi.json"), ("POST", "/_mock/reset")]


def test_with_auth_on_every_control_route_wants_credentials() -> None:
    with MockServer(apis=["kinetica"], frozen_clock=True, auth=AuthConfig(bearer="tok")) as server, \
            httpx.Client(base_url=server.url, timeout=5) as client:
        before = client.get("/_mock/clock", headers=TOKEN).json()["now"]
        for method, path in CONTROL_ROUTES:
            refused = client.request(method, path, json={"action": "status", "status": 503, "path": "*",
                                                          "seconds": 3600})
            assert refused.status_code == 401, (method, path)
            assert "error" in refused.json() and "www-authenticate" in refused.headers
        assert client.get("/_mock/faults", headers=TOKEN).json()["faults"] == []
        assert client.get("/_mock/clock", headers=TOKEN).json()["now"] == before
        assert client.get("/_mock/inspector", headers=TOKEN).status_code == 200


def test_the_journal_never_shows_credentials() -> None:
    secrets = {"Authorization": "Bearer tok", "Proxy-Authorization": "Basic cHJveHk6cHc=",
               "Cookie": "session=abc123", "X-API-Key": "k-999", "Api-Key": "k-998"}
    with MockServer(apis=["praisonai"], auth=AuthConfig(bearer="tok")) as server, \
            httpx.Client(base_url=server.url, timeout=5) as client:
        assert client.get("/health", headers=secrets).status_code == 200
        listed = client.get("/_mock/journal", headers=TOKEN)
    text = listed.text
    for value in ("tok", "cHJveHk6cHc=", "abc123", "k-999", "k-998"):
        assert value not in text
    headers = {k.lower(): v for k, v in listed.json()["entries"][0]["headers"]}
    assert headers["authorization"] == headers["cookie"] == headers["x-api-key"] == "REDACTED"


# -- item 4: cross-site pages and rebound names cannot drive the mock ------------------------------
@pytest.mark.parametrize("content_type", ["text/plain", None, "application/json"])
def test_cross_origin_state_changes_are_refused_whatever_the_content_type(content_type: str | None) -> None:
    headers = {"origin": EVIL} | ({"content-type": content_type} if content_type else {})
    with MockServer(frozen_clock=True) as server, \
            httpx.Client(base_url=server.urls["kinetica"], timeout=5) as kinetica, \
            httpx.Client(base_url=server.urls["praisonai"], timeout=5) as praisonai:
        before = kinetica.get("/_mock/clock").json()["now"]
        advance = kinetica.post("/_mock/clock/advance", content=b'{"seconds":3600}', headers=headers)
        assert advance.status_code == 403 and "error" in advance.json()
        for path, body in (("/_mock/reset", b""), ("/_mock/faults", b'{"action":"status","status":503}'),
                           ("/_mock/scenario", b"name: evil\n")):
            assert kinetica.post(path, content=body, headers=headers).status_code == 403
        assert kinetica.get("/_mock/clock").json()["now"] == before
        assert kinetica.get("/_mock/faults").json()["faults"] == []
        assert kinetica.get("/_mock/scenario").json()["name"] != "evil"
        created = kinetica.post("/create/proc", content=json.dumps({"proc_name": "evil"}).encode(),
                                headers=headers)
        _kinetica_error(created, 403)
        assert not _has_proc(kinetica, "evil")
        run = praisonai.post("/api/v1/runs", content=b'{"prompt": "evil"}', headers=headers)
        assert run.status_code == 403 and set(run.json()) == {"detail"}
        assert praisonai.get("/api/v1/runs").json()["total"] == 0


def test_allowed_and_same_origin_pages_still_work() -> None:
    with MockServer(apis=["kinetica"], frozen_clock=True, cors_origins=["https://app.example"]) as server, \
            httpx.Client(base_url=server.url, timeout=5) as client:
        allowed = client.post("/_mock/clock/advance", json={"seconds": 1},
                              headers={"origin": "https://app.example"})
        assert allowed.status_code == 200
        own = client.post("/_mock/clock/advance", json={"seconds": 1}, headers={"origin": server.url})
        assert own.status_code == 200
        # A refusal an allowed page gets is readable by it (the 401/413 paths share this).
        assert client.post("/_mock/clock/advance", content=b"{}", headers={
            "origin": "https://app.example"}).status_code == 400


def test_only_loopback_or_allowed_host_names_are_served() -> None:
    with MockServer(apis=["kinetica", "praisonai"], allowed_hosts=["mock.internal:9191", "[fd00::7]"]) as server, \
            httpx.Client(base_url=server.urls["kinetica"], timeout=5) as kinetica, \
            httpx.Client(base_url=server.urls["praisonai"], timeout=5) as praisonai:
        rebound = kinetica.get("/_mock/state", headers={"host": "evil.example:9191"})
        assert rebound.status_code == 403 and "error" in rebound.json()
        _kinetica_error(kinetica.post("/has/proc", json={"proc_name": "p", "options": {}},
                                      headers={"host": "evil.example"}), 403)
        assert praisonai.get("/health", headers={"host": "evil.example"}).status_code == 403
        for host in ("localhost:1", "127.0.0.1", "[::1]:5", "app.localhost", "127.9.9.9", "MOCK.internal",
                     "[fd00::7]:80"):
            assert praisonai.get("/health", headers={"host": host}).status_code == 200, host


# -- item 6: unencodable text is refused at the door, in the API's format, and stores nothing ------
def test_lone_surrogates_are_refused_and_nothing_breaks_later() -> None:
    with MockServer(frozen_clock=True) as server, \
            httpx.Client(base_url=server.urls["kinetica"], timeout=5) as kinetica, \
            httpx.Client(base_url=server.urls["praisonai"], timeout=5) as praisonai:
        json_type = {"content-type": "application/json"}
        _kinetica_error(kinetica.post("/create/proc", content=b'{"proc_name":"\\ud800"}', headers=json_type),
                        400)
        for body in (b'{"prompt":"\\udfff"}', b'{"prompt":"hi","session_id":"\\ud800"}',
                     b'{"prompt":"hi","config":{"\\udbff":1}}'):
            refused = praisonai.post("/api/v1/runs", content=body, headers=json_type)
            assert refused.status_code == 400 and set(refused.json()) == {"detail"}, body
        refused = kinetica.post("/_mock/faults", content=b'{"action":"status","status":503,"path":"\\ud800"}',
                                headers=json_type)
        assert refused.status_code == 400 and "error" in refused.json()
        # A proper pair is text, and passes.
        ok = praisonai.post("/api/v1/runs", content=b'{"prompt":"\\ud83d\\ude00"}', headers=json_type)
        assert ok.status_code == 202
        assert kinetica.get("/_mock/state").status_code == 200
        assert praisonai.get("/api/v1/runs").json()["total"] == 1


# -- item 8: one body limit on every port, 413 in each API's format, and short echoes --------------
def test_one_body_limit_on_every_port_in_each_format() -> None:
    limit = 4096
    big = b'{"prompt": "' + b"x" * limit + b'"}'
    with MockServer(frozen_clock=True, max_body_bytes=limit) as server, \
            httpx.Client(base_url=server.urls["kinetica"], timeout=5) as kinetica, \
            httpx.Client(base_url=server.urls["praisonai"], timeout=5) as praisonai:
        too_big = praisonai.post("/api/v1/runs", content=big, headers={"content-type": "application/json"})
        assert too_big.status_code == 413 and set(too_big.json()) == {"detail"}
        control = kinetica.put("/_mock/scenario", content=b"name: " + b"x" * limit)
        assert control.status_code == 413 and "error" in control.json()
        assert "limit" in _kinetica_error(kinetica.post("/create/proc", content=big, headers={
            "content-type": "application/json"}), 413)

        # Chunked (no Content-Length): enforced while reading.
        def chunks():
            for _ in range(8):
                yield b"x" * 1024

        streamed = praisonai.post("/api/v1/runs", content=chunks(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413
        assert praisonai.get("/api/v1/runs").json()["total"] == 0


def test_a_huge_declared_length_is_refused_before_reading() -> None:
    with MockServer(apis=["praisonai"], max_body_bytes=4096) as server:
        answer = _raw(server.url, b"POST /api/v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  b"Content-Type: application/json\r\nContent-Length: 104857600\r\n\r\n",
                      half_close=False)
    assert answer.startswith(b"HTTP/1.1 413")


def test_errors_echo_only_an_excerpt_of_the_input() -> None:
    huge = "y" * 200_000
    with MockServer(frozen_clock=True) as server, \
            httpx.Client(base_url=server.urls["kinetica"], timeout=5) as kinetica, \
            httpx.Client(base_url=server.urls["praisonai"], timeout=5) as praisonai:
        answers = [
            praisonai.post("/api/v1/runs", json={"prompt": [huge]}),
            praisonai.post("/api/v1/runs", json={"prompt": "x", "timeout": huge}),
            praisonai.get(f"/api/v1/runs?status={huge[:8000]}"),
            praisonai.get(f"/api/v1/runs/{huge[:8000]}"),
            kinetica.post("/create/proc", json={huge: 1}),
            kinetica.post("/_mock/clock/advance", json={"seconds": huge}),
        ]
    for answer in answers:
        assert 400 <= answer.status_code < 500
        assert len(answer.content) < 2000, answer.request.url


# -- item 10: slow clients are closed -------------------------------------------------------------
@pytest.mark.parametrize("parser", ["fastest", "h11"])
def test_slow_headers_and_slow_bodies_are_cut_off(parser: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if parser == "h11":  # as where httptools is not installed
        monkeypatch.setattr(slow_clients, "_FAST", None)
    with MockServer(apis=["praisonai"], header_timeout=0.3, body_timeout=0.3) as server:
        url = httpx.URL(server.url)
        with socket.create_connection((url.host, url.port), timeout=5) as idle:
            idle.sendall(b"GET /health HTTP/1.1\r\nHo")  # and nothing more
            assert idle.recv(1024) == b""  # closed by the mock
        with socket.create_connection((url.host, url.port), timeout=5) as silent:
            assert silent.recv(1024) == b""
        answer = _raw(server.url, b"POST /api/v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  b"Content-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"pro",
                      half_close=False)
        assert answer.startswith(b"HTTP/1.1 408") and b"detail" in answer
        with httpx.Client(base_url=server.url, timeout=5) as client:
            assert client.get("/api/v1/runs").json()["total"] == 0


def _read_answer(sock: socket.socket) -> bytes:
    """One whole HTTP/1.1 answer with a Content-Length (b"" if the connection was closed)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length"))
    while len(body) < length:
        body += sock.recv(4096)
    return head + b"\r\n\r\n" + body


@pytest.mark.parametrize("parser", ["fastest", "h11"])
def test_the_header_deadline_counts_from_each_requests_first_byte_not_from_the_idle_time_before(
        parser: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if parser == "h11":
        monkeypatch.setattr(slow_clients, "_FAST", None)
    request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with MockServer(apis=["praisonai"], header_timeout=0.3) as server:
        url = httpx.URL(server.url)
        with socket.create_connection((url.host, url.port), timeout=5) as kept:
            kept.sendall(request)
            assert _read_answer(kept).startswith(b"HTTP/1.1 200")
            # Idle between requests longer than the header deadline (real time is the point here;
            # uvicorn's keep-alive allows 5 s): the next request is still answered.
            time.sleep(0.6)
            kept.sendall(request)
            assert _read_answer(kept).startswith(b"HTTP/1.1 200")
            started = time.monotonic()
            kept.sendall(b"GET /health HTTP/1.1\r\nHo")  # and nothing more
            assert kept.recv(1024) == b""  # closed by the mock, once this request's headers are overdue
            assert 0.25 < time.monotonic() - started < 3
