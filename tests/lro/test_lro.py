"""The registry's proof: an API kept in this folder gets serve, the control plane, journal, faults,
misbehaviour, a scenario section, the CLI port option, a fixture and a suite run, with no edit
outside this folder."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver import apis, registry
from mockserver.cli import _parser
from mockserver.control.openapi import control_openapi
from mockserver.runtime import Mock, MockError, MockServer

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def lro_registered() -> Iterator[registry.ApiSpec]:
    # Imported here, not at collection, and unregistered afterwards: other tests in this process
    # see the built-in APIs alone.
    api = importlib.import_module("tests.lro.api")
    with registry.registered(api.SPEC) as spec:
        yield spec


def test_served_with_control_plane_journal_and_scenario(lro_registered: registry.ApiSpec) -> None:
    with MockServer(apis=("lro",), frozen_clock=True) as server, \
            httpx.Client(base_url=server.urls["lro"]) as client:
        started = client.post("/v1/operations", json={}).json()
        assert started["done"] is False
        server.clock.advance(29)
        assert client.get(f"/v1/{started['name']}").json()["done"] is False
        server.clock.advance(2)  # past the scenario section's default of 30 s
        assert client.get(f"/v1/{started['name']}").json()["done"] is True

        server.mock.load_scenario_text("lro: {seconds: 5}")
        quick = client.post("/v1/operations", json={}).json()
        server.clock.advance(6)
        assert client.get(f"/v1/{quick['name']}").json()["done"] is True

        state = client.get("/_mock/state").json()
        assert state["apis"] == ["lro"] and len(state["lro"]["operations"]) == 2
        assert [e["api"] for e in server.journal.entries()] == ["lro"] * 5


def test_its_action_is_routed_and_callable(lro_registered: registry.ApiSpec) -> None:
    assert "/_mock/lro/operations/{number}/cancel" in control_openapi()["paths"]
    mock = Mock(["lro"], frozen_clock=True)
    mock.model("lro").start(60)
    assert mock.act("lro", "cancel", number="1")["error"]["message"] == "cancelled"
    with pytest.raises(MockError, match="already finished") as finished:
        mock.act("lro", "cancel", number=1)
    assert finished.value.status == 409
    with pytest.raises(MockError, match="no operation") as missing:
        mock.act("lro", "cancel", number="99")
    assert missing.value.status == 404


def test_faults_and_misbehaviour_apply_to_it(lro_registered: registry.ApiSpec) -> None:
    with MockServer(apis=("lro",), frozen_clock=True) as server, \
            httpx.Client(base_url=server.urls["lro"]) as client:
        server.faults.add({"action": "status", "status": 503, "api": "lro", "path": "/v1/*", "first": 1})
        assert client.post("/v1/operations", json={}).status_code == 503
        name = client.post("/v1/operations", json={"seconds": 1}).json()["name"]
        server.clock.advance(2)
        switch = client.post("/_mock/misbehave", json={"clauses": ["LRO-OP-001"]})
        assert switch.status_code == 200 and switch.json()["available"] == ["LRO-OP-001"]
        assert client.get(f"/v1/{name}").json()["done"] is False
        client.delete("/_mock/misbehave")
        assert client.get(f"/v1/{name}").json()["done"] is True


def test_the_cli_offers_its_port(lro_registered: registry.ApiSpec) -> None:
    args = _parser().parse_args(["serve", "--api", "lro", "--lro-port", "1234"])
    assert args.api == "lro" and args.lro_port == 1234


def test_the_suite_and_the_fixture_run_against_it(tmp_path: Path) -> None:
    # A fresh process that learns of the API from MOCKSERVER_APIS alone.
    env = {**os.environ, apis.ENV_VAR: "tests.lro.api",
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "-o", "python_files=check_*.py", "--contract-api", "lro", str(REPO / "tests/lro/suite")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "2 passed" in done.stdout
