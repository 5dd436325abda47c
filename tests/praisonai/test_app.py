"""The PraisonAI HTTP API in both profiles: every operation, every documented error status, bad
input (never a 500, state unchanged), and where the profiles part ways."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.praisonai.models import PraisonAIModel
from tests.praisonai.conftest import EPOCH, SyncClient, finished, load, started

IMPL_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$")
DOCS_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
STATUS_KEYS_IMPL = {"job_id", "status", "progress", "created_at", "started_at", "completed_at", "agent_id",
                    "run_id", "session_id", "error", "retry_after"}

# What each profile answers where they differ (the rest is asserted for both alike).
EXPECT: dict[str, dict[str, Any]] = {
    "impl": {"ts": IMPL_TS, "duplicate": 202, "missing_prompt": 422, "bad_prompt": 422, "blank_prompt": 202,
             "page_size": 422, "result_unfinished": 409, "result_failed": 200, "result_cancelled": 200,
             "cancel_finished": 409, "delete_unfinished": 409, "stream_finished": 200, "stats": 500},
    "docs": {"ts": DOCS_TS, "duplicate": 409, "missing_prompt": 400, "bad_prompt": 400, "blank_prompt": 400,
             "page_size": 400, "result_unfinished": 400, "result_failed": 400, "result_cancelled": 400,
             "cancel_finished": 400, "delete_unfinished": 400, "stream_finished": 400, "stats": 200},
}


def submit(client: SyncClient, **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/runs", json={"prompt": "p", **body})
    assert response.status_code == 202, response.text
    return response.json()


def total(client: SyncClient) -> int:
    return client.get("/api/v1/runs").json()["total"]


# -- submit -------------------------------------------------------------------------------------
def test_submit_answers_202_with_urls_and_headers(client, profile) -> None:
    response = client.post("/api/v1/runs", json={"prompt": "hello", "session_id": "s"})
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"job_id", "status", "created_at", "poll_url", "stream_url"}
    assert body["status"] == "queued" and re.fullmatch(r"run_[0-9a-f]{12}", body["job_id"])
    assert body["poll_url"] == f"http://mock.test/api/v1/runs/{body['job_id']}"
    assert body["stream_url"] == body["poll_url"] + "/stream"
    assert response.headers["location"] == body["poll_url"] and response.headers["retry-after"] == "2"
    assert EXPECT[profile]["ts"].match(body["created_at"])


def test_repeated_idempotency_key(client, profile) -> None:
    first = client.post("/api/v1/runs", json={"prompt": "a"}, headers={"Idempotency-Key": "k1"})
    again = client.post("/api/v1/runs", json={"prompt": "b"}, headers={"Idempotency-Key": "k1"})
    by_body = client.post("/api/v1/runs", json={"prompt": "b", "idempotency_key": "k1"})
    job_id = first.json()["job_id"]
    for r in (again, by_body):
        assert r.status_code == EXPECT[profile]["duplicate"] and r.json()["job_id"] == job_id
    if profile == "docs":
        assert again.json() == {"job_id": job_id, "status": "queued",
                                "message": "Job already exists with this idempotency key"}
    else:
        assert again.json() == first.json() and again.headers["location"] == first.headers["location"]
    assert total(client) == 1


@pytest.mark.parametrize("body,kind", [
    ({}, "missing_prompt"), ({"prompt": 5}, "bad_prompt"), ({"prompt": None}, "bad_prompt"),
    ({"prompt": ["a"]}, "bad_prompt"),
])
def test_submit_with_a_missing_or_invalid_prompt(client, profile, body, kind) -> None:
    response = client.post("/api/v1/runs", json=body)
    assert response.status_code == EXPECT[profile][kind]
    detail = response.json()["detail"]
    if response.status_code == 422:
        assert detail[0]["loc"] == ["body", "prompt"] and detail[0]["input"] == (body if not body else body["prompt"])
    else:
        assert isinstance(detail, str) and "prompt" in detail
    assert total(client) == 0


def test_blank_prompt(client, profile) -> None:
    response = client.post("/api/v1/runs", json={"prompt": "  "})
    assert response.status_code == EXPECT[profile]["blank_prompt"]


@pytest.mark.parametrize("content,ctype,expected", [
    (b'{"prompt": ', "application/json",
     [{"type": "json_invalid", "loc": ["body", 11], "msg": "JSON decode error", "input": {},
       "ctx": {"error": "Expecting value"}}]),
    (b"", "application/json", [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]),
    (b"[1, 2]", "application/json",
     [{"type": "model_attributes_type", "loc": ["body"],
       "msg": "Input should be a valid dictionary or object to extract fields from", "input": [1, 2]}]),
    (b'{"prompt": "x"}', "text/plain",
     [{"type": "model_attributes_type", "loc": ["body"],
       "msg": "Input should be a valid dictionary or object to extract fields from", "input": '{"prompt": "x"}'}]),
    (b'{"prompt": "x", "timeout": 5.5, "config": [1], "session_id": 3}', "application/json", [
        {"type": "dict_type", "loc": ["body", "config"], "msg": "Input should be a valid dictionary", "input": [1]},
        {"type": "int_from_float", "loc": ["body", "timeout"],
         "msg": "Input should be a valid integer, got a number with a fractional part", "input": 5.5},
        {"type": "string_type", "loc": ["body", "session_id"], "msg": "Input should be a valid string", "input": 3}]),
    (b'{"prompt": "x", "timeout": "soon"}', "application/json",
     [{"type": "int_parsing", "loc": ["body", "timeout"],
       "msg": "Input should be a valid integer, unable to parse string as an integer", "input": "soon"}]),
    (b'{"prompt": "x", "webhook_url": "ftp://example.com/h"}', "application/json",
     [{"type": "value_error", "loc": ["body", "webhook_url"],
       "msg": "Value error, Webhook URL must use http or https scheme", "input": "ftp://example.com/h",
       "ctx": {"error": {}}}]),
    (b'{"prompt": "x", "webhook_url": "http://127.0.0.1:9/h"}', "application/json",
     [{"type": "value_error", "loc": ["body", "webhook_url"],
       "msg": "Value error, Webhook URL cannot be a localhost address", "input": "http://127.0.0.1:9/h",
       "ctx": {"error": {}}}]),
    (b'{"prompt": "x", "webhook_url": "http://10.0.0.8/h"}', "application/json",
     [{"type": "value_error", "loc": ["body", "webhook_url"],
       "msg": "Value error, Webhook URL resolves to a private or restricted network address",
       "input": "http://10.0.0.8/h", "ctx": {"error": {}}}]),
])
def test_bad_bodies_get_the_validation_list_and_change_nothing(client, profile, content, ctype, expected) -> None:
    response = client.post("/api/v1/runs", content=content, headers={"content-type": ctype})
    assert response.status_code == 422
    assert response.json() == {"detail": expected}
    assert total(client) == 0


def test_lax_coercions_are_accepted_like_pydantic(client, model: PraisonAIModel) -> None:
    for timeout, effective in (("7", 7), (2.0, 2), (True, 1), (" 8 ", 8), (None, 3600), (0, 3600)):
        job_id = submit(client, timeout=timeout, config={"mock_hang": True})["job_id"]
        assert model.get(job_id).plan.timeout == effective


def test_undecodable_body_is_a_400(client) -> None:
    response = client.post("/api/v1/runs", content=b'{"prompt": "\xff"}', headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {"detail": "There was an error parsing the body"}
    assert total(client) == 0


def test_agent_file_outside_the_root_is_refused(client) -> None:
    response = client.post("/api/v1/runs", json={"prompt": "x", "agent_file": "/etc/passwd"})
    assert response.status_code == 400 and "agent_file must be within" in response.json()["detail"]
    assert submit(client, agent_file="agents.yaml")["status"] == "queued"


def test_agent_file_with_a_nul_byte_is_a_400_and_creates_nothing(client) -> None:
    # As praisonai 4.7.19 does: the path check's ValueError ("embedded null byte") becomes a 400 (router.py:87-90).
    before = total(client)
    response = client.post("/api/v1/runs", json={"prompt": "x", "agent_file": "a\u0000b"})
    assert response.status_code == 400 and response.json() == {"detail": "embedded null byte"}
    assert total(client) == before


def test_loopback_webhook_is_accepted_when_the_mock_allows_it(clock, scenarios, profile) -> None:
    from mockserver.praisonai.app import create_praisonai_app

    c = SyncClient(create_praisonai_app(PraisonAIModel(clock, scenarios, allow_loopback_webhooks=True), profile))
    try:
        assert submit(c, webhook_url="http://127.0.0.1:9/h", config={"mock_hang": True})["status"] == "queued"
        assert c.post("/api/v1/runs", json={"prompt": "x", "webhook_url": "http://10.1.1.1/"}).status_code == 422
    finally:
        c.close()


def test_full_queue_answers_503_with_retry_after(client, scenarios) -> None:
    load(scenarios, {"max_concurrent": 1, "max_queued": 1})
    submit(client, config={"mock_hang": True})
    response = client.post("/api/v1/runs", json={"prompt": "x"})
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert response.json() == {"detail": "Job queue is full; retry later."}
    assert total(client) == 1


@pytest.mark.parametrize("steps", [0, 2])
def test_issue_11_item_1_a_cancelled_run_never_reads_succeeded_nor_gains_a_start(client, model, scenarios,
                                                                                  steps) -> None:
    # The reproduction from the issue, over HTTP: one slot, Y hangs in it, X queues; cancel X then Y.
    load(scenarios, {"max_concurrent": 1})
    y = submit(client, config={"mock_hang": True})["job_id"]
    x = submit(client, config={"mock_steps": steps})["job_id"]
    model.clock.advance(1)
    assert client.post(f"/api/v1/runs/{x}/cancel").json()["status"] == "cancelled"
    assert client.post(f"/api/v1/runs/{y}/cancel").status_code == 200
    model.clock.advance(60)
    body = client.get(f"/api/v1/runs/{x}").json()
    assert body["status"] == "cancelled" and body.get("started_at") is None


# -- list ---------------------------------------------------------------------------------------
def test_list_filters_pages_and_shapes_items(client, model, profile) -> None:
    ids = [submit(client, prompt=f"p{i}", session_id="s1" if i < 2 else None, config={"mock_steps": 0})["job_id"]
           for i in range(3)]
    model.clock.advance(1)
    body = client.get("/api/v1/runs", params={"page": 1, "page_size": 2}).json()
    assert (body["total"], body["page"], body["page_size"]) == (3, 1, 2)
    assert [j["job_id"] for j in body["jobs"]] == [ids[2], ids[1]]
    item, with_session = body["jobs"]
    if profile == "docs":
        assert set(item) == {"job_id", "status", "created_at"}   # no session given: left out
        assert set(with_session) == {"job_id", "status", "created_at", "session_id"}
    else:
        assert set(item) == STATUS_KEYS_IMPL and item["session_id"] is None
    session = client.get("/api/v1/runs", params={"session_id": "s1"}).json()
    assert {j["job_id"] for j in session["jobs"]} == {ids[0], ids[1]}
    assert client.get("/api/v1/runs", params={"status": "succeeded"}).json()["total"] == 3
    assert client.get("/api/v1/runs", params={"status": "queued"}).json()["total"] == 0
    assert client.get("/api/v1/runs", params={"status": ""}).json()["total"] == 3
    assert client.get("/api/v1/runs", params={"page": 9}).json()["jobs"] == []


@pytest.mark.parametrize("params", [{"page_size": 101}, {"page_size": 0}, {"page": 0}, {"page": "x"}])
def test_list_page_out_of_range(client, profile, params) -> None:
    response = client.get("/api/v1/runs", params=params)
    assert response.status_code == EXPECT[profile]["page_size"]
    detail = response.json()["detail"]
    name = next(iter(params))
    if profile == "impl":
        assert detail[0]["loc"] == ["query", name] and detail[0]["input"] == str(params[name])
    else:
        assert detail.startswith(f"Invalid {name}:")


def test_a_page_past_any_index_is_an_empty_page_not_a_500(client) -> None:
    # The fuzzer's find: an offset past sys.maxsize once reached itertools.islice (a 500).
    client.post("/api/v1/runs", json={"prompt": "one"})
    for params in ({"page": 10 ** 23}, {"page": 10 ** 23, "status": "succeeded"}):
        response = client.get("/api/v1/runs", params=params)
        assert response.status_code == 200 and response.json()["jobs"] == [], response.text


def test_list_unknown_status_is_400_in_both(client) -> None:
    response = client.get("/api/v1/runs", params={"status": "done"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid status: done. Valid values: "
                                         "['queued', 'running', 'succeeded', 'failed', 'cancelled']"}


# -- per run ------------------------------------------------------------------------------------
@pytest.mark.parametrize("method,suffix", [("GET", ""), ("GET", "/result"), ("POST", "/cancel"),
                                           ("DELETE", ""), ("GET", "/stream")])
def test_unknown_ids_are_404_on_every_per_run_route(client, method, suffix) -> None:
    response = client.request(method, f"/api/v1/runs/run_000000000000{suffix}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Job not found: run_000000000000"}


def test_status_through_the_lifecycle(client, model, profile) -> None:
    job_id = submit(client, config={"mock_steps": 2, "mock_step_seconds": 4}, session_id="s")["job_id"]
    queued = client.get(f"/api/v1/runs/{job_id}").json()
    started(model, job_id)
    model.clock.advance(4)
    running = client.get(f"/api/v1/runs/{job_id}").json()
    finished(model, job_id)
    done = client.get(f"/api/v1/runs/{job_id}").json()
    assert [queued["status"], running["status"], done["status"]] == ["queued", "running", "succeeded"]
    assert queued["retry_after"] == 2 and running["retry_after"] == 5
    assert running["progress"]["percentage"] == 50.0 and running["progress"]["current_step"] == "Step 2 of 2"
    ts = EXPECT[profile]["ts"]
    assert all(ts.match(done[k]) for k in ("created_at", "started_at", "completed_at"))
    # Compared as instants: "...00Z" sorts after "...00.001000Z" as text (pydantic drops a zero fraction).
    created, start, end = (datetime.fromisoformat(done[k]) for k in ("created_at", "started_at", "completed_at"))
    assert created <= start <= end
    if profile == "impl":
        assert set(queued) == set(running) == set(done) == STATUS_KEYS_IMPL
        assert done["retry_after"] is None and done["progress"]["steps_completed"] == 2
        assert queued["progress"] == {"percentage": 0.0, "current_step": None, "steps_completed": 0,
                                      "steps_total": None}
    else:
        assert set(queued) == {"job_id", "status", "created_at", "retry_after"}
        assert set(running["progress"]) == {"percentage", "current_step"}
        assert set(done) == {"job_id", "status", "created_at", "started_at", "completed_at"}


def test_failed_status_carries_the_error(client, model) -> None:
    job_id = submit(client, config={"mock_steps": 1, "mock_fail": "Agent execution timeout"})["job_id"]
    finished(model, job_id)
    body = client.get(f"/api/v1/runs/{job_id}").json()
    assert (body["status"], body["error"]) == ("failed", "Agent execution timeout")


def test_result_of_each_status(client, model, profile) -> None:
    exp = EXPECT[profile]
    ok = submit(client, config={"mock_steps": 1, "mock_result": "done!"})["job_id"]
    bad = submit(client, config={"mock_steps": 1, "mock_fail": "nope"})["job_id"]
    hang = submit(client, config={"mock_hang": True})["job_id"]
    unfinished = client.get(f"/api/v1/runs/{ok}/result")
    assert unfinished.status_code == exp["result_unfinished"]
    assert "Current status: queued" in unfinished.json()["detail"]
    finished(model, ok)
    finished(model, bad)
    client.post(f"/api/v1/runs/{hang}/cancel")
    good = client.get(f"/api/v1/runs/{ok}/result")
    assert good.status_code == 200 and good.json()["result"] == "done!" and good.json()["status"] == "succeeded"
    assert good.json()["duration_seconds"] == pytest.approx(1.0)
    failed = client.get(f"/api/v1/runs/{bad}/result")
    cancelled = client.get(f"/api/v1/runs/{hang}/result")
    assert (failed.status_code, cancelled.status_code) == (exp["result_failed"], exp["result_cancelled"])
    assert failed.json()["error"] == "nope"
    if profile == "impl":
        assert set(good.json()) == {"job_id", "status", "result", "result_url", "metrics", "created_at",
                                    "started_at", "completed_at", "duration_seconds", "error"}
        assert failed.json()["result"] is None and cancelled.json()["status"] == "cancelled"
    else:
        assert set(good.json()) == {"job_id", "status", "result", "duration_seconds", "created_at", "completed_at"}
        assert failed.json()["detail"] == "Job failed. No result available."


def test_docs_result_is_text_even_for_structured_results(clock, scenarios) -> None:
    from mockserver.praisonai.app import create_praisonai_app

    model = PraisonAIModel(clock, scenarios)
    c = SyncClient(create_praisonai_app(model, "docs"))
    try:
        job_id = submit(c, config={"mock_steps": 0, "mock_result": {"k": [1]}})["job_id"]
        finished(model, job_id)
        assert c.get(f"/api/v1/runs/{job_id}/result").json()["result"] == '{"k": [1]}'
    finally:
        c.close()


def test_cancel(client, model, profile) -> None:
    job_id = submit(client, config={"mock_hang": True})["job_id"]
    started(model, job_id)
    model.clock.advance(3)
    response = client.post(f"/api/v1/runs/{job_id}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    if profile == "docs":
        assert set(response.json()) == {"job_id", "status", "cancelled_at"}
        assert DOCS_TS.match(response.json()["cancelled_at"])
    else:
        assert set(response.json()) == STATUS_KEYS_IMPL and IMPL_TS.match(response.json()["completed_at"])
    again = client.post(f"/api/v1/runs/{job_id}/cancel")
    assert again.status_code == EXPECT[profile]["cancel_finished"]
    assert "cancelled" in again.json()["detail"]
    assert model.get(job_id).completed_at == EPOCH + 0.001 + 3


def test_delete(client, model, profile) -> None:
    job_id = submit(client, config={"mock_steps": 1}, idempotency_key="d1")["job_id"]
    refused = client.delete(f"/api/v1/runs/{job_id}")
    assert refused.status_code == EXPECT[profile]["delete_unfinished"]
    assert "Cancel it first" in refused.json()["detail"]
    finished(model, job_id)
    response = client.delete(f"/api/v1/runs/{job_id}")
    assert response.status_code == 204 and response.content == b""
    assert client.get(f"/api/v1/runs/{job_id}").status_code == 404
    assert client.delete(f"/api/v1/runs/{job_id}").status_code == 404
    assert submit(client, idempotency_key="d1")["job_id"] != job_id   # the key was freed


def test_stream_of_a_finished_run(client, model, profile) -> None:
    job_id = submit(client, config={"mock_steps": 0, "mock_result": 'say "hi"'})["job_id"]
    finished(model, job_id)
    response = client.get(f"/api/v1/runs/{job_id}/stream")
    assert response.status_code == EXPECT[profile]["stream_finished"]
    if profile == "impl":
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.text == (
            f'event: status\r\ndata: {{"status": "succeeded", "job_id": "{job_id}"}}\r\n\r\n'
            'event: progress\r\ndata: {"percentage": 100.0, "step": ""}\r\n\r\n'
            'event: result\r\ndata: {"result": "say \\"hi\\""}\r\n\r\n')
    else:
        assert "already completed" in response.json()["detail"]


# -- server -------------------------------------------------------------------------------------
def test_health(client, model, profile) -> None:
    submit(client, config={"mock_hang": True})
    body = client.get("/health").json()
    if profile == "docs":
        assert body == {"status": "healthy"}
    else:
        assert body == {"status": "healthy", "store": "InMemoryJobStore", "executor_stats": {
            "running_jobs": 1, "max_concurrent": 10, "default_timeout": 3600, "shutdown": False}}


def test_stats(client, model, profile) -> None:
    done = submit(client, config={"mock_steps": 0})["job_id"]
    submit(client, config={"mock_hang": True})
    finished(model, done)
    client.delete(f"/api/v1/runs/{done}")
    response = client.get("/stats")
    assert response.status_code == EXPECT[profile]["stats"]
    if profile == "docs":
        assert response.json() == {"total_jobs": 2, "by_status": {
            "queued": 0, "running": 1, "succeeded": 1, "failed": 0, "cancelled": 0}}
    else:
        assert response.text == "Internal Server Error" and response.headers["content-type"].startswith("text/plain")


def test_unknown_paths_and_methods_answer_json(client) -> None:
    assert client.get("/nothing").json() == {"detail": "Not Found"}
    wrong = client.request("PUT", "/api/v1/runs")
    assert wrong.status_code == 405 and wrong.json() == {"detail": "Method Not Allowed"}
    assert "POST" in wrong.headers["allow"]


# -- never a 500 --------------------------------------------------------------------------------
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
           | st.text(max_size=8))
JSON = st.recursive(SCALARS,
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=6)
FIELDS = ["prompt", "agent_file", "recipe_config", "framework", "config", "webhook_url", "timeout", "session_id",
          "idempotency_key", "idempotency_scope"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=5) | JSON,
       params=st.dictionaries(st.sampled_from(["page", "page_size", "status", "session_id"]),
                              st.text(max_size=6), max_size=3))
def test_arbitrary_input_never_gets_a_500(client, profile, body, params) -> None:
    before = total(client)
    response = client.post("/api/v1/runs", json=body)
    assert response.status_code in (202, 400, 409, 422, 503), response.text
    if response.status_code != 202:
        assert "detail" in response.json() or "message" in response.json()
        assert total(client) == before
    listed = client.get("/api/v1/runs", params=params)
    assert listed.status_code == 200 or (listed.status_code in (400, 422) and "detail" in listed.json())


@pytest.mark.parametrize("content", [
    b'{"prompt": Infinity}', b'{"prompt": "x", "timeout": NaN}', b'{"prompt": "x", "timeout": 1e400}',
    b'{"prompt": "x", "config": {"a": -Infinity}}'])
def test_non_finite_numbers_are_malformed_json_not_a_500(client, content) -> None:
    # (The reference answers these with a plain 500: it cannot encode its own 422.)
    response = client.post("/api/v1/runs", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["type"] == "json_invalid" and error["loc"] == ["body"]
    assert total(client) == 0
