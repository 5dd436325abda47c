"""Listing runs: shape, filters, pagination and parameter validation.

Each test scopes itself with a session_id of its own, so a live server's other jobs never count.
"""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests.praisonai.checks import utc_timestamp
from contract_tests.praisonai.client import TERMINAL, PraisonTarget
from contract_tests.violation import advise, checking

clause = pytest.mark.clause


def listing(pra: PraisonTarget, **params: Any) -> dict[str, Any]:
    response = pra.list(**params)
    assert response.status_code == 200, f"expected 200 from list; got {response.status_code} {response.text}"
    body = response.json()
    for name in ("jobs", "total", "page", "page_size"):
        assert name in body, f"expected {name} in the list answer; got {sorted(body)}"
    assert isinstance(body["jobs"], list) and isinstance(body["total"], int)
    for job in body["jobs"]:
        assert isinstance(job.get("job_id"), str) and isinstance(job.get("status"), str), f"got {job}"
        utc_timestamp(job.get("created_at"), "created_at")
    return body


@clause("PRA-LST-001", "PRA-LST-002", "PRA-LST-004", "PRA-LST-005")
def test_session_filter_and_pagination(pra: PraisonTarget) -> None:
    session = pra.unique("sess")
    config = pra.hints(steps=1) if pra.has_control else None
    ours = {pra.submit_ok(config=config, session_id=session)["job_id"] for _ in range(5)}
    pra.submit_ok(config=config, session_id=pra.unique("other"))
    first = listing(pra, session_id=session)
    assert first["page"] == 1 and first["page_size"] == 20, f"expected defaults page 1, size 20; got {first}"
    assert first["total"] == 5 and {j["job_id"] for j in first["jobs"]} == ours, (
        f"expected exactly our 5 jobs for the session; got {first['total']} {[j['job_id'] for j in first['jobs']]}")
    assert all(j.get("session_id") == session for j in first["jobs"]), "expected session_id on each job"
    seen: list[str] = []
    for page in (1, 2, 3, 4):
        body = listing(pra, session_id=session, page=page, page_size=2)
        assert body["page"] == page and body["page_size"] == 2 and body["total"] == 5
        assert len(body["jobs"]) == [2, 2, 1, 0][page - 1], f"expected page {page} to hold {[2, 2, 1, 0][page - 1]}"
        seen += [j["job_id"] for j in body["jobs"]]
    assert sorted(seen) == sorted(ours), f"expected the pages to list each job once; got {seen}"


@clause("PRA-LST-003")
def test_status_filter(pra_hints: PraisonTarget) -> None:
    pra = pra_hints
    session = pra.unique("sess")
    ok = {pra.submit_ok(config=pra.hints(steps=1), session_id=session)["job_id"] for _ in range(2)}
    bad = {pra.submit_ok(config=pra.hints(steps=1, mock_fail="no"), session_id=session)["job_id"]}
    hang = {pra.submit_ok(config=pra.hints(mock_hang=True), session_id=session)["job_id"] for _ in range(2)}
    pra.wait_for(lambda: [pra.status(j)["status"] for j in ok | bad],
                 lambda states: all(s in TERMINAL for s in states), what="the short runs to finish")
    pra.wait_for(lambda: [pra.status(j)["status"] for j in hang],
                 lambda states: all(s == "running" for s in states), what="the hanging runs to start")
    expected = {"succeeded": ok, "failed": bad, "running": hang, "queued": set(), "cancelled": set()}
    for status, jobs in expected.items():
        body = listing(pra, session_id=session, status=status, page_size=100)
        got = {j["job_id"] for j in body["jobs"]}
        assert got == jobs and body["total"] == len(jobs), (
            f"expected status={status} to list exactly {sorted(jobs)}; got {sorted(got)} (total {body['total']})")
        assert all(j["status"] == status for j in body["jobs"])


@clause("PRA-LST-006D", "PRA-LST-008D")
@pytest.mark.parametrize("page_size", [101, 0])
def test_page_size_out_of_range_is_400_docs(pra: PraisonTarget, page_size: int) -> None:
    response = pra.list(page_size=page_size)
    advise("PRA-LST-008D", response.status_code >= 400,
           f"page_size={page_size} was answered {response.status_code}, not refused")
    if response.status_code >= 400:
        with checking("PRA-LST-006D"):
            assert response.status_code == 400, f"expected 400 for page_size={page_size}; got {response.status_code}"


@clause("PRA-LST-006I")
@pytest.mark.parametrize("page_size", [101, 0])
def test_page_size_out_of_range_is_422_impl(pra: PraisonTarget, page_size: int) -> None:
    response = pra.list(page_size=page_size)
    assert response.status_code == 422, f"expected 422 for page_size={page_size}; got {response.status_code}"


@clause("PRA-LST-007", "PRA-ERR-002")
def test_unknown_status_filter_is_refused(pra: PraisonTarget) -> None:
    session = pra.unique("filter")
    pra.submit_ok(session_id=session)  # a filter that is ignored would list it
    response = pra.list(status="sleeping", session_id=session)
    if pra.profile == "docs" and response.status_code == 200:
        # list-runs.mdx:11-13 names the values; whether another is refused or matches nothing is open.
        with checking("PRA-LST-007"):
            assert response.json().get("jobs") == [], f"expected an unknown status to match no job; got {response.text}"
        return
    with checking("PRA-LST-007"):
        assert response.status_code == 400, f"expected 400 for an unknown status; got {response.status_code}"
    with checking("PRA-ERR-002"):
        assert "detail" in response.json()
