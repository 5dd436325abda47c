"""Each preset in fixtures/scenarios/ produces the states its name promises, driven by the virtual
clock through the APIs' own HTTP routes (in-process)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockserver.clock import Clock
from mockserver.resources import fixtures_dir
from mockserver.runtime import Mock, resolve_scenario
from mockserver.scenario import Scenario
from tests.control.control_helpers import T0, Client, create_proc, execute_proc, run_status

PRESETS = sorted(fixtures_dir().joinpath("scenarios").glob("*.yaml"))


class Apis:
    """A mock on a frozen clock with a preset loaded, and a client per API."""

    def __init__(self, preset: str) -> None:
        self.mock = Mock(clock=Clock(T0, frozen=True), scenario=preset)
        self.kinetica = Client(self.mock.asgi("kinetica"))
        self.praisonai = Client(self.mock.asgi("praisonai"))

    def advance(self, seconds: float) -> None:
        self.mock.clock.advance(seconds)

    def run(self, run_id: str) -> dict[str, Any]:
        """One Kinetica run's entries of /show/proc/status."""
        status = run_status(self.kinetica, run_id)
        return {name: values[run_id] for name, values in status.items() if isinstance(values, dict)
                and run_id in values}

    def submit(self, prompt: str = "summarise the quarter", **body: Any) -> dict[str, Any]:
        response = self.praisonai.post("/api/v1/runs", json={"prompt": prompt, **body})
        assert response.status_code == 202, response.text
        return response.json()

    def praisonai_run(self, job_id: str) -> dict[str, Any]:
        response = self.praisonai.get(f"/api/v1/runs/{job_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def close(self) -> None:
        self.kinetica.close()
        self.praisonai.close()


@pytest.fixture
def apis(request: pytest.FixtureRequest) -> Iterator[Apis]:
    made = Apis(request.param)
    yield made
    made.close()


def preset(name: str) -> Any:
    return pytest.mark.parametrize("apis", [name], indirect=True)


# -- every preset -------------------------------------------------------------------------------
def test_the_presets_are_there() -> None:
    assert {p.stem for p in PRESETS} >= {
        "staggered_segments", "segment_fails", "hangs_until_killed", "long_output",
        "queued_behind_busy_node", "praisonai_slow_progress", "praisonai_fails", "praisonai_times_out",
        "praisonai_queue_full"}


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_each_preset_is_valid_and_found_by_its_name(path: Path) -> None:
    scenario = Scenario.from_file(path)
    assert scenario.raw.get("description"), "a preset says what it is for"
    assert resolve_scenario(path.stem) == path  # `mockserver serve --scenario NAME`
    assert resolve_scenario(f"scenarios/{path.stem}") == path


# -- Kinetica -----------------------------------------------------------------------------------
@preset("staggered_segments")
def test_staggered_segments_finish_at_different_times(apis: Apis) -> None:
    create_proc(apis.kinetica, "etl")
    run_id = execute_proc(apis.kinetica, "etl")
    finished_at: dict[str, float] = {}
    partly_done = False
    for second in range(1, 61):
        apis.advance(1)
        run = apis.run(run_id)
        for segment, status in run["statuses"].items():
            if status == "complete":
                finished_at.setdefault(segment, second)
        done = sum(status == "complete" for status in run["statuses"].values())
        if 0 < done < len(run["statuses"]):
            partly_done = True
            assert run["overall_statuses"] == "running"
    assert len(finished_at) == 4, "every segment finishes"
    assert len(set(finished_at.values())) >= 3, f"segments finish at different times: {finished_at}"
    assert partly_done
    assert apis.run(run_id)["overall_statuses"] == "complete"


@preset("segment_fails")
def test_one_segment_fails_with_a_message(apis: Apis) -> None:
    create_proc(apis.kinetica, "transform")
    run_id = execute_proc(apis.kinetica, "transform")
    apis.advance(3)
    assert apis.run(run_id)["overall_statuses"] == "running"
    apis.advance(3)
    run = apis.run(run_id)
    assert run["statuses"] == {"0": "complete", "1": "complete", "2": "error", "3": "complete"}
    assert run["messages"]["2"] == "segment 2: ValueError: column 'amount' has 17 null values"
    assert run["messages"]["0"] == ""
    assert run["overall_statuses"] == "error"


@preset("hangs_until_killed")
def test_run_hangs_until_killed(apis: Apis) -> None:
    create_proc(apis.kinetica, "waiter")
    run_id = execute_proc(apis.kinetica, "waiter")
    apis.advance(24 * 3600)
    run = apis.run(run_id)
    assert set(run["statuses"].values()) == {"running"}
    assert run["output"]["0"]["stdout"][-1] == "waiting for a lock held by another session"
    killed = apis.kinetica.kinetica("/kill/proc", run_id=run_id, options={})
    assert killed["run_ids"] == [run_id]
    apis.advance(1)
    run = apis.run(run_id)
    assert set(run["statuses"].values()) == {"killed"} and run["overall_statuses"] == "killed"


@preset("long_output")
def test_long_output_is_a_sliding_tail_of_the_last_100_lines(apis: Apis) -> None:
    create_proc(apis.kinetica, "chatty")
    run_id = execute_proc(apis.kinetica, "chatty")
    seen: list[int] = []
    for _ in range(6):
        apis.advance(10)
        stdout = apis.run(run_id)["output"]["0"]["stdout"]
        assert 0 < len(stdout) <= 100
        numbers = [int(line.rsplit(" ", 1)[1]) for line in stdout]
        assert numbers == list(range(numbers[0], numbers[-1] + 1)), "a contiguous tail"
        seen.append(numbers[-1])
    assert seen == sorted(seen) and len(set(seen)) == len(seen), "output grows while the run goes"
    run = apis.run(run_id)
    assert run["overall_statuses"] == "complete"
    assert len(run["output"]["1"]["stdout"]) == 100 and run["output"]["1"]["stdout"][-1] == "stdout line 500"
    assert len(run["output"]["1"]["stderr"]) == 40


@preset("queued_behind_busy_node")
def test_a_second_run_queues_behind_the_busy_nodes(apis: Apis) -> None:
    create_proc(apis.kinetica, "nightly")
    first = execute_proc(apis.kinetica, "nightly")
    second = execute_proc(apis.kinetica, "nightly")
    apis.advance(10)
    assert apis.run(first)["overall_statuses"] == "running"
    queued = apis.run(second)
    assert set(queued["statuses"].values()) == {"none"} and queued["overall_statuses"] == "none"
    apis.advance(25)
    assert apis.run(first)["overall_statuses"] == "complete"
    assert set(apis.run(second)["statuses"].values()) == {"running"}
    apis.advance(30)
    assert apis.run(second)["overall_statuses"] == "complete"


# -- PraisonAI ----------------------------------------------------------------------------------
@preset("praisonai_slow_progress")
def test_slow_progress_moves_one_step_at_a_time(apis: Apis) -> None:
    job_id = apis.submit()["job_id"]
    apis.advance(0.5)
    percentages = []
    for _ in range(9):
        run = apis.praisonai_run(job_id)
        assert run["status"] == "running"
        percentages.append(run["progress"]["percentage"])
        apis.advance(6)
    assert percentages == sorted(percentages) and len(set(percentages)) == 9, percentages
    assert 0 < percentages[1] < 100
    apis.advance(6)
    run = apis.praisonai_run(job_id)
    assert run["status"] == "succeeded" and run["progress"]["percentage"] == 100


@preset("praisonai_fails")
def test_run_fails_with_an_error_after_some_progress(apis: Apis) -> None:
    job_id = apis.submit()["job_id"]
    apis.advance(3)
    running = apis.praisonai_run(job_id)
    assert running["status"] == "running" and running["progress"]["percentage"] > 0
    apis.advance(4)
    run = apis.praisonai_run(job_id)
    assert run["status"] == "failed"
    assert run["error"].startswith("Agent 'researcher' failed")
    assert run["progress"]["percentage"] < 100


@preset("praisonai_times_out")
def test_run_times_out(apis: Apis) -> None:
    job_id = apis.submit()["job_id"]
    apis.advance(29)
    assert apis.praisonai_run(job_id)["status"] == "running"
    apis.advance(2)
    run = apis.praisonai_run(job_id)
    assert run["status"] == "failed" and run["error"] == "Job timed out after 30s"


@preset("praisonai_queue_full")
def test_the_queue_fills_up_and_answers_503(apis: Apis) -> None:
    accepted = [apis.submit(f"job {n}")["job_id"] for n in range(3)]
    refused = apis.praisonai.post("/api/v1/runs", json={"prompt": "one too many"})
    assert refused.status_code == 503
    assert int(refused.headers["retry-after"]) >= 1
    apis.advance(1)
    statuses = [apis.praisonai_run(job_id)["status"] for job_id in accepted]
    assert statuses == ["running", "queued", "queued"]
    apis.advance(120)  # the first run finishes: one place frees up
    assert apis.praisonai_run(accepted[0])["status"] == "succeeded"
    assert apis.praisonai.post("/api/v1/runs", json={"prompt": "now it fits"}).status_code == 202
    assert apis.praisonai.post("/api/v1/runs", json={"prompt": "full again"}).status_code == 503
