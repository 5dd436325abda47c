"""Each clause a passive observer can judge, broken in the mock behind the proxy (`misbehave`), is
reported by the proxy for the same sessions that give no violation against a correct mock
(tests/proxy/test_latitudes.py). The others need a test that drives the server (the suite)."""

from __future__ import annotations

import contextlib

import httpx
import pytest

from mockserver.proxy import Proxy
from mockserver.runtime import MockServer
from tests.proxy.test_latitudes import kinetica_session, praisonai_session

gpudb = pytest.importorskip("gpudb")

JUDGED_PASSIVELY = [
    "KIN-JOB-003", "KIN-SPS-004", "KIN-SPS-012", "KIN-SPS-014", "KIN-SPS-020", "KIN-WIRE-001",
    "PRA-CAN-005", "PRA-OAS-001", "PRA-STA-001", "PRA-STA-002", "PRA-STA-003", "PRA-STA-004", "PRA-STA-005",
    "PRA-STA-006", "PRA-STA-007", "PRA-STA-008", "PRA-STA-009", "PRA-STA-010", "PRA-STA-013", "PRA-STA-014",
    "PRA-STA-016I", "PRA-SSE-001", "PRA-SSE-003", "PRA-SSE-006",
]


@pytest.mark.parametrize("clause", JUDGED_PASSIVELY)
def test_the_proxy_reports_the_broken_clause(clause: str) -> None:
    api = "kinetica" if clause.startswith("KIN") else "praisonai"
    with MockServer(apis=(api,), frozen_clock=True, misbehave=[clause]) as mock, \
            Proxy(api=api, target=mock.urls[api]) as proxy:
        if api == "kinetica":
            for encoding in ("JSON", "BINARY"):
                # A broken wrapper makes gpudb give up at once: what it got is what is judged.
                with contextlib.suppress(gpudb.GPUdbException):
                    db = gpudb.GPUdb(host=proxy.url, options=gpudb.GPUdb.Options({"encoding": encoding}))
                    kinetica_session(db, mock.clock.advance)
        else:
            with httpx.Client(base_url=proxy.url) as client:
                praisonai_session(client, mock.clock.advance)
        found = {v.clause for v in proxy.violations()}
    assert clause in found, found
