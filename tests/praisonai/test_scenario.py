"""The `praisonai:` scenario section: its schema, parsing, rule order, and the shipped fixtures
driving the model as they say."""

from __future__ import annotations

import pytest

from mockserver.praisonai.models import PraisonAIModel, QueueFull, SubmitRequest
from mockserver.praisonai.scenario import BUILT_IN, PraisonAIScenario
from mockserver.resources import fixtures_dir
from mockserver.scenario import Scenario, ScenarioError, ScenarioStore
from tests.praisonai.conftest import finished


def test_absent_section_is_the_reference_default() -> None:
    section = Scenario.default().section("praisonai")
    assert section == PraisonAIScenario()
    assert (section.max_concurrent, section.queue_limit, section.default_timeout) == (10, 100, 3600)
    assert section.behaviour_for("x", None, None) == BUILT_IN


@pytest.mark.parametrize("text,where", [
    ("praisonai:\n  max_concurrent: 0\n", "praisonai/max_concurrent"),
    ("praisonai:\n  defaults: {steps: -1}\n", "praisonai/defaults/steps"),
    ("praisonai:\n  rules:\n    - match: {}\n", "praisonai/rules/0/match"),
    ("praisonai:\n  rules:\n    - match: {proc: x}\n", "praisonai/rules/0/match"),
    ("praisonai:\n  rules:\n    - match: {prompt: x}\n      stepz: 1\n", "praisonai/rules/0"),
])
def test_invalid_sections_are_refused_with_their_place(text, where) -> None:
    with pytest.raises(ScenarioError) as refused:
        Scenario.from_text(text, source="s.yaml")
    assert "/".join(map(str, refused.value.path)).startswith(where) and refused.value.line is not None


def test_later_rules_win_and_unset_fields_inherit() -> None:
    section = Scenario.from_dict({"praisonai": {"defaults": {"steps": 4, "result": None}, "rules": [
        {"match": {"prompt": "a*"}, "steps": 1, "fail": "x"},
        {"match": {"prompt": "ab*", "session_id": "s"}, "fail": None},
    ]}}).section("praisonai")
    assert section.behaviour_for("ab", "s", None).steps == 1
    assert section.behaviour_for("ab", "s", None).fail is None
    assert section.behaviour_for("ab", None, None).fail == "x"
    assert section.behaviour_for("zz", None, None).result is None


@pytest.fixture
def from_fixture(clock):
    def build(name: str) -> PraisonAIModel:
        store = ScenarioStore()
        store.load_file(fixtures_dir() / "praisonai" / f"{name}.yaml")
        return PraisonAIModel(clock, store)
    return build


def run(model: PraisonAIModel, prompt: str, **kw) -> str:
    return model.submit(SubmitRequest(prompt=prompt, **kw))[0].job_id


def test_fixture_slow_runs(from_fixture) -> None:
    model = from_fixture("slow_runs")
    slow = finished(model, run(model, "summarise"))
    assert slow.completed_at - slow.started_at == pytest.approx(300) and slow.result == "Report for: summarise"
    batch = finished(model, run(model, "x", session_id="batch-7"))
    assert batch.completed_at - batch.started_at == pytest.approx(1200)
    assert finished(model, run(model, "ping")).result == "pong"


def test_fixture_failing_and_hanging(from_fixture) -> None:
    model = from_fixture("failing_and_hanging")
    assert finished(model, run(model, "please fail")).error.startswith("Agent execution failed")
    hung = finished(model, run(model, "x", agent_file="hang-forever.yaml"))
    assert (hung.error, hung.timed_out) == ("Job timed out after 600s", True)


def test_fixture_full_queue(from_fixture) -> None:
    model = from_fixture("full_queue")
    first = run(model, "a")
    run(model, "b")
    run(model, "c")
    with pytest.raises(QueueFull):
        run(model, "d")
    finished(model, first)
    assert run(model, "d")
