"""ProxyApp on its own, without a server: served through an ASGI transport (no lifespan), its
forwarding client is made on first use and closed by `close()`."""

from __future__ import annotations

from mockserver.proxy.app import ProxyApp
from mockserver.runtime import MockServer
from tests.asgi import SyncASGIClient


def test_close_closes_the_forwarding_client_made_without_a_lifespan() -> None:
    with MockServer(apis=("praisonai",), frozen_clock=True) as mock:
        app = ProxyApp("praisonai", mock.urls["praisonai"])
        client = SyncASGIClient(app, base_url="http://127.0.0.1")
        assert client.post("/api/v1/runs", json={"prompt": "x"}).status_code == 202
        forwarding = app._client
        assert forwarding is not None and not forwarding.is_closed
        app.close()
        assert forwarding.is_closed
        client.close()
