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
    """Until the server answers HTTP on `port`: its socket listens before its banner is printed and
    its SIGTERM handler set, so an accepted connection alone is not yet a started server."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"mockserver exited early with {proc.returncode}: {proc.stderr.read()}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/_mock/clock", timeout=1.0)  # any answer will do
            return
        except httpx.HTTPError:
            time.sleep(0.05)  # a separate process starting up: nothing to drive with the clock
    raise AssertionError(f"nothing answered on port {port} within {timeout}s")


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
    err = capsys.readouterr().err
    assert f"cannot listen for the Kinetica API on 127.0.0.1:{port}" in err
    assert "--kinetica-port" in err and err.count("\n") == 1


@pytest.mark.parametrize(("args", "reason"), [
    (["--auth-basic", "no-colon"], "USER:PASS"),
    (["--auth-bearer", "two words"], "Bearer token"),
    (["--scenario", "no-such-preset"], "no such scenario file or preset"),
    (["--misbehave", "NOPE-001"], "`mockserver misbehaviours` lists"),
    (["--misbehave", "KIN-SPS-07"], "did you mean KIN-SPS-007"),
    (["--vary", "LAT-KIN-ERROR-STATUS=7"], "--vary: LAT-KIN-ERROR-STATUS: no choice '7'; choices: 400, 200, 422"),
    (["--host", "192.0.2.1", "--kinetica-port", "0"], "--host"),
])
def test_bad_serve_options_exit_2_with_a_reason(capsys, args: list[str], reason: str) -> None:
    assert main(["serve", "--api", "kinetica", *args]) == 2
    assert reason in capsys.readouterr().err


@pytest.mark.parametrize(("args", "reason"), [
    (["serve", "--kinetica-port", "70000"], "argument --kinetica-port: 70000 is not a port number: ports go "
                                            "from 0 (any free port) to 65535"),
    (["serve", "--praisonai-port", "-1"], "argument --praisonai-port: -1 is not a port number"),
    (["serve", "--kinetica-port", "http"], "argument --kinetica-port: 'http' is not a port number"),
    (["serve", "--segments", "0"], "argument --segments: 0 is too small: at least 1"),
    (["serve", "--max-body-bytes", "-3"], "argument --max-body-bytes: -3 is too small"),
    (["serve", "--body-timeout", "nan"], "argument --body-timeout: nan is not a duration"),
    (["serve", "--header-timeout", "0"], "argument --header-timeout: 0 is not a duration"),
    (["serve", "--webhook-allow", "nonsense"], "argument --webhook-allow: 'nonsense' is not a network"),
    (["serve", "--api", "oracle"], "invalid choice: 'oracle' (choose from 'kinetica', 'praisonai', 'both')"),
    (["serve", "--log-level", "loud"], "(choose from 'critical', 'error', 'warning', 'info', 'debug', 'trace')"),
    (["frob"], "invalid choice: 'frob'"),
    ([], "required: COMMAND"),
])
def test_usage_mistakes_are_one_line_and_exit_2(capsys, args: list[str], reason: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert reason in err and err.count("\n") == 1 and "Traceback" not in err, err
    assert "--help)" in err  # where to read more


def test_every_option_has_a_description() -> None:
    from mockserver.cli import _parser

    def walk(parser):
        yield parser
        for action in parser._actions:
            for sub in getattr(action, "choices", None) or {}:
                if isinstance(action.choices, dict):
                    yield from walk(action.choices[sub])

    for parser in walk(_parser()):
        for action in parser._actions:
            if action.option_strings:
                assert action.help, f"{parser.prog} {action.option_strings} has no description"


def test_version(capsys) -> None:
    from mockserver.cli_parser import kit_version

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"mockserver {kit_version()}\n"


def test_presets_lists_every_preset_with_one_line(capsys) -> None:
    from mockserver.runtime import scenario_presets

    assert main(["presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    presets = scenario_presets()
    assert [line.split()[0] for line in lines] == list(presets)
    summary = dict(line.split(None, 1) for line in lines)
    # A preset's `description`, else the first sentence of its leading comment.
    assert summary["scenarios/segment_fails"] == "Kinetica runs where data segment 2 fails with a message."
    assert summary["kinetica/failing_segment"].startswith('Every run of a proc named "etl*" fails')


@pytest.mark.parametrize("command", [["presets"], ["misbehaviours"]])
def test_a_reader_that_goes_away_ends_the_listing_quietly(command: list[str]) -> None:
    # `mockserver presets | head -3`: once the reader is gone, no traceback on stderr.
    proc = subprocess.Popen([sys.executable, "-m", "mockserver", *command], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    error = proc.stderr.read()
    assert proc.wait(timeout=60) in (0, 1) and error == "", error


def test_misbehaviours_lists_what_misbehave_accepts(capsys) -> None:
    assert main(["misbehaviours"]) == 0
    listed = capsys.readouterr().out.split()
    assert "KIN-SPS-007" in listed and len(listed) > 20
    assert all(clause.startswith(("KIN-", "PRA-")) or clause for clause in listed)


def test_a_misbehaving_server_says_so_in_its_banner() -> None:
    port = _free_port()
    proc = _serve("--api", "kinetica", "--kinetica-port", str(port), "--misbehave", "KIN-SPS-007")
    try:
        _wait_for_port(port, proc)
    finally:
        _code, out, err = _stop(proc)
    assert "MISBEHAVING on purpose: breaks KIN-SPS-007" in out, (out, err)


def test_schemas_generate_mistakes_are_one_line(capsys, tmp_path) -> None:
    assert main(["schemas", "generate", "--docs", "/nonexistent", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err == ("mockserver: --docs /nonexistent: no kinetica/ or praisonai/ folder of doc pages there "
                   "(no such folder)\n")
    (tmp_path / "mine.txt").write_text("keep me")
    (tmp_path / "docs" / "kinetica").mkdir(parents=True)
    (tmp_path / "docs" / "praisonai").mkdir()
    assert main(["schemas", "generate", "--docs", str(tmp_path / "docs"), "--out", str(tmp_path)]) == 2
    assert "a folder with other files in it" in capsys.readouterr().err
    assert (tmp_path / "mine.txt").read_text() == "keep me"  # never removed as stale


def test_a_missing_gpudb_is_one_line_saying_how_to_install_it(capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "gpudb", None)  # import gpudb now raises ImportError
    (tmp_path / "docs" / "kinetica").mkdir(parents=True)
    (tmp_path / "docs" / "praisonai").mkdir()
    assert main(["schemas", "generate", "--docs", str(tmp_path / "docs"), "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err == ("mockserver: the schema generator reads Kinetica's client: "
                                       "pip install 'gpudb>=7.2.3,<7.3'\n")


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


def test_serve_closes_its_state_file_however_it_ends(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mockserver.state import StateFile

    state = tmp_path / "mock.sqlite"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--api", "kinetica", "--state", str(state), "--kinetica-port", str(port)]) == 2
    assert "--kinetica-port chooses another port" in capsys.readouterr().err
    with StateFile(state) as file:   # closed and unlocked: the next mock may open it
        assert file.meta("apis") == ["kinetica"]
