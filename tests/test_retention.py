"""Retention (mockserver/retention.py) in both models: the oldest finished runs are forgotten first,
unfinished ones never, and a forgotten run answers as an id never handed out."""

from __future__ import annotations

import pytest

from mockserver.clock import Clock
from mockserver.kinetica.models import KineticaModel
from mockserver.praisonai.models import PraisonAIModel, RunNotFound, SubmitRequest
from mockserver.retention import FinishedRuns, Retention
from mockserver.runtime import Mock
from mockserver.scenario import ScenarioStore
from tests.kinetica.conftest import api, create_proc_req, execute_req, status_req

T0 = 1_700_000_000.0


def praisonai(retention: Retention) -> PraisonAIModel:
    return PraisonAIModel(Clock(T0, frozen=True), ScenarioStore(), retention=retention)


def submit(model: PraisonAIModel, **config: object) -> str:
    return model.submit(SubmitRequest(prompt="p", config={"mock_steps": 1, "mock_step_seconds": 1, **config}))[0].job_id


def test_praisonai_max_runs_forgets_the_oldest_finished_and_never_an_unfinished_run() -> None:
    model = praisonai(Retention(max_runs=2))
    first = submit(model, mock_step_seconds=5)
    second = submit(model, mock_step_seconds=1)
    hanging = submit(model, mock_hang=True)
    assert len(model.views()) == 3            # none finished yet: nothing to forget
    model.clock.advance(2)                    # `second` finished first
    assert {v.job_id for v in model.views()} == {first, hanging}
    model.clock.advance(10)                   # `first` finished too: still 2 stored
    assert {v.job_id for v in model.views()} == {first, hanging}
    with pytest.raises(RunNotFound):
        model.get(second)
    assert model.counts()["succeeded"] == 1 and model.list()[1] == 2


def test_praisonai_retain_seconds_counts_from_the_finish() -> None:
    model = praisonai(Retention(retain_seconds=60))
    job = submit(model, mock_step_seconds=10)
    model.clock.advance(69)
    assert model.get(job).status == "succeeded"   # finished at ~10 s: kept until ~70 s
    model.clock.advance(2)
    assert model.find(job) is None and model.list() == ([], 0)


def test_praisonai_forgotten_run_is_404_over_http() -> None:
    mock = Mock(apis=("praisonai",), clock=Clock(T0, frozen=True), max_runs=0)
    job = submit(mock.model("praisonai"), mock_steps=0)
    mock.clock.advance(1)
    import httpx

    async def get() -> int:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(mock.asgi("praisonai")),
                                     base_url="http://127.0.0.1") as client:
            return (await client.get(f"/api/v1/runs/{job}")).status_code

    import asyncio
    assert asyncio.run(get()) == 404


def test_kinetica_max_runs_forgets_the_oldest_finished_run() -> None:
    clock = Clock(T0, frozen=True)
    model = KineticaModel(clock, ScenarioStore(), retention=Retention(max_runs=1))
    api(model).create_proc(create_proc_req())
    older = api(model).execute_proc(execute_req(params={"duration_ms": "1000"}))["run_id"]
    newer = api(model).execute_proc(execute_req(params={"duration_ms": "2000"}))["run_id"]
    clock.advance(1.5)
    assert list(model.runs()) == [newer]      # `older` finished; `newer` is still running
    answer = api(model).show_proc_status(status_req(older))
    assert all(value == {} for value in answer.values())   # as for an unknown run id
    clock.advance(10)
    assert list(model.runs()) == [newer]      # finished, but within the bound


def test_kinetica_retain_seconds_and_finished_answers_unchanged_by_compaction() -> None:
    clock = Clock(T0, frozen=True)
    model = KineticaModel(clock, ScenarioStore(), retention=Retention(retain_seconds=30))
    api(model).create_proc(create_proc_req())
    run_id = api(model).execute_proc(execute_req(params={"duration_ms": "1000", "stdout_lines": "3",
                                                         "result_x": "1"}))["run_id"]
    clock.advance(1)
    first = api(model).show_proc_status(status_req(run_id))   # finished: then compacted
    clock.advance(10)
    assert api(model).show_proc_status(status_req(run_id)) == first
    clock.advance(25)
    assert run_id not in model.runs()


def test_unbounded_retention_holds_nothing() -> None:
    kept: FinishedRuns[str] = FinishedRuns(Retention())
    kept.add(1.0, "a")
    assert list(kept.due(lambda: 10, 1e12)) == []


@pytest.mark.parametrize("bad", [{"max_runs": -1}, {"retain_seconds": -1.0}])
def test_negative_bounds_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Retention(**bad)  # type: ignore[arg-type]
