"""Per-test access to the Kinetica target: a fresh mock (when there is a control plane) per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from contract_tests.kinetica.client import KineticaTarget


@pytest.fixture
def kin(kinetica_target_session: KineticaTarget) -> Iterator[KineticaTarget]:
    with kinetica_target_session.one_test() as target:
        yield target


@pytest.fixture
def kin_hints(kin: KineticaTarget) -> KineticaTarget:
    """The target, for tests that need runs that succeed, fail, hang or print on request."""
    kin.require_hints()
    kin.prepare_test()  # the probe left runs behind
    return kin
