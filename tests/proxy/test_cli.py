"""`mockserver proxy` as a real subprocess in front of a mock broken in one clause: a log line as the
violation happens, /_mock/violations, the report and the exit status on SIGTERM; and its usage errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mockserver.cassette import read_cassette
from mockserver.cli import main
from mockserver.runtime import MockServer

REPO = Path(__file__).resolve().parents[2]
RUNS = "/api/v1/runs"


def _start(*args: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "mockserver", "proxy", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # printed once the socket is bound
    assert line.startswith("proxy (praisonai"), (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc, line.split(": ", 1)[1].split()[0]


@pytest.mark.parametrize("fail_on_violation", [True, False])
def test_the_proxy_reports_a_broken_clause_and_exits_1_when_asked(tmp_path: Path, fail_on_violation: bool) -> None:
    cassette, report = tmp_path / "run.jsonl", tmp_path / "report"
    with MockServer(apis=("praisonai",), frozen_clock=True, misbehave=["PRA-STA-014"]) as mock:
        flags = ["--fail-on-violation"] if fail_on_violation else []
        proc, url = _start("--api", "praisonai", "--target", mock.urls["praisonai"], "--record", str(cassette),
                           "--report", str(report), *flags)
        try:
            job_id = httpx.post(url + RUNS, json={"prompt": "x"}).json()["job_id"]
            mock.clock.advance(30)
            for _ in range(2):
                assert httpx.get(f"{url}{RUNS}/{job_id}").status_code == 200
            listed = httpx.get(url + "/_mock/violations").json()
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=20)
    assert "PRA-STA-014" in {v["clause"] for v in listed["violations"]} and listed["exchanges"] == 3
    assert proc.returncode == (1 if fail_on_violation else 0), err
    assert "violation 1 [" in err and "PRA-STA-014" in err and "Traceback" not in err
    verdicts = json.loads((report / "conformance.json").read_text())["clauses"]
    assert verdicts["PRA-STA-014"]["verdict"] == "failed" and verdicts["PRA-OAS-001"]["verdict"] == "passed"
    assert "PRA-STA-014" in (report / "conformance.md").read_text()
    assert len(read_cassette(cassette).exchanges) == 3


@pytest.mark.parametrize(("argv", "said"), [
    (["--api", "praisonai"], "required: --target"),
    (["--api", "other", "--target", "http://127.0.0.1:1"], "--api: invalid choice"),
    (["--api", "kinetica", "--target", "127.0.0.1:9191"], "expected an http:// or https:// URL"),
    (["--api", "kinetica", "--target", "http://127.0.0.1:1", "--port", "70000"], "--port"),
    (["--api", "kinetica", "--target", "http://127.0.0.1:1", "--profile", "x"], "--profile"),
])
def test_usage_mistakes_are_one_line_and_exit_2(argv: list[str], said: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["proxy", *argv])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and said in err and len(err.strip().splitlines()) == 1, err


def test_an_unwritable_cassette_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["proxy", "--api", "kinetica", "--target", "http://127.0.0.1:1",
                 "--record", str(tmp_path / "missing" / "run.jsonl")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("mockserver: --record:") and len(err.strip().splitlines()) == 1
