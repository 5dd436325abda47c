"""Submitting runs: the answer, its headers, validation, idempotency, timeouts, queue limits, webhooks."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from contract_tests.praisonai.checks import History, utc_timestamp
from contract_tests.praisonai.client import RUNS, PraisonTarget
from contract_tests.violation import advise, checking

clause = pytest.mark.clause


@clause("PRA-SUB-001", "PRA-SUB-002", "PRA-SUB-003", "PRA-SUB-004")
def test_submit_answers_202_with_urls_and_headers(pra: PraisonTarget) -> None:
    response = pra.submit("hello", config=pra.hints(steps=1) if pra.has_control else None)
    with checking("PRA-SUB-001"):
        assert response.status_code == 202, f"expected 202 Accepted; got {response.status_code} {response.text}"
        body = response.json()
        for name in ("job_id", "status", "created_at", "poll_url", "stream_url"):
            assert isinstance(body.get(name), str) and body[name], f"expected {name} in the submit answer; got {body}"
        utc_timestamp(body["created_at"], "created_at")
    job_id = body["job_id"]
    with checking("PRA-SUB-002"):
        assert body["status"] in ("queued", "running"), f"expected a new job to be unfinished; got {body['status']!r}"
    with checking("PRA-SUB-004"):
        assert urlsplit(body["poll_url"]).path.endswith(f"{RUNS}/{job_id}"), f"expected poll_url to the status: {body}"
        assert urlsplit(body["stream_url"]).path.endswith(f"{RUNS}/{job_id}/stream"), f"expected stream_url: {body}"
        polled = pra.request("GET", urlsplit(body["poll_url"]).path)
        assert polled.status_code == 200 and polled.json().get("job_id") == job_id, "expected poll_url to answer"
    with checking("PRA-SUB-003"):
        location = response.headers.get("location", "")
        assert urlsplit(location).path.endswith(f"{RUNS}/{job_id}"), (
            f"expected Location to the status URL; got {location!r}")
        retry = response.headers.get("retry-after", "")
        assert retry.isdigit(), f"expected a Retry-After header in seconds; got {retry!r}"


@clause("PRA-SUB-005D")
def test_missing_prompt_is_rejected_docs(pra: PraisonTarget) -> None:
    response = pra.request("POST", RUNS, json={"timeout": 10})
    assert response.status_code in (400, 422), f"expected 400 or 422 without a prompt; got {response.status_code}"


@clause("PRA-SUB-005I", "PRA-ERR-002")
def test_missing_prompt_is_rejected_impl(pra: PraisonTarget) -> None:
    response = pra.request("POST", RUNS, json={"timeout": 10})
    assert response.status_code == 422, f"expected 422 without a prompt; got {response.status_code}"
    detail = response.json().get("detail")
    assert isinstance(detail, list) and detail, f"expected a FastAPI validation detail list; got {response.text}"


@clause("PRA-SUB-010", "PRA-ERR-001", "PRA-ERR-002")
@pytest.mark.parametrize(
    "content",
    [
        b'{"prompt": 5}',
        b'{"prompt": "x", "timeout": "soon"}',
        b'{"prompt": "x", "config": [1]}',
        b"{oops",
        b"[]",
    ],
    ids=["prompt-number", "timeout-text", "config-array", "not-json", "array"],
)
def test_wrongly_typed_or_broken_bodies_are_rejected(pra: PraisonTarget, content: bytes) -> None:
    if pra.profile == "docs" and b"config" in content:
        pytest.skip("config is not a field the pages document: a server may ignore it")
    response = pra.request("POST", RUNS, content=content, headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422), f"expected 400/422 for a bad body; got {response.status_code}"
    assert "detail" in response.json(), f"expected a detail in the error answer; got {response.text}"


def _count_session(pra: PraisonTarget, session: str) -> int:
    response = pra.list(session_id=session, page_size=100)
    assert response.status_code == 200
    return int(response.json()["total"])


@clause("PRA-SUB-006", "PRA-SUB-007D")
def test_repeated_idempotency_key_docs(pra: PraisonTarget) -> None:
    key, session = pra.unique("idem"), pra.unique("sess")
    first = pra.submit_ok(headers={"Idempotency-Key": key}, session_id=session)
    again = pra.submit(headers={"Idempotency-Key": key}, session_id=session)
    body = again.json()
    with checking("PRA-SUB-006"):
        assert body.get("job_id") == first["job_id"], f"expected the existing job_id; got {body}"
        assert _count_session(pra, session) == 1, "expected no second job"
    with checking("PRA-SUB-007D"):
        assert again.status_code == 409, f"expected 409 for a repeated Idempotency-Key; got {again.status_code}"
        assert isinstance(body.get("status"), str) and isinstance(body.get("message"), str), f"got {body}"


@clause("PRA-SUB-006", "PRA-SUB-007I")
def test_repeated_idempotency_key_impl(pra: PraisonTarget) -> None:
    key, session = pra.unique("idem"), pra.unique("sess")
    first = pra.submit_ok(headers={"Idempotency-Key": key}, session_id=session)
    again = pra.submit(headers={"Idempotency-Key": key}, session_id=session)
    with checking("PRA-SUB-006"):
        assert again.json().get("job_id") == first["job_id"], f"expected the existing job; got {again.json()}"
        assert _count_session(pra, session) == 1, "expected no second job"
    with checking("PRA-SUB-007I"):
        assert again.status_code == 202, f"expected 202 for a repeated Idempotency-Key; got {again.status_code}"
        assert set(again.json()) >= {"job_id", "status", "created_at", "poll_url", "stream_url"}


@clause("PRA-SUB-008I", "PRA-SUB-006")
def test_idempotency_key_in_the_body_impl(pra: PraisonTarget) -> None:
    key, session = pra.unique("idem"), pra.unique("sess")
    first = pra.submit_ok(idempotency_key=key, session_id=session)
    again = pra.submit_ok(idempotency_key=key, session_id=session)
    assert again["job_id"] == first["job_id"], "expected the body's idempotency_key to return the existing job"
    assert _count_session(pra, session) == 1


def _timed_out(pra: PraisonTarget) -> dict[str, Any]:
    """A hanging run with a short timeout, watched to its end."""
    job = pra.submit_ok(config=pra.hints(mock_hang=True), timeout=max(1, int(pra.unit)))
    history = History(job["job_id"], pra.profile)

    def probe() -> dict[str, Any]:
        body = pra.status(job["job_id"])
        history.observe(body)
        return body

    return pra.wait_for(probe, lambda s: s["status"] in ("succeeded", "failed", "cancelled"),
                        what="the timeout to end the run")


@clause("PRA-SUB-009", "PRA-STA-010")
def test_timeout_fails_the_run_saying_so_impl(pra_hints: PraisonTarget) -> None:
    final = _timed_out(pra_hints)
    assert final["status"] == "failed", f"expected a timed-out run to fail; got {final}"
    assert "time" in final["error"].lower(), f"expected the error to say it timed out; got {final['error']!r}"


@clause("PRA-SUB-009D", "PRA-STA-010")
def test_timeout_ends_the_run_docs(pra_hints: PraisonTarget) -> None:
    final = _timed_out(pra_hints)
    advise("PRA-SUB-009D", final["status"] == "failed" and "time" in str(final.get("error")).lower(),
           f"expected a timed-out run to fail saying so, as the status page's example does; got {final}")


@clause("PRA-SUB-011I")
def test_full_queue_answers_503_with_retry_after(pra_hints: PraisonTarget) -> None:
    pra = pra_hints
    pra.require_control("filling a live server's queue would disturb it")
    for _ in range(300):
        response = pra.submit(config=pra.hints(mock_hang=True))
        if response.status_code == 503:
            retry = response.headers.get("retry-after", "")
            assert retry.isdigit(), f"expected Retry-After on 503; got {retry!r}"
            return
        assert response.status_code == 202, f"expected 202 or 503; got {response.status_code}"
    pytest.skip("the queue did not fill within 300 submissions")


class _Receiver(BaseHTTPRequestHandler):
    received: list[Any]

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", 0))
        self.received.append(json.loads(self.rfile.read(length) or b"null"))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@clause("PRA-SUB-012")
def test_webhook_is_called_when_the_job_ends(pra_hints: PraisonTarget) -> None:
    pra = pra_hints
    received: list[Any] = []
    handler = type("Receiver", (_Receiver,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        response = pra.submit(config=pra.hints(steps=1, mock_result="hooked"), webhook_url=url)
        if response.status_code in (400, 422):
            pytest.skip(f"the target refuses a loopback webhook_url ({response.status_code}): cannot observe it")
        assert response.status_code == 202
        job_id = response.json()["job_id"]
        pra.wait_terminal(job_id)
        payload = pra.wait_for(lambda: list(received), bool, what="the webhook call")[0]
        assert payload.get("job_id") == job_id and payload.get("status") == "succeeded", (
            f"expected the webhook payload to name the job and its status; got {payload}"
        )
    finally:
        server.shutdown()
        server.server_close()
