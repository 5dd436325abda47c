"""`mockserver serve` as a frontend developer runs it: a preset by name, a scenario file edited while
the mock runs, CORS for the dev server's origin, and the inspector's address."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.test_cli import _free_port, _serve, _stop, _wait_for_port

VALID = "name: dev-ui\nkinetica:\n  segments: 2\n"
EDITED = "name: dev-ui-edited\nkinetica:\n  segments: 5\n"
BROKEN = "name: dev-ui-broken\nkinetica:\n  segments: many\n"


def test_serve_a_preset_by_name_with_an_explicit_cors_origin() -> None:
    port = _free_port()
    proc = _serve("--api", "praisonai", "--praisonai-port", str(port), "--frozen-clock",
                  "--scenario", "praisonai_queue_full", "--cors-origin", "http://localhost:5173")
    try:
        _wait_for_port(port, proc)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            assert client.get("/_mock/scenario").json()["name"] == "praisonai-queue-full"
            allowed = client.options("/api/v1/runs", headers={
                "Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, idempotency-key"})
            assert allowed.status_code == 200
            assert allowed.headers["access-control-allow-origin"] == "http://localhost:5173"
            other = client.options("/api/v1/runs", headers={
                "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"})
            assert other.status_code == 400
            assert client.get("/_mock/inspector").status_code == 200
    finally:
        code, out, err = _stop(proc)
    assert code == 0, err
    assert f"inspector: http://127.0.0.1:{port}/_mock/inspector" in out
    assert "praisonai_queue_full.yaml (edits apply without a restart)" in out


def test_serve_reloads_an_edited_scenario_and_refuses_a_broken_one(tmp_path: Path) -> None:
    scenario = tmp_path / "ui.yaml"
    scenario.write_text(VALID)
    port = _free_port()
    proc = _serve("--api", "kinetica", "--kinetica-port", str(port), "--frozen-clock", "--scenario",
                  str(scenario))
    try:
        _wait_for_port(port, proc)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            assert client.get("/_mock/scenario").json()["name"] == "dev-ui"
            scenario.write_text(EDITED)
            info = client.get("/_mock/scenario").json()
            assert info["name"] == "dev-ui-edited" and info["scenario"]["kinetica"]["segments"] == 5
            scenario.write_text(BROKEN)
            info = client.get("/_mock/scenario").json()
            assert info["name"] == "dev-ui-edited", "the old version stays in force"
            assert info["reload_error"]["file"] == str(scenario) and info["reload_error"]["line"] == 3
    finally:
        code, _out, err = _stop(proc)
    assert code == 0, err
    assert f"scenario reloaded from {scenario}" in err
    assert f"scenario change refused, the previous version stays in force: {scenario}:3:" in err
