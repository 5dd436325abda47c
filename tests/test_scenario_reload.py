"""Hot reload: a scenario file that changes on disk applies without a restart; an invalid change is
refused with its file, line and reason, and the scenario in force stays."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from mockserver.clock import Clock
from mockserver.runtime import Mock
from mockserver.scenario import ScenarioStore
from tests.control.control_helpers import T0, Client, create_proc, execute_proc, run_status

FIRST = "name: first\nseed: 1\nkinetica:\n  segments: 2\n"
SECOND = "name: second\nseed: 2\nkinetica:\n  segments: 3\n"
# Line 4 holds the mistake: segments must be an integer >= 1.
BROKEN = "name: broken\nseed: 3\nkinetica:\n  segments: 0\n"


class FakeWall:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "ui.yaml"
    path.write_text(FIRST)
    return path


def test_a_changed_file_is_picked_up_on_the_next_read(scenario_file: Path) -> None:
    store = ScenarioStore(path=scenario_file, reload_interval=0)
    assert store.current.name == "first" and store.watching == scenario_file
    version = store.version
    scenario_file.write_text(SECOND)
    assert store.current.name == "second"
    assert store.current.section("kinetica").segments == 3
    assert store.version == version + 1 and store.reloads == 1
    assert store.reload_error is None


def test_the_file_is_looked_at_lazily_at_most_every_interval(scenario_file: Path) -> None:
    wall = FakeWall()
    store = ScenarioStore(path=scenario_file, reload_interval=0.5, wall=wall)
    store.current  # noqa: B018 - the read is what checks
    scenario_file.write_text(SECOND)
    wall.now += 0.2
    assert store.current.name == "first", "not looked at again within the interval"
    wall.now += 0.4
    assert store.current.name == "second"


def test_an_invalid_change_is_refused_with_file_line_and_reason(scenario_file: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    store = ScenarioStore(path=scenario_file, reload_interval=0)
    before = store.current
    version = store.version
    scenario_file.write_text(BROKEN)
    with caplog.at_level(logging.WARNING, logger="mockserver.scenario"):
        assert store.current is before
    error = store.reload_error
    assert error is not None
    assert (error.source, error.line) == (str(scenario_file), 4)
    assert "less than the minimum of 1" in error.reason
    assert store.version == version
    assert f"{scenario_file}:4" in caplog.text
    # Logged once per version of the file, not on every read.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mockserver.scenario"):
        store.current  # noqa: B018
    assert caplog.text == ""
    # Fixing the file applies the fix and clears the error.
    scenario_file.write_text(SECOND)
    assert store.current.name == "second" and store.reload_error is None


def test_broken_yaml_is_refused_with_its_line(scenario_file: Path) -> None:
    store = ScenarioStore(path=scenario_file, reload_interval=0)
    scenario_file.write_text("name: typo\nkinetica:\n  segments: [1\n  defaults: {}\n")
    assert store.current.name == "first"
    assert store.reload_error is not None and store.reload_error.line is not None
    assert "not valid YAML" in store.reload_error.reason


def test_a_vanished_file_keeps_the_scenario_and_says_so(scenario_file: Path) -> None:
    store = ScenarioStore(path=scenario_file, reload_interval=0)
    scenario_file.unlink()
    assert store.current.name == "first"
    assert store.reload_error is not None and "cannot read the file" in store.reload_error.reason
    scenario_file.write_text(FIRST)  # back as it was
    assert store.current.name == "first" and store.reload_error is None


def test_loading_text_stops_watching_and_loading_a_file_starts(scenario_file: Path, tmp_path: Path) -> None:
    store = ScenarioStore(path=scenario_file, reload_interval=0)
    store.load_text("name: typed\n")
    assert store.watching is None
    scenario_file.write_text(SECOND)
    assert store.current.name == "typed"
    other = tmp_path / "other.yaml"
    other.write_text("name: other\n")
    store.load_file(other)
    assert store.watching == other
    other.write_text("name: other-edited\n")
    assert store.current.name == "other-edited"
    # Reset goes back to the start file, as it is now.
    assert store.reset().name == "first"
    assert store.current.name == "second" and store.watching == scenario_file


# -- through the mock -----------------------------------------------------------------------------
def _mock(path: Path, **options) -> Mock:
    mock = Mock(clock=Clock(T0, frozen=True), scenario=str(path), **options)
    mock.scenario.reload_interval = 0
    return mock


def test_the_control_plane_and_the_state_show_a_refused_change(scenario_file: Path) -> None:
    mock = _mock(scenario_file)
    client = Client(mock.asgi("kinetica"))
    try:
        scenario_file.write_text(BROKEN)
        info = client.get("/_mock/scenario").json()
        assert info["name"] == "first" and info["watching"] == str(scenario_file)
        error = info["reload_error"]
        assert (error["file"], error["line"]) == (str(scenario_file), 4)
        assert "minimum" in error["reason"] and error["message"].startswith(f"{scenario_file}:4")
        assert client.get("/_mock/state").json()["scenario"]["reload_error"] == error
        scenario_file.write_text(SECOND)
        info = client.get("/_mock/scenario").json()
        assert info["name"] == "second" and info["reload_error"] is None
    finally:
        client.close()


def test_new_runs_follow_the_reloaded_scenario(scenario_file: Path) -> None:
    mock = _mock(scenario_file)
    client = Client(mock.asgi("kinetica"))
    try:
        create_proc(client, "p")
        before = execute_proc(client, "p")
        scenario_file.write_text(SECOND)
        after = execute_proc(client, "p")
        assert len(run_status(client, before)["statuses"][before]) == 2
        assert len(run_status(client, after)["statuses"][after]) == 3
    finally:
        client.close()


def test_a_start_override_survives_a_reload_and_reset_returns_to_the_new_version(scenario_file: Path) -> None:
    mock = _mock(scenario_file, segments=7)
    scenario_file.write_text(SECOND)
    assert mock.scenario.current.name == "second"
    assert mock.scenario.current.section("kinetica").segments == 7
    mock.load_scenario_text("name: elsewhere\n")
    mock.reset()
    assert mock.scenario.current.name == "second"
