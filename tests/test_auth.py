"""Optional Basic/Bearer authentication against a tiny stand-in app."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from mockserver.auth import AuthConfig, AuthConfigError, AuthMiddleware


async def _ok(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def _app(config: AuthConfig, **kwargs):
    inner = Starlette(routes=[Route("/{rest:path}", _ok, methods=["GET", "POST", "OPTIONS"])])
    return AuthMiddleware(inner, config, **kwargs)


def _get(app, path: str = "/x", method: str = "GET", headers: dict | None = None,
         auth: httpx.Auth | tuple[str, str] | None = None) -> httpx.Response:
    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://m") as client:
            return await client.request(method, path, headers=headers, auth=auth)
    return asyncio.run(go())


def _basic(user: str, password: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_off_by_default_lets_everything_through() -> None:
    assert not AuthConfig().enabled
    assert _get(_app(AuthConfig())).status_code == 200


def test_basic_credentials() -> None:
    app = _app(AuthConfig(basic=("alice", "s3cret:with colon")))
    assert _get(app, auth=("alice", "s3cret:with colon")).status_code == 200
    wrong = _get(app, auth=("alice", "nope"))
    assert wrong.status_code == 401 and wrong.json() == {"detail": "Invalid credentials"}
    missing = _get(app)
    assert missing.status_code == 401 and missing.json() == {"detail": "Not authenticated"}
    assert missing.headers["www-authenticate"] == 'Basic realm="mockserver"'
    assert _get(app, headers=_basic("bob", "s3cret:with colon")).status_code == 401
    assert _get(app, headers={"authorization": "Basic !!!not-base64"}).status_code == 401
    assert _get(app, headers={"authorization": "Bearer s3cret"}).status_code == 401


def test_bearer_token_and_either_scheme_when_both_are_configured() -> None:
    app = _app(AuthConfig(basic=("u", "p"), bearer="tok-123"))
    assert _get(app, headers={"authorization": "Bearer tok-123"}).status_code == 200
    assert _get(app, headers={"authorization": "bearer tok-123"}).status_code == 200
    assert _get(app, auth=("u", "p")).status_code == 200
    assert _get(app, headers={"authorization": "Bearer tok-1234"}).status_code == 401
    challenge = _get(app).headers["www-authenticate"]
    assert "Basic" in challenge and "Bearer" in challenge


def test_cors_preflight_is_exempt() -> None:
    app = _app(AuthConfig(bearer="t"))
    preflight = {"origin": "http://localhost:5173", "access-control-request-method": "POST"}
    assert _get(app, "/execute/proc", "OPTIONS", headers=preflight).status_code == 200
    assert _get(app, "/execute/proc", "OPTIONS").status_code == 401


def test_the_api_chooses_the_shape_of_its_401() -> None:
    def kinetica_like(scope, reason: str) -> tuple[bytes, bytes]:
        return b"application/json", f'{{"status": "ERROR", "message": "{reason}"}}'.encode()

    response = _get(_app(AuthConfig(bearer="t"), reject=kinetica_like))
    assert response.status_code == 401
    assert response.json() == {"status": "ERROR", "message": "Not authenticated"}


def test_command_line_forms_and_bad_configurations() -> None:
    config = AuthConfig.from_options(basic="admin:pa:ss", bearer="tok")
    assert config.basic == ("admin", "pa:ss") and config.bearer == "tok"
    assert config.describe() == {"enabled": True, "basic": True, "bearer": True}
    for basic, bearer in (("no-colon", None), (":nouser", None), (None, "has space"), (None, "")):
        with pytest.raises(AuthConfigError):
            AuthConfig.from_options(basic=basic, bearer=bearer)
