"""`mockserver serve` as a real subprocess, and the argument handling of `main`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import mockserver.spec.generate
from mockserver.cli import main

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"mockserver exited early with {proc.returncode}: {proc.stderr.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)  # a separate process starting up: nothing to drive with the clock
    raise AssertionError(f"nothing listened on port {port} within {timeout}s")


def _serve(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen([sys.executable, "-m", "mockserver", "serve", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _stop(proc: subprocess.Popen) -> tuple[int, str, str]:
    os.kill(proc.pid, signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"mockserver did not stop on SIGTERM: {err}") from None
    return proc.returncode, out, err


def test_serve_kinetica_answers_the_gpudb_wire_and_the_control_plane() -> None:
    port = _free_port()
    proc = _serve("--api", "kinetica", "--kinetica-port", str(port), "--frozen-clock",
                  "--scenario", "kinetica/failing_segment", "--segments", "3", "--auth-bearer", "tok")
    try:
        _wait_for_port(port, proc)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=5) as client:
            assert client.post("/has/proc", json={"proc_name": "p", "options": {}}).status_code == 401
            answer = client.post("/has/proc", json={"proc_name": "p", "options": {}},
                                 headers={"authorization": "Bearer tok"})
            assert answer.status_code == 200 and answer.json()["status"] == "OK"
            assert client.get("/_mock/state").status_code == 401  # the control plane too
            state = client.get("/_mock/state", headers={"authorization": "Bearer tok"}).json()
            assert state["clock"]["frozen"] is True
            assert state["scenario"]["name"] == "kinetica-failing-segment"
            assert state["scenario"]["scenario"]["kinetica"]["segments"] == 3
    finally:
        code, out, err = _stop(proc)
    assert code == 0, err
    assert f"kinetica: {base}  (control plane: {base}/_mock/)" in out


def test_serve_door_options_body_limit_and_allowed_host() -> None:
    port = _free_port()
    proc = _serve("--api", "praisonai", "--praisonai-port", str(port), "--max-body-bytes", "64",
                  "--allowed-host", "mock.example", "--body-timeout", "5", "--header-timeout", "5")
    try:
        _wait_for_port(port, proc)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            too_big = client.post("/api/v1/runs", json={"prompt": "x" * 100})
            assert too_big.status_code == 413 and "detail" in too_big.json()
            assert client.get("/health", headers={"host": "mock.example"}).status_code == 200
            assert client.get("/health", headers={"host": "other.example"}).status_code == 403
    finally:
        code, _, err = _stop(proc)
    assert code == 0, err


def test_serve_both_apis_prints_both_urls() -> None:
    kinetica_port, praisonai_port = _free_port(), _free_port()
    proc = _serve("--kinetica-port", str(kinetica_port), "--praisonai-port", str(praisonai_port))
    try:
        _wait_for_port(kinetica_port, proc)
        _wait_for_port(praisonai_port, proc)
        with httpx.Client(timeout=5) as client:
            assert client.get(f"http://127.0.0.1:{praisonai_port}/health").status_code == 200
            clock = client.get(f"http://127.0.0.1:{praisonai_port}/_mock/clock").json()
            assert clock["frozen"] is False
    finally:
        code, out, err = _stop(proc)
    assert code == 0, err
    assert f"kinetica: http://127.0.0.1:{kinetica_port}" in out
    assert f"praisonai: http://127.0.0.1:{praisonai_port}" in out


def test_a_port_in_use_is_a_clear_error(capsys) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--api", "kinetica", "--kinetica-port", str(port)]) == 2
    assert "cannot bind" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "reason"), [
    (["--auth-basic", "no-colon"], "USER:PASS"),
    (["--auth-bearer", "two words"], "Bearer token"),
    (["--scenario", "no-such-preset"], "no such scenario file or preset"),
    (["--segments", "0"], "--segments must be at least 1"),
])
def test_bad_serve_options_exit_2_with_a_reason(capsys, args: list[str], reason: str) -> None:
    assert main(["serve", "--api", "kinetica", *args]) == 2
    assert reason in capsys.readouterr().err


def test_argparse_rejects_unknown_choices(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--api", "oracle"])
    assert exited.value.code == 2
    with pytest.raises(SystemExit):
        main(["serve", "--profile", "vibes"])
    with pytest.raises(SystemExit):
        main([])


def test_schemas_generate_calls_the_generator(monkeypatch, tmp_path) -> None:
    calls: list[tuple[Path, Path]] = []
    monkeypatch.setattr(mockserver.spec.generate, "generate",
                        lambda docs, out: calls.append((docs, out)) or [])
    assert main(["schemas", "generate", "--docs", str(tmp_path / "d"), "--out", str(tmp_path / "o")]) == 0
    assert calls == [(tmp_path / "d", tmp_path / "o")]
