"""The LRO suite's per-test target (run with `--contract-api lro`, see tests/lro/test_lro.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.lro.target import LroTarget


@pytest.fixture
def lro(lro_target_session: LroTarget) -> Iterator[LroTarget]:
    with lro_target_session.one_test() as target:
        yield target
