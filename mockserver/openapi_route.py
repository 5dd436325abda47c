"""Serve an API's OpenAPI document on the API's own port (`GET /openapi.json`), so that Swagger UI,
Prism or Schemathesis can be pointed at the port alone.

The document's `servers` names the address the request came to (scheme and `Host`, which the guard
has already checked), so a tool that reads it talks to this port whatever port was bound. Pure ASGI;
other paths and methods go to the API unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Mapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["OpenApiRoute"]


class OpenApiRoute:
    def __init__(self, app: ASGIApp, path: str, document: Mapping[str, Any]) -> None:
        self.app = app
        self.path = path
        self.document = document
        self._encoded: dict[str, bytes] = {}  # by base URL: one or two per process

    def _body(self, base_url: str) -> bytes:
        body = self._encoded.get(base_url)
        if body is None:
            body = json.dumps({**self.document, "servers": [{"url": base_url}]}, ensure_ascii=False).encode()
            if len(self._encoded) < 16:  # Host values are the client's choice: keep the cache small
                self._encoded[base_url] = body
        return body

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not a coroutine: any other request gets the app's own (one frame fewer on every request).
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] not in ("GET", "HEAD"):
            return self.app(scope, receive, send)
        return self._serve(scope, send)

    async def _serve(self, scope: Scope, send: Send) -> None:
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)
        if host is None:
            server = scope.get("server") or ("127.0.0.1", 80)
            host = f"{server[0]}:{server[1]}"
        body = self._body(f"{scope.get('scheme', 'http')}://{host}")
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
