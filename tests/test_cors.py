"""CORS on every port of the mock: preflights answered (before faults or auth), the headers browser
clients send allowed, Location and Retry-After exposed, origins configurable, others refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mockserver.auth import AuthConfig
from mockserver.cli import main
from mockserver.clock import Clock
from mockserver.cors import CorsConfigError, CorsPolicy, normalize_origin
from mockserver.runtime import Mock
from tests.control.control_helpers import T0, Client

VITE = "http://localhost:5173"


def _preflight(client: Client, path: str, origin: str, method: str = "POST",
               headers: str = "content-type, idempotency-key"):
    return client.request("OPTIONS", path, headers={
        "Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers})


@pytest.fixture
def mock() -> Mock:
    return Mock(clock=Clock(T0, frozen=True))


@pytest.fixture
def praisonai(mock: Mock) -> Iterator[Client]:
    client = Client(mock.asgi("praisonai"))
    yield client
    client.close()


@pytest.fixture
def kinetica(mock: Mock) -> Iterator[Client]:
    client = Client(mock.asgi("kinetica"))
    yield client
    client.close()


@pytest.mark.parametrize("origin", [VITE, "http://127.0.0.1:3000", "http://localhost", "http://[::1]:8080"])
def test_preflight_from_any_localhost_port_is_answered(praisonai: Client, origin: str) -> None:
    response = _preflight(praisonai, "/api/v1/runs", origin)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"content-type", "idempotency-key", "authorization", "last-event-id"} <= allowed
    assert response.headers["access-control-allow-credentials"] == "true"


def test_preflights_on_both_apis_and_the_control_plane(kinetica: Client, praisonai: Client) -> None:
    assert _preflight(kinetica, "/show/proc/status", VITE, headers="content-type").status_code == 200
    assert _preflight(kinetica, "/_mock/clock/advance", VITE, headers="content-type").status_code == 200
    assert _preflight(praisonai, "/api/v1/runs/run_1/stream", VITE, method="GET",
                      headers="last-event-id").status_code == 200
    assert _preflight(praisonai, "/api/v1/runs/run_1", VITE, method="DELETE",
                      headers="authorization").status_code == 200


def test_simple_request_gets_the_origin_and_exposed_headers(praisonai: Client) -> None:
    response = praisonai.post("/api/v1/runs", json={"prompt": "hi"},
                              headers={"Origin": VITE, "Idempotency-Key": "k-1"})
    assert response.status_code == 202
    assert response.headers["access-control-allow-origin"] == VITE
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert {"location", "retry-after"} <= exposed
    assert "Origin" in response.headers["vary"]


def test_a_disallowed_origin_is_refused(praisonai: Client, mock: Mock) -> None:
    preflight = _preflight(praisonai, "/api/v1/runs", "http://evil.example:5173")
    assert preflight.status_code == 400 and "origin" in preflight.text
    assert "access-control-allow-origin" not in preflight.headers
    simple = praisonai.get("/health", headers={"Origin": "https://localhost.evil.example"})
    assert "access-control-allow-origin" not in simple.headers
    # The inspector shows refused preflights, with why.
    logged = mock.snapshot()["cors"]["preflights"]
    assert logged[-1]["origin"] == "http://evil.example:5173" and logged[-1]["allowed"] is False
    assert "origin" in logged[-1]["reason"]


def test_an_unlisted_request_header_is_refused(praisonai: Client) -> None:
    response = _preflight(praisonai, "/api/v1/runs", VITE, headers="content-type, x-custom-thing")
    assert response.status_code == 400 and "headers" in response.text


def test_configured_origins_replace_the_localhost_default() -> None:
    mock = Mock(clock=Clock(T0, frozen=True), cors_origins=["https://app.example.com/", "http://localhost:3000"])
    client = Client(mock.asgi("praisonai"))
    try:
        ok = _preflight(client, "/api/v1/runs", "https://app.example.com")
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "https://app.example.com"
        assert _preflight(client, "/api/v1/runs", "http://localhost:3000").status_code == 200
        assert _preflight(client, "/api/v1/runs", VITE).status_code == 400
        assert mock.snapshot()["cors"]["origins"] == ["https://app.example.com", "http://localhost:3000"]
    finally:
        client.close()


def test_star_allows_any_origin_and_an_empty_list_turns_cors_off() -> None:
    anyone = Mock(clock=Clock(T0, frozen=True), cors_origins=["*"])
    client = Client(anyone.asgi("praisonai"))
    try:
        response = _preflight(client, "/api/v1/runs", "https://anything.example")
        assert response.headers["access-control-allow-origin"] == "https://anything.example"
    finally:
        client.close()
    off = Mock(clock=Clock(T0, frozen=True), cors_origins=[])
    client = Client(off.asgi("praisonai"))
    try:
        response = client.get("/health", headers={"Origin": VITE})
        assert response.status_code == 200 and "access-control-allow-origin" not in response.headers
        assert off.snapshot()["cors"]["enabled"] is False
    finally:
        client.close()


def test_preflight_is_answered_before_auth_and_a_401_is_readable() -> None:
    mock = Mock(clock=Clock(T0, frozen=True), auth=AuthConfig(bearer="s3cret"))
    client = Client(mock.asgi("praisonai"))
    try:
        assert _preflight(client, "/api/v1/runs", VITE, headers="authorization, content-type").status_code == 200
        refused = client.get("/api/v1/runs", headers={"Origin": VITE})
        assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == VITE
    finally:
        client.close()


def test_an_injected_fault_still_carries_cors_headers(mock: Mock, praisonai: Client) -> None:
    mock.faults.add({"action": "status", "status": 503, "path": "/api/v1/runs"})
    assert _preflight(praisonai, "/api/v1/runs", VITE).status_code == 200
    response = praisonai.post("/api/v1/runs", json={"prompt": "hi"}, headers={"Origin": VITE})
    assert response.status_code == 503 and response.headers["access-control-allow-origin"] == VITE


def test_preflights_are_not_journaled_but_are_logged(mock: Mock, praisonai: Client) -> None:
    _preflight(praisonai, "/api/v1/runs", VITE)
    assert mock.journal.entries(method="OPTIONS") == []
    entry = mock.snapshot()["cors"]["preflights"][-1]
    assert entry["allowed"] is True and entry["api"] == "praisonai" and entry["path"] == "/api/v1/runs"
    mock.reset()
    assert mock.snapshot()["cors"]["preflights"] == []


@pytest.mark.parametrize("bad", ["localhost:5173", "http://localhost:5173/app", "ftp://x", ""])
def test_origins_a_browser_never_sends_are_rejected(bad: str) -> None:
    with pytest.raises(CorsConfigError):
        normalize_origin(bad)
    with pytest.raises(ValueError):
        Mock(cors_origins=[bad])


def test_policy_matching_is_exact() -> None:
    default = CorsPolicy()
    assert default.allows("http://localhost:5173") and default.allows("http://127.0.0.1:8005")
    assert not default.allows("https://localhost:5173")  # another scheme is another origin
    assert not default.allows("http://localhost.example:5173")
    assert not default.allows("http://192.168.1.10:5173")


def test_cli_rejects_bad_cors_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--cors-origin", "localhost:5173", "--kinetica-port", "0", "--praisonai-port", "0"]) == 2
    assert "scheme://host[:port]" in capsys.readouterr().err
    assert main(["serve", "--cors-origin", VITE, "--no-cors"]) == 2
    assert "not both" in capsys.readouterr().err


@pytest.mark.parametrize("varies", [[], [b"Accept"], [b"Accept", b"Cookie"]])
def test_an_answer_without_origin_varies_on_origin_as_starlettes_layer_says(varies: list[bytes]) -> None:
    # The layer answers requests without Origin itself (the hot path): byte for byte what Starlette's
    # CORSMiddleware would have sent.
    import asyncio

    from mockserver.cors import CorsMiddleware, PreflightLog

    async def app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        headers = [(b"content-type", b"text/plain"), *((b"vary", v) for v in varies), (b"x-after", b"1")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})

    policy = CorsPolicy()

    def answer(layer) -> list:  # type: ignore[no-untyped-def]
        sent: list = []

        async def send(message) -> None:  # type: ignore[no-untyped-def]
            sent.append(message)

        async def receive() -> dict:
            return {"type": "http.request", "body": b""}

        scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"host", b"127.0.0.1")]}
        asyncio.run(layer(scope, receive, send))
        return [(k.lower(), v) for k, v in sent[0]["headers"]]

    ours = answer(CorsMiddleware(app, policy, PreflightLog()))
    assert ours == answer(policy.middleware(app))
    assert dict(ours)[b"vary"] == b", ".join([*varies, b"Origin"])
