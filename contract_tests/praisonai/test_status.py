"""The status endpoint through a run's life, and 404s for unknown ids on every per-run route."""

from __future__ import annotations

import pytest

from contract_tests.praisonai.checks import History
from contract_tests.praisonai.client import TERMINAL, PraisonTarget

clause = pytest.mark.clause


@clause("PRA-STA-011", "PRA-RES-004", "PRA-CAN-003", "PRA-DEL-003", "PRA-SSE-004", "PRA-ERR-002")
@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", ""),
        ("GET", "/result"),
        ("POST", "/cancel"),
        ("DELETE", ""),
        ("GET", "/stream"),
    ],
    ids=["status", "result", "cancel", "delete", "stream"],
)
def test_unknown_job_is_404_on_every_route(pra: PraisonTarget, method: str, suffix: str) -> None:
    job_id = pra.unique("run_missing")
    response = pra.request(method, f"/api/v1/runs/{job_id}{suffix}")
    assert response.status_code == 404, f"expected 404 for an unknown job; got {response.status_code}"
    assert response.json() == {"detail": f"Job not found: {job_id}"}, (
        f"expected the documented detail; got {response.text}"
    )


@clause(
    "PRA-STA-001",
    "PRA-STA-002",
    "PRA-STA-003",
    "PRA-STA-004",
    "PRA-STA-005",
    "PRA-STA-006",
    "PRA-STA-007",
    "PRA-STA-008",
    "PRA-STA-009",
    "PRA-STA-012",
    "PRA-STA-013",
    "PRA-STA-014",
    "PRA-STA-015",
)
def test_status_through_a_successful_run(pra_hints: PraisonTarget) -> None:
    pra = pra_hints
    job_id = pra.submit_ok(config=pra.hints(steps=4))["job_id"]
    history = History(job_id)

    def probe() -> dict:
        body = pra.status(job_id)
        history.observe(body)
        return body

    final = pra.wait_for(probe, lambda s: s["status"] in TERMINAL, what="the run to finish", step=pra.unit / 2)
    assert final["status"] == "succeeded", f"expected the run to succeed; got {final}"
    assert "running" in history.statuses, f"expected to see the run running on the way; saw {history.statuses}"
    pra.pass_time(5 * pra.unit)
    history.observe(pra.status(job_id))


@clause("PRA-STA-010", "PRA-STA-014", "PRA-STA-008")
def test_status_of_a_failed_run_carries_the_error(pra_hints: PraisonTarget) -> None:
    pra = pra_hints
    token = pra.unique("broken")
    job_id = pra.submit_ok(config=pra.hints(steps=2, mock_fail=token))["job_id"]
    history = History(job_id)

    def probe() -> dict:
        body = pra.status(job_id)
        history.observe(body)
        return body

    final = pra.wait_for(probe, lambda s: s["status"] in TERMINAL, what="the run to fail")
    assert final["status"] == "failed", f"expected failed; got {final}"
    assert token in final["error"], f"expected the run's error in the status; got {final['error']!r}"
