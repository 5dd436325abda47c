"""/_mock/scenario: read, load YAML or JSON or a preset; an invalid one is refused, the old one kept."""

from __future__ import annotations

import json

import pytest

import mockserver.runtime
from tests.control.control_helpers import create_proc, execute_proc, run_status

GOOD = """\
name: two-segments
seed: 3
kinetica:
  segments: 2
"""

BAD = """\
name: broken
kinetica:
  segments: 2
  colour: blue
"""


def test_default_scenario_is_reported(client) -> None:
    info = client.get("/_mock/scenario").json()
    assert info["source"] == "<default>" and info["scenario"] == {}


def test_load_yaml_text_and_the_runs_follow_it(client) -> None:
    response = client.put("/_mock/scenario", content=GOOD, headers={"content-type": "application/yaml"})
    assert response.status_code == 200
    info = response.json()
    assert info["name"] == "two-segments" and info["seed"] == 3
    assert info["scenario"]["kinetica"] == {"segments": 2}
    create_proc(client)
    run_id = execute_proc(client)
    assert len(run_status(client, run_id)["statuses"][run_id]) == 2


def test_load_json_with_post(client) -> None:
    body = json.dumps({"name": "json-one", "kinetica": {"segments": 3}})
    response = client.post("/_mock/scenario?source=mine.json", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json()["source"] == "mine.json" and response.json()["name"] == "json-one"


def test_invalid_scenario_is_refused_with_file_line_and_reason_and_the_old_one_stays(client) -> None:
    client.put("/_mock/scenario", content=GOOD)
    response = client.put("/_mock/scenario?source=broken.yaml", content=BAD)
    assert response.status_code == 400
    error = response.json()
    assert error["file"] == "broken.yaml" and error["line"] == 4
    assert "colour" in error["reason"] and "broken.yaml:4" in error["error"]
    assert client.get("/_mock/scenario").json()["name"] == "two-segments"
    unparsable = client.put("/_mock/scenario", content="kinetica: [unclosed")
    assert unparsable.status_code == 400 and "not valid YAML" in unparsable.json()["reason"]
    assert client.put("/_mock/scenario", content=b"").status_code == 400
    assert client.put("/_mock/scenario", content=b"\xff\xfe").status_code == 400
    assert client.get("/_mock/scenario").json()["name"] == "two-segments"


@pytest.fixture
def presets(tmp_path, monkeypatch):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "slow-runs.yaml").write_text("name: slow\nkinetica:\n  defaults: {duration: 30}\n")
    (folder / "broken.yaml").write_text(BAD)
    monkeypatch.setattr(mockserver.runtime, "fixtures_dir", lambda: tmp_path)
    return folder


def test_shipped_presets_are_offered_and_load(client) -> None:
    presets = client.get("/_mock/scenario/presets").json()["presets"]
    assert presets, "fixtures/ ships scenario presets"
    for name in presets:
        response = client.put(f"/_mock/scenario?preset={name}")
        assert response.status_code == 200, (name, response.text)


def test_presets_are_listed_and_loaded_by_name(client, presets) -> None:
    assert client.get("/_mock/scenario/presets").json() == {
        "presets": ["scenarios/broken", "scenarios/slow-runs"]}
    loaded = client.post("/_mock/scenario?preset=slow-runs")  # a unique stem is enough
    assert loaded.status_code == 200 and loaded.json()["name"] == "slow"
    assert client.put("/_mock/scenario?preset=scenarios/slow-runs").status_code == 200
    assert loaded.json()["source"] == str(presets / "slow-runs.yaml")
    missing = client.post("/_mock/scenario?preset=nope")
    assert missing.status_code == 404 and "slow-runs" in missing.json()["error"]
    broken = client.post("/_mock/scenario?preset=broken")
    assert broken.status_code == 400 and broken.json()["line"] == 4
    both = client.post("/_mock/scenario?preset=slow-runs", content=GOOD)
    assert both.status_code == 400
    assert client.get("/_mock/scenario").json()["name"] == "slow"
