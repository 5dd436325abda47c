"""The LRO contract: an operation is eventually done, and stays done."""

from __future__ import annotations

import httpx

from tests.lro.target import LroTarget


def test_an_operation_finishes_and_stays_finished(lro: LroTarget) -> None:
    operation = lro.start(seconds=lro.unit)
    assert operation["done"] is False
    done = lro.wait_for(lambda: lro.read(operation["name"]), lambda op: op["done"], what="the operation to finish")
    assert "response" in done
    lro.pass_time(lro.unit)
    assert lro.read(operation["name"])["done"] is True


def test_the_user_fixture_serves_a_fresh_mock(lro_mock) -> None:
    started = httpx.post(f"{lro_mock.url}/v1/operations", json={"seconds": 5}).json()
    assert started["name"] == "operations/1"  # fresh state: the mock's own numbering restarted
    lro_mock.clock.advance(10)
    assert httpx.get(f"{lro_mock.url}/v1/{started['name']}").json()["done"] is True
