"""Result, cancel and delete, per state of the job, on each profile's side where they disagree."""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests.praisonai.checks import History, check_status_object, utc_timestamp
from contract_tests.praisonai.client import PraisonTarget
from contract_tests.violation import checking

clause = pytest.mark.clause


def succeeded(pra: PraisonTarget, result: str = "done") -> str:
    job_id = pra.submit_ok(config=pra.hints(steps=1, mock_result=result))["job_id"]
    assert pra.wait_terminal(job_id)["status"] == "succeeded"
    return job_id


def failed(pra: PraisonTarget, error: str) -> str:
    job_id = pra.submit_ok(config=pra.hints(steps=1, mock_fail=error))["job_id"]
    assert pra.wait_terminal(job_id)["status"] == "failed"
    return job_id


def hanging(pra: PraisonTarget) -> str:
    job_id = pra.submit_ok(config=pra.hints(mock_hang=True))["job_id"]
    pra.wait_status(job_id, "running")
    return job_id


def cancelled(pra: PraisonTarget) -> str:
    job_id = hanging(pra)
    assert pra.cancel(job_id).status_code == 200
    pra.wait_status(job_id, "cancelled")
    return job_id


# -- result --------------------------------------------------------------------------------------
@clause("PRA-RES-001", "PRA-RES-005")
def test_result_of_a_succeeded_job(pra_hints: PraisonTarget) -> None:
    pra = pra_hints
    token = pra.unique("answer")
    job_id = succeeded(pra, token)
    response = pra.get(job_id, "/result")
    assert response.status_code == 200, f"expected 200; got {response.status_code} {response.text}"
    body = response.json()
    assert body.get("job_id") == job_id and body.get("status") == "succeeded", f"got {body}"
    assert body.get("result") == token, f"expected the run's result {token!r}; got {body.get('result')!r}"
    duration = body.get("duration_seconds")
    assert isinstance(duration, int | float) and duration >= 0, f"expected duration_seconds >= 0; got {duration!r}"
    assert utc_timestamp(body["created_at"], "created_at") <= utc_timestamp(body["completed_at"], "completed_at")


@clause("PRA-RES-002D")
def test_result_of_an_unfinished_job_is_400_docs(pra_hints: PraisonTarget) -> None:
    job_id = hanging(pra_hints)
    response = pra_hints.get(job_id, "/result")
    assert response.status_code == 400, f"expected 400 while the job runs; got {response.status_code}"
    assert "detail" in response.json()


@clause("PRA-RES-002I")
def test_result_of_an_unfinished_job_is_409_impl(pra_hints: PraisonTarget) -> None:
    job_id = hanging(pra_hints)
    response = pra_hints.get(job_id, "/result")
    assert response.status_code == 409, f"expected 409 while the job runs; got {response.status_code}"
    assert "detail" in response.json()


@clause("PRA-RES-003D")
def test_result_of_a_failed_job_is_400_with_the_error_docs(pra_hints: PraisonTarget) -> None:
    token = pra_hints.unique("oops")
    response = pra_hints.get(failed(pra_hints, token), "/result")
    assert response.status_code == 400, f"expected 400 for a failed job; got {response.status_code}"
    body = response.json()
    assert isinstance(body.get("detail"), str) and token in str(body.get("error")), f"got {body}"


@clause("PRA-RES-003I")
def test_result_of_a_failed_or_cancelled_job_is_200_impl(pra_hints: PraisonTarget) -> None:
    pra = pra_hints
    token = pra.unique("oops")
    body = pra.get(failed(pra, token), "/result")
    assert body.status_code == 200, f"expected 200 for a failed job's result; got {body.status_code}"
    assert body.json().get("status") == "failed" and token in str(body.json().get("error")), f"got {body.json()}"
    other = pra.get(cancelled(pra), "/result")
    assert other.status_code == 200 and other.json().get("status") == "cancelled", f"got {other.text}"


# -- cancel --------------------------------------------------------------------------------------
@clause("PRA-CAN-001D", "PRA-CAN-005")
def test_cancel_a_running_job_docs(pra_hints: PraisonTarget) -> None:
    pra = pra_hints
    job_id = hanging(pra)
    response = pra.cancel(job_id)
    with checking("PRA-CAN-001D"):
        assert response.status_code == 200, f"expected 200; got {response.status_code} {response.text}"
        body = response.json()
        assert body.get("job_id") == job_id and body.get("status") == "cancelled", f"got {body}"
        utc_timestamp(body.get("cancelled_at"), "cancelled_at")
    _stays_cancelled(pra, job_id)


@clause("PRA-CAN-001I", "PRA-CAN-005")
def test_cancel_a_running_job_impl(pra_hints: PraisonTarget) -> None:
    pra = pra_hints
    job_id = hanging(pra)
    response = pra.cancel(job_id)
    with checking("PRA-CAN-001I"):
        assert response.status_code == 200, f"expected 200; got {response.status_code} {response.text}"
        body = response.json()
        check_status_object(body, job_id, about="PRA-CAN-001I")  # the cancel answers the status object
        assert body["status"] == "cancelled", f"expected the status object to say cancelled; got {body}"
    _stays_cancelled(pra, job_id)


@checking("PRA-CAN-005")
def _stays_cancelled(pra: PraisonTarget, job_id: str) -> None:
    history = History(job_id, pra.profile)
    if pra.profile == "docs":
        # A running job "may take a moment to stop" (cancel-run.mdx:83): wait for it, watching each step.
        def observed() -> str:
            history.observe(pra.status(job_id))
            return history.statuses[-1]

        pra.wait_for(observed, lambda status: status == "cancelled", what=f"job {job_id} to stop after its cancel")
    else:  # the reference marks it cancelled at once (executor.py:210-212)
        history.observe(pra.status(job_id))
    pra.pass_time(5 * pra.unit)
    history.observe(pra.status(job_id))
    assert history.statuses[-2:] == ["cancelled", "cancelled"], (
        f"expected the job to stay cancelled; {history.statuses}")


@clause("PRA-CAN-004")
def test_a_job_cancelled_while_queued_never_starts(pra_hints: PraisonTarget) -> None:
    pra = pra_hints
    job_id = pra.submit_ok(config=pra.hints(steps=1, mock_queue_seconds=5 * pra.unit))["job_id"]
    if pra.status(job_id)["status"] != "queued":
        pytest.skip("the target cannot be made to keep a job queued (mock_queue_seconds not honoured)")
    assert pra.cancel(job_id).status_code == 200
    history = History(job_id, pra.profile)
    history.observe(pra.status(job_id))
    history.cancelled_while_queued = True
    pra.pass_time(10 * pra.unit)
    history.observe(pra.status(job_id))


def _finished_jobs(pra: PraisonTarget) -> dict[str, str]:
    return {"succeeded": succeeded(pra), "failed": failed(pra, "x"), "cancelled": cancelled(pra)}


@clause("PRA-CAN-002D")
def test_cancelling_a_finished_job_is_400_docs(pra_hints: PraisonTarget) -> None:
    for state, job_id in _finished_jobs(pra_hints).items():
        response = pra_hints.cancel(job_id)
        assert response.status_code == 400, f"expected 400 cancelling a {state} job; got {response.status_code}"
        assert pra_hints.status(job_id)["status"] == state


@clause("PRA-CAN-002I")
def test_cancelling_a_finished_job_is_409_impl(pra_hints: PraisonTarget) -> None:
    for state, job_id in _finished_jobs(pra_hints).items():
        response = pra_hints.cancel(job_id)
        assert response.status_code == 409, f"expected 409 cancelling a {state} job; got {response.status_code}"
        assert pra_hints.status(job_id)["status"] == state


# -- delete --------------------------------------------------------------------------------------
@clause("PRA-DEL-001", "PRA-DEL-004")
def test_delete_finished_jobs(pra_hints: PraisonTarget) -> None:
    for state, job_id in _finished_jobs(pra_hints).items():
        response = pra_hints.delete(job_id)
        assert response.status_code == 204, f"expected 204 deleting a {state} job; got {response.status_code}"
        assert response.content == b"", f"expected an empty body; got {response.content[:100]!r}"
        assert pra_hints.get(job_id).status_code == 404, f"expected the deleted {state} job to be gone"


def _delete_unfinished(pra: PraisonTarget, expected: int) -> None:
    jobs: dict[str, Any] = {"running": hanging(pra)}
    queued = pra.submit_ok(config=pra.hints(steps=1, mock_queue_seconds=5 * pra.unit))["job_id"]
    if pra.status(queued)["status"] == "queued":
        jobs["queued"] = queued
    for state, job_id in jobs.items():
        response = pra.delete(job_id)
        assert response.status_code == expected, (
            f"expected {expected} deleting a {state} job; got {response.status_code}")
        assert pra.get(job_id).status_code == 200, f"expected the {state} job to stay"


@clause("PRA-DEL-002D")
def test_deleting_an_unfinished_job_is_400_docs(pra_hints: PraisonTarget) -> None:
    _delete_unfinished(pra_hints, 400)


@clause("PRA-DEL-002I")
def test_deleting_an_unfinished_job_is_409_impl(pra_hints: PraisonTarget) -> None:
    _delete_unfinished(pra_hints, 409)
