"""Webhooks: when a run finishes on the virtual clock, the mock POSTs the profile's payload to a
real receiver on 127.0.0.1 (loopback allowed by configuration)."""

from __future__ import annotations

import asyncio
import queue
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver.clock import Clock
from mockserver.praisonai.app import create_praisonai_app
from mockserver.praisonai.models import PraisonAIModel, SubmitRequest
from mockserver.praisonai.profiles import IMPL
from mockserver.praisonai.webhooks import WebhookDispatcher
from mockserver.scenario import ScenarioStore
from mockserver.server import ServerThread
from tests.praisonai.conftest import finished, started


class Receiver:
    def __init__(self) -> None:
        self.posts: queue.Queue[tuple[dict[str, Any], str]] = queue.Queue()

        async def hook(request: Request) -> Response:
            self.posts.put((await request.json(), request.headers.get("content-type", "")))
            return Response(status_code=204)

        self.server = ServerThread(Starlette(routes=[Route("/hook", hook, methods=["POST"])]))

    def next(self) -> tuple[dict[str, Any], str]:
        return self.posts.get(timeout=5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    with r.server:
        yield r


@pytest.fixture
def hooked(profile: str, clock: Clock, scenarios: ScenarioStore) -> Iterator[tuple[PraisonAIModel, ServerThread]]:
    model = PraisonAIModel(clock, scenarios, allow_loopback_webhooks=True)
    with ServerThread(create_praisonai_app(model, profile)) as server:
        yield model, server


def submit(server: ServerThread, **body: Any) -> str:
    response = httpx.post(f"{server.url}/api/v1/runs", json={"prompt": "p", **body})
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


@pytest.mark.parametrize("profile", ["impl"])
def test_impl_posts_after_success_and_failure_but_not_after_a_timeout_or_cancel(hooked, receiver) -> None:
    model, server = hooked
    url = f"{receiver.server.url}/hook"
    timed_out = submit(server, webhook_url=url, timeout=1, config={"mock_hang": True})
    cancelled = submit(server, webhook_url=url, config={"mock_hang": True})
    ok = submit(server, webhook_url=url, config={"mock_steps": 2, "mock_step_seconds": 1.5, "mock_result": [1]})
    failed = submit(server, webhook_url=url, config={"mock_steps": 1, "mock_step_seconds": 4, "mock_fail": "e"})
    started(model, cancelled)
    model.cancel(cancelled)
    finished(model, timed_out)
    finished(model, ok)
    payload, content_type = receiver.next()
    assert content_type == "application/json"
    assert payload == {"job_id": ok, "status": "succeeded", "result": [1], "error": None,
                       "completed_at": "2026-01-01T00:00:03.001000+00:00", "duration_seconds": 3.0}
    finished(model, failed)
    payload, _ = receiver.next()
    assert (payload["job_id"], payload["status"], payload["error"], payload["result"]) == (failed, "failed", "e", None)
    assert receiver.posts.empty()   # the timed-out and the cancelled run finished earlier: skipped


@pytest.mark.parametrize("profile", ["docs"])
def test_docs_posts_for_every_completion(hooked, receiver) -> None:
    model, server = hooked
    url = f"{receiver.server.url}/hook"
    cancelled = submit(server, webhook_url=url, config={"mock_hang": True})
    started(model, cancelled)
    model.cancel(cancelled)
    payload, _ = receiver.next()
    assert payload == {"job_id": cancelled, "status": "cancelled", "result": "", "duration_seconds": 0.0}
    ok = submit(server, webhook_url=url, config={"mock_steps": 1, "mock_step_seconds": 2, "mock_result": "r"})
    finished(model, ok)
    payload, _ = receiver.next()
    assert payload == {"job_id": ok, "status": "succeeded", "result": "r", "duration_seconds": 2.0}


def test_unreachable_or_refused_webhooks_are_logged_not_fatal(clock, scenarios) -> None:
    model = PraisonAIModel(clock, scenarios, allow_loopback_webhooks=True)
    dispatcher = WebhookDispatcher(model, IMPL)
    closed = model.submit(SubmitRequest(prompt="p", webhook_url="http://127.0.0.1:9/closed",
                                        config={"mock_steps": 0}))[0].job_id
    refused = model.submit(SubmitRequest(prompt="p", webhook_url="http://127.0.0.1:9/x",
                                         config={"mock_steps": 1, "mock_step_seconds": 5}))[0].job_id
    finished(model, closed)
    first = asyncio.run(dispatcher.deliver_due())
    assert [e["job_id"] for e in first] == [closed] and first[0]["error"].startswith("Connect")
    model.allow_loopback_webhooks = False   # screened again at delivery, as the reference does
    finished(model, refused)
    second = asyncio.run(dispatcher.deliver_due())
    assert [e["job_id"] for e in second] == [refused] and second[0]["error"].startswith("refused:")
    assert model.webhook_log == first + second and not model.pending_webhooks()
    assert asyncio.run(dispatcher.deliver_due()) == []
