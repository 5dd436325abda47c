"""A mock with the real Kinetica API and a stand-in PraisonAI model, driven in-process over httpx."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mockserver.clock import Clock
from mockserver.runtime import Mock
from tests.control.control_helpers import T0, Client


@pytest.fixture
def mock() -> Mock:
    return Mock(clock=Clock(T0, frozen=True))


@pytest.fixture
def client(mock: Mock) -> Iterator[Client]:
    c = Client(mock.asgi("kinetica"))
    yield c
    c.close()
