"""Webhook targets (issue 11, item 5): every spelling of an address is resolved as a connection would
resolve it, every address is checked, and delivery goes to a checked address."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from mockserver.clock import Clock
from mockserver.praisonai.app import create_praisonai_app
from mockserver.praisonai.models import PraisonAIModel, SubmitRequest
from mockserver.praisonai.profiles import IMPL
from mockserver.praisonai.webhooks import WebhookDispatcher
from mockserver.scenario import ScenarioStore
from tests.asgi import SyncASGIClient
from tests.praisonai.conftest import finished

LOOPBACK_SPELLINGS = ["http://2130706433:9/h", "http://127.1:9/h", "http://0x7f000001:9/h",
                      "http://017700000001:9/h", "http://[::ffff:127.0.0.1]:9/h", "http://[::ffff:7f00:1]/h",
                      "http://[::1]:9/h", "http://localhost:9/h", "http://127.0.0.1./h"]
UNSPECIFIED_SPELLINGS = ["http://0:9/h", "http://0.0.0.0/h", "http://[::]/h", "http://0x0/h"]
PRIVATE_SPELLINGS = ["http://167772161/h", "http://0x0a000001/h", "http://10.1/h", "http://3232235777/h",
                     "http://2852039166/h", "http://169.254.169.254/latest", "http://[fe80::1]/h",
                     "http://224.0.0.1/h", "http://[ff02::1]/h", "http://100.64.0.1/h", "http://[fd00::1]/h"]


def _submit(model: PraisonAIModel, url: str) -> httpx.Response:
    client = SyncASGIClient(create_praisonai_app(model, "impl"))
    try:
        return client.post("/api/v1/runs", json={"prompt": "p", "webhook_url": url})
    finally:
        client.close()


@pytest.mark.parametrize("url", LOOPBACK_SPELLINGS + UNSPECIFIED_SPELLINGS + PRIVATE_SPELLINGS
                         + ["http://no-such-name.invalid/h"])
def test_every_spelling_of_a_restricted_address_is_refused(url: str, clock: Clock,
                                                           scenarios: ScenarioStore) -> None:
    refused = _submit(PraisonAIModel(clock, scenarios), url)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "webhook_url"]


@pytest.mark.parametrize("url", LOOPBACK_SPELLINGS[:7])
def test_loopback_spellings_pass_when_loopback_is_allowed(url: str, clock: Clock,
                                                          scenarios: ScenarioStore) -> None:
    model = PraisonAIModel(clock, scenarios, allow_loopback_webhooks=True)
    assert _submit(model, url).status_code == 202
    for unspecified in UNSPECIFIED_SPELLINGS:  # "this host" is not loopback: still refused
        assert _submit(model, unspecified).status_code == 422


def test_an_allowed_network_is_reachable_and_only_it(clock: Clock, scenarios: ScenarioStore) -> None:
    model = PraisonAIModel(clock, scenarios, webhook_allow=["10.0.0.0/8"])
    assert _submit(model, "http://10.1/h").status_code == 202
    assert _submit(model, "http://192.168.0.1/h").status_code == 422
    assert _submit(model, "http://127.0.0.1/h").status_code == 422


class _Recorder(httpx.AsyncBaseTransport):
    """Stands in for the network: remembers where each request was sent."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(204)


def test_delivery_connects_to_the_checked_address_with_the_name_kept(clock: Clock,
                                                                     scenarios: ScenarioStore) -> None:
    model = PraisonAIModel(clock, scenarios, allow_loopback_webhooks=True)
    recorder = _Recorder()
    dispatcher = WebhookDispatcher(model, IMPL, transport=recorder)
    job_id = model.submit(SubmitRequest(prompt="p", webhook_url="http://localhost:8123/hook?x=1",
                                        config={"mock_steps": 0}))[0].job_id
    finished(model, job_id)
    log: list[dict[str, Any]] = asyncio.run(dispatcher.deliver_due())
    assert [entry.get("status_code") for entry in log] == [204]
    sent = recorder.requests[0]
    assert sent.url.host in ("127.0.0.1", "::1") and sent.url.port == 8123 and sent.url.query == b"x=1"
    assert sent.headers["host"] == "localhost:8123"
