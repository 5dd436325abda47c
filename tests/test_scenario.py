"""Scenario container: loading, validation with file/line/reason, sections, seeds, the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mockserver import scenario as scenario_module
from mockserver.kinetica.scenario import Duration, KineticaScenario
from mockserver.resources import fixtures_dir
from mockserver.scenario import Scenario, ScenarioError, ScenarioStore, register_section


def test_default_scenario_has_builtin_sections() -> None:
    default = Scenario.default()
    assert default.seed == 0
    assert default.section("kinetica") == KineticaScenario()
    with pytest.raises(KeyError):
        default.section("no-such-api")


def test_yaml_is_parsed_into_typed_sections() -> None:
    loaded = Scenario.from_text(
        "seed: 9\nname: demo\nkinetica:\n  segments: 2\n  defaults: {duration: {uniform: [1, 3]}}\n")
    kinetica = loaded.section("kinetica")
    assert (loaded.seed, loaded.name, kinetica.segments) == (9, "demo", 2)
    assert kinetica.defaults.duration == Duration("uniform", 1.0, 3.0)
    assert loaded.raw["kinetica"]["segments"] == 2


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("seed: 1\nkinetica:\n  segments: 0\n", 3, "less than the minimum"),
    ("seed: 1\nkinetica:\n  defaults:\n    duration: 1\n    hangg: true\n", 5, "hangg"),
    ("kinetica:\n  rules:\n    - match: {proc: a}\n      duration: {uniform: [5, 1]}\n", 4, "low > high"),
    ("seed: one\n", 1, "not of type 'integer'"),
    ("seed: 1\nkinetica: [1,\n", 3, "not valid YAML"),
    ("unknown_api: {}\n", 1, "unknown_api"),
])
def test_errors_carry_source_line_and_reason(text: str, line: int, reason: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_text(text, source="case.yaml")
    error = caught.value
    assert (error.source, error.line) == ("case.yaml", line)
    assert reason in error.reason
    assert str(error).startswith(f"case.yaml:{line}: ")


def test_dict_errors_have_a_path_but_no_line() -> None:
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict({"kinetica": {"rules": [{"match": {}}]}}, source="<api>")
    assert caught.value.line is None and caught.value.path[:3] == ("kinetica", "rules", 0)


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("kinetica:\n  segments: many\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_file(path)
    assert caught.value.source == str(path) and caught.value.line == 2
    with pytest.raises(ScenarioError, match="cannot read"):
        Scenario.from_file(tmp_path / "missing.yaml")


def test_rng_is_repeatable_and_scoped() -> None:
    a, b = Scenario(seed=5), Scenario(seed=5)
    assert [a.rng("x", 1).random() for _ in range(3)] == [b.rng("x", 1).random() for _ in range(3)]
    assert a.rng("x", 1).random() != a.rng("x", 2).random()
    assert a.rng("x").random() != Scenario(seed=6).rng("x").random()


def test_store_keeps_old_scenario_when_a_load_fails() -> None:
    store = ScenarioStore()
    good = store.load_text("seed: 3\nkinetica: {segments: 2}\n", source="good.yaml")
    version = store.version
    with pytest.raises(ScenarioError):
        store.load_text("kinetica: {segments: -1}\n")
    with pytest.raises(ScenarioError):
        store.load_dict({"seed": "x"})
    assert store.current is good and store.version == version
    assert store().section("kinetica").segments == 2
    store.reset()
    assert store.current is store.default and store.current.section("kinetica").segments == 4


def test_unregistered_section_is_rejected_until_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    document: dict[str, Any] = {"widgets": {"count": 2}}
    with pytest.raises(ScenarioError, match="widgets"):
        Scenario.from_dict(document)
    monkeypatch.setattr(scenario_module, "_SECTIONS", dict(scenario_module._SECTIONS))
    register_section("widgets", {"type": "object", "properties": {"count": {"type": "integer"}},
                                 "additionalProperties": False},
                     parse=lambda raw: raw["count"] * 10, default=lambda: 0)
    loaded = Scenario.from_dict(document)
    assert loaded.section("widgets") == 20
    assert Scenario.default().section("widgets") == 0
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_text("widgets:\n  count: lots\n")
    assert caught.value.line == 2


def test_register_section_rejects_reserved_names_and_bad_schemas() -> None:
    with pytest.raises(ValueError, match="reserved"):
        register_section("seed", {}, parse=lambda raw: raw, default=lambda: None)
    with pytest.raises(Exception, match="is not valid"):
        register_section("broken", {"type": 12}, parse=lambda raw: raw, default=lambda: None)


@pytest.mark.parametrize("path", sorted((fixtures_dir() / "kinetica").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_kinetica_fixtures_load(path: Path) -> None:
    loaded = Scenario.from_file(path)
    assert isinstance(loaded.section("kinetica"), KineticaScenario)


def test_default_fixture_matches_builtin_behaviour() -> None:
    shipped = Scenario.from_file(fixtures_dir() / "kinetica" / "default.yaml").section("kinetica")
    builtin = KineticaScenario()
    for proc, tag in (("any", ""), ("etl_x", "nightly")):
        assert shipped.behaviour_for(proc, tag) == builtin.behaviour_for(proc, tag)
    assert shipped.job_duration == builtin.job_duration
    assert shipped.max_concurrency_per_node == builtin.max_concurrency_per_node
