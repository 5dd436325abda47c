"""Per-test access to the PraisonAI target: a fresh mock (when there is a control plane) per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from contract_tests.praisonai.client import PraisonTarget


@pytest.fixture
def pra(praisonai_target_session: PraisonTarget) -> Iterator[PraisonTarget]:
    with praisonai_target_session.one_test() as target:
        yield target


@pytest.fixture
def pra_hints(pra: PraisonTarget) -> PraisonTarget:
    """The target, for tests that need runs that succeed, fail or hang on request."""
    pra.require_hints()
    pra.prepare_test()
    return pra


@pytest.fixture
def docs(contract_profile: str) -> bool:
    return contract_profile == "docs"
