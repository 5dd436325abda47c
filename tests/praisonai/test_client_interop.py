"""Interop: praisonai-code's own jobs client (`praisonai_code.cli.features.jobs.JobsHandler`, the
code behind `praisonai run ...`) drives the mock over a real socket: submit, status, wait, result,
cancel, list, and stream.

Minimal install: `pip install --no-deps praisonai-code==0.1.16` plus httpx (rich is optional).
The client's polling sleeps are redirected to the mock's virtual clock, so waiting costs no time."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from mockserver.praisonai.app import create_praisonai_app
from mockserver.praisonai.models import PraisonAIModel
from mockserver.server import ServerThread
from tests.conftest import require_in_ci
from tests.praisonai.conftest import finished, started

try:
    from praisonai_code.cli.features import jobs
except ImportError:
    require_in_ci("praisonai-code is not installed (pip install --no-deps praisonai-code==0.1.16)")


@pytest.fixture
def served(model: PraisonAIModel, profile: str) -> Iterator[ServerThread]:
    with ServerThread(create_praisonai_app(model, profile)) as server:
        yield server


@pytest.fixture
def virtual_sleep(model: PraisonAIModel, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The client's time.sleep moves the mock's clock instead; returns the waits it asked for."""
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        model.clock.advance(seconds)

    monkeypatch.setattr(jobs, "time", SimpleNamespace(sleep=sleep, time=time.time))
    return waits


@pytest.fixture
def handler(served: ServerThread) -> Any:
    return jobs.JobsHandler(api_url=served.url)


@pytest.mark.parametrize("profile", ["impl"])
def test_submit_status_list_and_result(handler, model, virtual_sleep) -> None:
    sub = handler.submit("summarise", session_id="s1", output_json=True,
                         timeout=120)
    job_id = sub["job_id"]
    assert sub["status"] == "queued" and sub["poll_url"].endswith(f"/api/v1/runs/{job_id}")
    assert model.get(job_id).plan.timeout == 120 and model.get(job_id).session_id == "s1"
    assert handler.status(job_id)["status"] == "queued"
    listed = handler.list_jobs(status="queued", page=1, page_size=5)
    assert listed["total"] == 1 and listed["jobs"][0]["job_id"] == job_id
    with pytest.raises(httpx.HTTPStatusError) as early:
        handler.result(job_id)
    assert early.value.response.status_code == 409
    finished(model, job_id)
    result = handler.result(job_id)
    assert (result["status"], result["result"]) == ("succeeded", "Mock result for: summarise")


@pytest.mark.parametrize("profile", ["impl"])
def test_submit_and_wait_polls_on_the_virtual_clock(handler, model, virtual_sleep) -> None:
    done = handler.submit("wait for me", wait=True, poll_interval=1, output_json=True)
    # The client polls with the server's retry_after: 2 while queued, 5 while running (3 x 1 s steps).
    assert virtual_sleep and set(virtual_sleep) <= {2, 5}
    assert done["status"] == "succeeded"
    assert model.get(done["job_id"]).status == "succeeded"


@pytest.mark.parametrize("profile", ["impl"])
def test_wait_on_a_failing_run_returns_its_status(handler, model, virtual_sleep, scenarios) -> None:
    from tests.praisonai.conftest import load

    load(scenarios, {"rules": [{"match": {"prompt": "doomed*"}, "fail": "no luck", "steps": 1}]})
    status = handler.submit("doomed task", wait=True, output_json=True)
    assert (status["status"], status["error"]) == ("failed", "no luck")
    result = handler.result(status["job_id"])       # the reference answers 200 for a failed run
    assert result["error"] == "no luck" and result["result"] is None


@pytest.mark.parametrize("profile", ["impl"])
def test_cancel_and_idempotent_resubmit(handler, model, virtual_sleep, scenarios) -> None:
    from tests.praisonai.conftest import load

    load(scenarios, {"defaults": {"hang": True}})
    first = handler.submit("once", idempotency_key="op-1", output_json=True)
    again = handler.submit("once", idempotency_key="op-1", output_json=True)
    assert again["job_id"] == first["job_id"] and len(model.views()) == 1
    started(model, first["job_id"])
    cancelled = handler.cancel(first["job_id"])
    assert cancelled["status"] == "cancelled" and cancelled["completed_at"]
    with pytest.raises(httpx.HTTPStatusError) as twice:
        handler.cancel(first["job_id"])
    assert twice.value.response.status_code == 409


@pytest.mark.parametrize("profile", ["docs"])
def test_stream_understands_the_documented_framing(handler, model, monkeypatch) -> None:
    job_id = handler.submit("stream me", output_json=True)["job_id"]
    started(model, job_id)
    progress_seen = threading.Event()
    said: list[str] = []
    monkeypatch.setattr(handler, "_print_progress", lambda step, pct: (said.append(f"{step}:{pct}"),
                                                                         progress_seen.set()))
    monkeypatch.setattr(handler, "_print_success", said.append)
    monkeypatch.setattr(handler, "_print_error", said.append)
    reader = threading.Thread(target=handler.stream, args=(job_id,), daemon=True)
    reader.start()
    assert progress_seen.wait(5)
    finished(model, job_id)
    reader.join(10)
    assert not reader.is_alive()
    assert said[0] == "Step 1 of 3:0.0"
    assert said[-2:] == ["Job completed: succeeded", "Stream completed"]
