"""The `docs` profile answers what the pages say: every response (and SSE event, and webhook body)
validates against the JSON Schema generated from the pages (schemas/praisonai/<op>.<status>.json)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from mockserver.praisonai.app import create_praisonai_app
from mockserver.praisonai.models import PraisonAIModel, SubmitRequest
from mockserver.praisonai.profiles import DOCS
from mockserver.resources import schemas_dir
from mockserver.spec.loader import load_schema
from tests.praisonai.conftest import SyncClient, finished, load, started


def schema(name: str) -> dict[str, Any]:
    if not (schemas_dir() / "praisonai" / f"{name}.json").is_file():
        pytest.skip(f"schemas/praisonai/{name}.json has not been generated")
    return load_schema(f"praisonai/{name}.json")


def check(operation: str, response: Any) -> None:
    name = f"{operation}.{response.status_code}"
    if response.status_code == 204:
        assert response.content == b""
        return
    jsonschema.validate(response.json(), schema(name))


@pytest.fixture
def docs(model: PraisonAIModel) -> Iterator[SyncClient]:
    c = SyncClient(create_praisonai_app(model, "docs"))
    yield c
    c.close()


def test_every_documented_answer_validates(docs: SyncClient, model: PraisonAIModel, scenarios) -> None:
    load(scenarios, {"max_concurrent": 1})
    submitted = docs.post("/api/v1/runs", json={"prompt": "a", "session_id": "s", "config": {"mock_steps": 2}},
                          headers={"Idempotency-Key": "k"})
    check("submit_run", submitted)
    ok = submitted.json()["job_id"]
    check("submit_run", docs.post("/api/v1/runs", json={"prompt": "b"}, headers={"Idempotency-Key": "k"}))
    check("submit_run", docs.post("/api/v1/runs", json={}))
    check("submit_run", docs.post("/api/v1/runs", json={"prompt": "x", "timeout": "soon"}))
    bad = docs.post("/api/v1/runs", json={"prompt": "c", "config": {"mock_steps": 1, "mock_fail": "e"}}).json()
    hang = docs.post("/api/v1/runs", json={"prompt": "d", "config": {"mock_hang": True}}).json()
    check("get_run_status", docs.get(f"/api/v1/runs/{ok}"))                  # queued
    started(model, ok)
    check("get_run_status", docs.get(f"/api/v1/runs/{ok}"))                  # running
    check("get_run_result", docs.get(f"/api/v1/runs/{ok}/result"))           # 400 not complete
    check("delete_run", docs.delete(f"/api/v1/runs/{ok}"))                    # 400 running
    finished(model, ok)
    finished(model, bad["job_id"])
    started(model, hang["job_id"])
    check("cancel_run", docs.post(f"/api/v1/runs/{hang['job_id']}/cancel"))   # 200
    check("cancel_run", docs.post(f"/api/v1/runs/{ok}/cancel"))               # 400 finished
    for job in (ok, bad["job_id"], hang["job_id"]):
        check("get_run_status", docs.get(f"/api/v1/runs/{job}"))
        check("get_run_result", docs.get(f"/api/v1/runs/{job}/result"))
        check("stream_run", docs.get(f"/api/v1/runs/{job}/stream"))           # 400 finished
    for params in ({}, {"status": "failed"}, {"session_id": "s"}, {"page_size": 500}, {"status": "nope"}):
        check("list_runs", docs.get("/api/v1/runs", params=params))
    check("health", docs.get("/health"))
    check("stats", docs.get("/stats"))
    check("delete_run", docs.delete(f"/api/v1/runs/{ok}"))                    # 204
    for method, suffix, op in (("GET", "", "get_run_status"), ("GET", "/result", "get_run_result"),
                               ("POST", "/cancel", "cancel_run"), ("DELETE", "", "delete_run"),
                               ("GET", "/stream", "stream_run")):
        check(op, docs.request(method, f"/api/v1/runs/{ok}{suffix}"))       # 404


def test_stream_events_and_webhook_bodies_validate(model: PraisonAIModel) -> None:
    events_schema = schema("stream_run.events")
    job = model.submit(SubmitRequest(prompt="p", config={"mock_steps": 2, "mock_result": {"k": 1}}))[0].job_id
    started(model, job)
    running = model.get(job)
    done = finished(model, job)
    frames = [*DOCS.sse_status(running), *DOCS.sse_progress(running), *DOCS.sse_progress(done),
              *DOCS.sse_terminal(done), *DOCS.sse_gone(job)]
    for frame in frames:
        data = frame["data"]
        jsonschema.validate(data if data == "[DONE]" else json.loads(data), events_schema)
    webhook = schema("submit_run.webhook")
    jsonschema.validate(DOCS.webhook_payload(done), webhook)
