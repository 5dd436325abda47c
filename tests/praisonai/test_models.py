"""The PraisonAI runs model, without HTTP: lifecycle on the virtual clock, queueing, limits,
idempotency, timeouts, cancellation, deletion, scenario rules and hints."""

from __future__ import annotations

import contextlib
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.clock import Clock
from mockserver.praisonai.models import (
    PICKUP_SECONDS,
    PraisonAIModel,
    QueueFull,
    RunFinished,
    RunNotFound,
    RunUnfinished,
    SubmitRequest,
)
from mockserver.scenario import ScenarioStore
from tests.praisonai.conftest import EPOCH, finished, load, started

ORDER = {"queued": 0, "running": 1, "succeeded": 2, "failed": 2, "cancelled": 2}


def submit(model: PraisonAIModel, prompt: str = "p", **kw) -> str:
    view, created = model.submit(SubmitRequest(prompt=prompt, **kw))
    assert created
    return view.job_id


def test_a_run_goes_queued_running_succeeded_with_forward_progress(model: PraisonAIModel) -> None:
    job = submit(model, config={"mock_steps": 3, "mock_step_seconds": 2.0})
    v = model.get(job)
    assert (v.status, v.started_at, v.retry_after, v.progress.steps_total) == ("queued", None, 2, None)
    model.clock.advance(PICKUP_SECONDS)
    v = model.get(job)
    assert v.status == "running" and v.retry_after == 5
    assert (v.progress.percentage, v.progress.current_step, v.progress.steps_completed) == (0.0, "Step 1 of 3", 0)
    model.clock.advance(2.0)
    v = model.get(job)
    assert (v.progress.percentage, v.progress.current_step, v.progress.steps_completed) == (
        100.0 / 3, "Step 2 of 3", 1)
    model.clock.advance(4.0)
    v = model.get(job)
    assert v.status == "succeeded" and v.retry_after is None
    assert (v.progress.percentage, v.progress.steps_completed, v.progress.steps_total) == (100.0, 3, 3)
    assert v.result == "Mock result for: p"
    assert v.created_at < v.started_at < v.completed_at
    assert v.completed_at == pytest.approx(v.started_at + 6.0)


@settings(max_examples=60, deadline=None)
@given(steps=st.integers(0, 6), step_seconds=st.floats(0, 5), fail=st.booleans(), hang=st.booleans(),
       jumps=st.lists(st.floats(0, 7), min_size=1, max_size=12), cancel_at=st.integers(0, 12))
def test_progress_and_status_only_move_forward(steps, step_seconds, fail, hang, jumps, cancel_at) -> None:
    model = PraisonAIModel(Clock(EPOCH, frozen=True), ScenarioStore())
    config = {"mock_steps": steps, "mock_step_seconds": step_seconds, "mock_fail": "x" if fail else None,
              "mock_hang": hang}
    job = submit(model, config=config, timeout=20)
    last = model.get(job)
    for i, jump in enumerate(jumps):
        model.clock.advance(jump)
        if i == cancel_at:
            with contextlib.suppress(RunFinished):
                model.cancel(job)
        v = model.get(job)
        assert ORDER[v.status] >= ORDER[last.status]
        if last.terminal:
            assert v == last.__class__(**{**last.__dict__, "at": v.at})  # terminal runs never change
        assert v.progress.percentage >= last.progress.percentage
        assert v.progress.steps_completed >= last.progress.steps_completed
        for a, b in ((v.created_at, v.started_at), (v.started_at, v.completed_at)):
            if a is not None and b is not None:
                assert a <= b
        last = v


def test_failure_ends_the_run_when_its_last_step_would_end_and_keeps_progress(model) -> None:
    job = submit(model, config={"mock_steps": 2, "mock_step_seconds": 1, "mock_fail": "agent crashed"})
    v = finished(model, job)
    assert (v.status, v.error, v.result) == ("failed", "agent crashed", None)
    assert (v.progress.percentage, v.progress.current_step, v.progress.steps_completed) == (50.0, "Step 2 of 2", 1)
    assert v.completed_at == pytest.approx(v.started_at + 2)
    assert not v.timed_out


def test_mock_fail_true_uses_a_generic_message(model) -> None:
    assert finished(model, submit(model, config={"mock_steps": 0, "mock_fail": True})).error == "Mock failure"


def test_zero_steps_succeeds_at_start_with_the_reference_progress(model) -> None:
    v = finished(model, submit(model, config={"mock_steps": 0, "mock_result": {"k": [1]}}))
    assert v.status == "succeeded" and v.started_at == v.completed_at and v.result == {"k": [1]}
    assert (v.progress.percentage, v.progress.current_step, v.progress.steps_total) == (100.0, None, None)


def test_a_hang_runs_until_cancelled(model) -> None:
    job = submit(model, config={"mock_steps": 2, "mock_step_seconds": 1, "mock_hang": True})
    started(model, job)
    model.clock.advance(500)
    v = model.get(job)
    assert v.status == "running" and v.progress.steps_completed == 1
    assert model.next_change(job, v.at) == pytest.approx(v.started_at + 3600)  # the default timeout
    cancelled = model.cancel(job)
    assert cancelled.status == "cancelled" and cancelled.completed_at == v.at
    model.clock.advance(10_000)
    assert model.get(job).status == "cancelled"
    with pytest.raises(RunFinished):
        model.cancel(job)


def test_a_hang_times_out_failed_with_an_error_that_says_so(model) -> None:
    job = submit(model, config={"mock_hang": True, "mock_steps": 1}, timeout=30)
    v = finished(model, job)
    assert (v.status, v.error, v.timed_out) == ("failed", "Job timed out after 30s", True)
    assert v.completed_at == pytest.approx(v.started_at + 30)


def test_timeout_zero_means_the_default_and_a_negative_one_expires_at_start(model, scenarios) -> None:
    load(scenarios, {"default_timeout": 50})
    v = finished(model, submit(model, config={"mock_hang": True}, timeout=0))
    assert v.error == "Job timed out after 50s"
    v = finished(model, submit(model, config={"mock_steps": 0}, timeout=-1))
    assert (v.status, v.error, v.completed_at) == ("failed", "Job timed out after -1s", v.started_at)


def test_concurrency_limit_queues_fifo_and_a_slot_frees_on_finish(model, scenarios) -> None:
    load(scenarios, {"max_concurrent": 1})
    a = submit(model, config={"mock_steps": 1, "mock_step_seconds": 10})
    b = submit(model, config={"mock_steps": 1, "mock_step_seconds": 10})
    c = submit(model, config={"mock_steps": 1, "mock_step_seconds": 10})
    model.clock.advance(5)
    assert [model.get(j).status for j in (a, b, c)] == ["running", "queued", "queued"]
    end_a = finished(model, a).completed_at
    assert model.get(b).started_at == end_a and model.get(c).status == "queued"
    # Cancelling the running one hands its slot over at that instant.
    model.clock.advance(3)
    model.cancel(b)
    assert model.get(c).started_at == model.clock.now()


def test_cancel_while_queued_never_starts_and_frees_nothing(model, scenarios) -> None:
    load(scenarios, {"max_concurrent": 1})
    a = submit(model, config={"mock_steps": 1, "mock_step_seconds": 10})
    b = submit(model)
    v = model.cancel(b)
    assert (v.status, v.started_at, v.progress.percentage) == ("cancelled", None, 0.0)
    assert finished(model, a).status == "succeeded"
    assert model.get(b).started_at is None


def test_queue_seconds_keeps_a_run_queued_that_long(model) -> None:
    job = submit(model, config={"mock_queue_seconds": 7})
    model.clock.advance(7)
    assert model.get(job).status == "queued"
    model.clock.advance(PICKUP_SECONDS)
    assert model.get(job).status == "running"


def test_queue_limit_refuses_admission_until_a_run_finishes(model, scenarios) -> None:
    load(scenarios, {"max_concurrent": 1, "max_queued": 2})
    a = submit(model, config={"mock_steps": 1, "mock_step_seconds": 5})
    submit(model, config={"mock_steps": 1, "mock_step_seconds": 5})
    with pytest.raises(QueueFull) as refused:
        model.submit(SubmitRequest(prompt="third"))
    assert refused.value.retry_after == 1 and len(model.views()) == 2
    finished(model, a)
    assert model.submit(SubmitRequest(prompt="third"))[1] is True


def test_default_queue_limit_is_ten_times_the_concurrency(model, scenarios) -> None:
    load(scenarios, {"max_concurrent": 1})
    for _ in range(10):
        submit(model, config={"mock_hang": True})
    with pytest.raises(QueueFull):
        submit(model)


def test_idempotency_key_returns_the_existing_run_until_it_is_deleted(model) -> None:
    first, created = model.submit(SubmitRequest(prompt="a", idempotency_key="k", config={"mock_steps": 0}))
    again, created_again = model.submit(SubmitRequest(prompt="other", idempotency_key="k"))
    assert created and not created_again and again.job_id == first.job_id
    assert model.find_by_key("k").job_id == first.job_id
    finished(model, first.job_id)
    model.delete(first.job_id)
    assert model.find_by_key("k") is None
    fresh, created_fresh = model.submit(SubmitRequest(prompt="other", idempotency_key="k"))
    assert created_fresh and fresh.job_id != first.job_id


def test_delete_only_finished_runs(model) -> None:
    job = submit(model, config={"mock_steps": 1, "mock_step_seconds": 1})
    with pytest.raises(RunUnfinished) as unfinished:
        model.delete(job)
    assert unfinished.value.view.status == "queued"
    finished(model, job)
    model.delete(job)
    for action in (model.get, model.cancel, model.delete):
        with pytest.raises(RunNotFound):
            action(job)
    assert model.find(job) is None


def test_unknown_ids_are_not_found(model) -> None:
    with pytest.raises(LookupError):
        model.get("run_nope")
    with pytest.raises(LookupError):
        model.cancel("run_nope")


def test_scenario_rules_match_prompt_session_and_agent_file_and_hints_win(model, scenarios) -> None:
    load(scenarios, {"defaults": {"steps": 1, "step_seconds": 1, "result": "R={prompt}"}, "rules": [
        {"match": {"prompt": "*boom*"}, "fail": "exploded"},
        {"match": {"session_id": "slow-*"}, "step_seconds": 100},
        {"match": {"agent_file": "hang.yaml"}, "hang": True},
    ]})
    assert finished(model, submit(model, "go boom")).error == "exploded"
    assert finished(model, submit(model, "hello")).result == "R=hello"
    slow = finished(model, submit(model, "x", session_id="slow-1"))
    assert slow.completed_at - slow.started_at == pytest.approx(100)
    hung = submit(model, "x", agent_file="hang.yaml", timeout=9)
    assert finished(model, hung).timed_out
    hinted = finished(model, submit(model, "go boom", config={"mock_fail": None, "mock_result": 7}))
    assert (hinted.status, hinted.result) == ("succeeded", 7)


def test_an_unusable_hint_fails_the_run_at_start_naming_the_hint(model) -> None:
    v = finished(model, submit(model, config={"mock_steps": "many"}))
    assert v.status == "failed" and "mock_steps" in v.error and v.completed_at == v.started_at


def test_list_is_newest_first_filtered_and_paged(model) -> None:
    ids = [submit(model, f"p{i}", session_id="s" if i % 2 else None, config={"mock_steps": 0})
           for i in range(5)]
    model.clock.advance(1)
    page, total = model.list(page=1, page_size=2)
    assert total == 5 and [v.job_id for v in page] == ids[::-1][:2]
    page, total = model.list(page=3, page_size=2)
    assert [v.job_id for v in page] == [ids[0]]
    page, total = model.list(session_id="s")
    assert total == 2 and {v.job_id for v in page} == {ids[1], ids[3]}
    assert model.list(status="running")[1] == 0 and model.list(status="succeeded")[1] == 5


def test_counts_keep_deleted_runs_when_asked(model) -> None:
    job = submit(model, config={"mock_steps": 0})
    submit(model, config={"mock_hang": True})
    finished(model, job)
    model.delete(job)
    assert model.counts()["succeeded"] == 0 and model.counts(include_deleted=True)["succeeded"] == 1
    assert model.unfinished() == 1


def test_next_change_walks_start_steps_and_end(model) -> None:
    job = submit(model, config={"mock_steps": 2, "mock_step_seconds": 3})
    t0 = model.clock.now()
    start = t0 + PICKUP_SECONDS
    assert model.next_change(job, t0) == start
    assert model.next_change(job, start) == pytest.approx(start + 3)
    assert model.next_change(job, start + 3) == pytest.approx(start + 6)
    assert math.isinf(model.next_change(job, start + 6))


def test_webhooks_are_handed_out_once_when_due(model) -> None:
    job = submit(model, webhook_url="https://hooks.example/x", config={"mock_steps": 1, "mock_step_seconds": 2})
    assert model.take_due_webhooks() == [] and model.pending_webhooks()
    finished(model, job)
    assert [v.job_id for v in model.take_due_webhooks()] == [job]
    assert model.take_due_webhooks() == [] and not model.pending_webhooks()


def test_snapshot_is_json_and_reset_forgets_everything(model) -> None:
    job = submit(model, config={"mock_result": {"a": 1}, "mock_steps": 0})
    finished(model, job)
    snap = json.loads(json.dumps(model.snapshot()))
    assert snap["runs"][0]["job_id"] == job and snap["runs"][0]["result"] == {"a": 1}
    assert snap["limits"] == {"max_concurrent": 10, "max_queued": 100, "default_timeout": 3600}
    model.reset()
    assert model.views() == [] and model.snapshot()["runs"] == []


def test_ids_are_never_handed_out_twice_in_a_process_reset_or_not(clock, scenarios) -> None:
    # A reproduce line names a job id: after a reset, or in another mock, it must not name another run.
    load(scenarios, {}, seed=5)
    one = PraisonAIModel(clock, scenarios)
    two = PraisonAIModel(clock, scenarios)
    seen = []
    for _ in range(3):
        seen += [submit(one), submit(two), submit(one)]
        one.reset()
    assert len(set(seen)) == len(seen)
    assert all(j.startswith("run_") and len(j) == 16 and int(j[4:], 16) >= 0 for j in seen)


@pytest.mark.parametrize("steps", [0, 2])
def test_a_run_cancelled_while_queued_stays_unstarted_when_its_slot_frees_at_that_instant(
        model, scenarios, steps) -> None:
    # Issue 11, item 1: cancelling X (queued) and then, at the same instant, the run holding the
    # only slot used to hand that slot to X, which then "started" and, with 0 steps, succeeded.
    load(scenarios, {"max_concurrent": 1})
    holder = submit(model, config={"mock_hang": True})
    queued = submit(model, config={"mock_steps": steps})
    model.clock.advance(1)
    assert model.get(queued).status == "queued"
    assert model.cancel(queued).status == "cancelled"
    model.cancel(holder)
    model.clock.advance(30)
    v = model.get(queued)
    assert (v.status, v.started_at, v.completed_at) == ("cancelled", None, EPOCH + 1)


def test_a_running_run_cancelled_at_the_instant_it_got_its_slot_keeps_its_start(model, scenarios) -> None:
    load(scenarios, {"max_concurrent": 1})
    holder = submit(model, config={"mock_hang": True})
    waiting = submit(model, config={"mock_steps": 2})
    model.clock.advance(1)
    model.cancel(holder)
    assert model.get(waiting).status == "running"
    v = model.cancel(waiting)
    assert (v.status, v.started_at, v.completed_at) == ("cancelled", EPOCH + 1, EPOCH + 1)
    assert model.get(waiting).started_at == EPOCH + 1
