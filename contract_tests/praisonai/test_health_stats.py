"""GET /health and GET /stats."""

from __future__ import annotations

import pytest

from contract_tests.praisonai.client import STATUSES, PraisonTarget

clause = pytest.mark.clause


@clause("PRA-HLT-001")
def test_health_is_healthy(pra: PraisonTarget) -> None:
    response = pra.request("GET", "/health")
    assert response.status_code == 200, f"expected 200; got {response.status_code}"
    assert response.json().get("status") == "healthy", f"expected status 'healthy'; got {response.text}"


@clause("PRA-STS-001D", "PRA-STS-002D")
def test_stats_count_jobs_docs(pra: PraisonTarget) -> None:
    before = pra.request("GET", "/stats").json()
    assert isinstance(before.get("total_jobs"), int) and isinstance(before.get("by_status"), dict), f"got {before}"
    assert set(before["by_status"]) <= set(STATUSES), f"expected by_status keyed by status; got {before['by_status']}"
    job_id = pra.submit_ok(config=pra.hints(steps=1) if pra.has_control else None)["job_id"]
    after = pra.request("GET", "/stats").json()
    assert after["total_jobs"] == before["total_jobs"] + 1, f"expected total_jobs to grow by one: {before} -> {after}"
    status = pra.status(job_id)["status"]
    assert after["by_status"].get(status, 0) >= 1, f"expected by_status to count the new {status} job; got {after}"
    if pra.has_control:  # on a fresh mock the counts are exactly ours
        assert sum(after["by_status"].values()) == after["total_jobs"], f"expected by_status to add up: {after}"


@clause("PRA-STS-001I")
def test_stats_describe_the_executor_impl(pra: PraisonTarget) -> None:
    response = pra.request("GET", "/stats")
    if response.status_code == 500:
        return  # what praisonai 4.7.19 answers, always
    assert response.status_code == 200, f"expected 200 (or 4.7.19's 500); got {response.status_code}"
    body = response.json()
    executor = body.get("executor")
    assert isinstance(executor, dict), f"expected an executor object; got {body}"
    assert isinstance(executor.get("running_jobs"), int) and isinstance(executor.get("max_concurrent"), int), (
        f"expected running_jobs and max_concurrent; got {executor}")
