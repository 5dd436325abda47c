"""A synchronous client straight into an ASGI app (httpx's ASGI transport on one private loop)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx


class SyncASGIClient:
    def __init__(self, app: Any, base_url: str = "http://mock.test") -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)

    def run(self, awaitable: Any) -> Any:
        return self._loop.run_until_complete(awaitable)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.run(self._client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        self.run(self._client.aclose())
        self._loop.close()

    def __enter__(self) -> SyncASGIClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
