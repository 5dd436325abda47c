"""The status endpoint through a run's life, and 404s for unknown ids on every per-run route."""

from __future__ import annotations

import pytest

from contract_tests.praisonai.checks import History
from contract_tests.praisonai.client import TERMINAL, PraisonTarget
from contract_tests.violation import advise, checking

clause = pytest.mark.clause


# Each per-run route and the clause that makes it answer 404 for an unknown job.
UNKNOWN_JOB_ROUTES = {
    "status": ("GET", "", "PRA-STA-011"),
    "result": ("GET", "/result", "PRA-RES-004"),
    "cancel": ("POST", "/cancel", "PRA-CAN-003"),
    "delete": ("DELETE", "", "PRA-DEL-003"),
    "stream": ("GET", "/stream", "PRA-SSE-004"),
}


@clause("PRA-STA-011", "PRA-RES-004", "PRA-CAN-003", "PRA-DEL-003", "PRA-SSE-004", "PRA-ERR-002", "PRA-ERR-003")
@pytest.mark.parametrize("route", list(UNKNOWN_JOB_ROUTES))
def test_unknown_job_is_404_on_every_route(pra: PraisonTarget, route: str) -> None:
    method, suffix, route_clause = UNKNOWN_JOB_ROUTES[route]
    job_id = pra.unique("run_missing")
    response = pra.request(method, f"/api/v1/runs/{job_id}{suffix}")
    with checking(route_clause):
        assert response.status_code == 404, f"expected 404 for an unknown job; got {response.status_code}"
    with checking("PRA-ERR-002"):
        try:
            body = response.json()
        except ValueError:
            body = None
        assert isinstance(body, dict) and "detail" in body, f"expected a JSON object with detail; got {response.text}"
    advise("PRA-ERR-003", body["detail"] == f"Job not found: {job_id}",
           f"the pages' examples read 'Job not found: {job_id}'; got {response.text[:200]}")


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
    history = History(job_id, pra.profile)

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
    history = History(job_id, pra.profile)

    def probe() -> dict:
        body = pra.status(job_id)
        history.observe(body)
        return body

    final = pra.wait_for(probe, lambda s: s["status"] in TERMINAL, what="the run to fail")
    assert final["status"] == "failed", f"expected failed; got {final}"
    assert token in final["error"], f"expected the run's error in the status; got {final['error']!r}"
