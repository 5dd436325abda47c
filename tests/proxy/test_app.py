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


def test_the_inspector_page_and_its_files_are_served_on_the_proxys_port() -> None:
    app = ProxyApp("kinetica", "http://127.0.0.1:9")  # nothing listens there: nothing is forwarded
    client = SyncASGIClient(app, base_url="http://127.0.0.1")
    try:
        page = client.get("/_mock/inspector")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert 'src="inspector/violations.js"' in page.text and 'href="inspector/inspector.css"' in page.text
        script = client.get("/_mock/inspector/violations.js")
        assert script.headers["content-type"].startswith("text/javascript") and "/_mock/violations" in script.text
        assert client.get("/_mock/inspector/inspector.css").headers["content-type"].startswith("text/css")
        assert client.get("/_mock/inspector/other.js").status_code == 404
        # Markup never comes from the traffic: the script sets the server's words as text only.
        assert "innerHTML" not in script.text
    finally:
        client.close()
        app.close()
