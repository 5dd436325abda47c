"""Fixtures for the PraisonAI mock tests: a frozen virtual clock, a model, the app in-process or on
a real socket, and helpers that move the clock instead of sleeping."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mockserver.clock import Clock
from mockserver.praisonai.app import create_praisonai_app
from mockserver.praisonai.models import PICKUP_SECONDS, PraisonAIModel
from mockserver.scenario import Scenario, ScenarioStore
from mockserver.server import ServerThread
from tests.asgi import SyncASGIClient

EPOCH = 1_767_225_600.0  # 2026-01-01T00:00:00Z


@pytest.fixture
def clock() -> Clock:
    return Clock(EPOCH, frozen=True)


@pytest.fixture
def scenarios() -> ScenarioStore:
    return ScenarioStore()


def load(store: ScenarioStore, praisonai: dict[str, Any], seed: int = 0) -> None:
    store.set(Scenario.from_dict({"seed": seed, "praisonai": praisonai}))


@pytest.fixture
def model(clock: Clock, scenarios: ScenarioStore) -> PraisonAIModel:
    return PraisonAIModel(clock, scenarios)


def settle(model: PraisonAIModel, job_id: str, until: Callable[[Any], bool], *, limit: int = 1000) -> Any:
    """Advance the virtual clock change by change until `until(view)` holds; return that view."""
    for _ in range(limit):
        view = model.get(job_id)
        if until(view):
            return view
        nxt = model.next_change(job_id, view.at)
        if nxt == float("inf"):
            raise AssertionError(f"{job_id} never reaches the wanted state; stuck at {view.status}")
        model.clock.set(nxt)
    raise AssertionError(f"{job_id} did not settle in {limit} changes")


def started(model: PraisonAIModel, job_id: str) -> Any:
    return settle(model, job_id, lambda v: v.status != "queued")


def finished(model: PraisonAIModel, job_id: str) -> Any:
    return settle(model, job_id, lambda v: v.terminal)


@pytest.fixture(params=["impl", "docs"])
def profile(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class SyncClient(SyncASGIClient):
    """The in-process client; closing it also stops the app's webhook sender."""

    def close(self) -> None:
        self.run(self.app.webhooks.stop())
        super().close()


@pytest.fixture
def client(model: PraisonAIModel, profile: str) -> Iterator[SyncClient]:
    c = SyncClient(create_praisonai_app(model, profile))
    yield c
    c.close()


@pytest.fixture
def live(model: PraisonAIModel, profile: str) -> Iterator[ServerThread]:
    """The app under real uvicorn on 127.0.0.1 (for SSE and webhooks)."""
    with ServerThread(create_praisonai_app(model, profile)) as server:
        yield server


__all__ = ["EPOCH", "PICKUP_SECONDS", "finished", "load", "settle", "started"]
