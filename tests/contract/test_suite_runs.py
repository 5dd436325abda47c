"""The suite run as users run it, in subprocesses: against the embedded mocks, against `mockserver
serve` by URL, against a mock that hides its control plane (a "live" target in real time), and the
user-facing fixtures under pytest-xdist."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contract_tests.clauses import clauses_for

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}


def run_suite(tmp_path: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "contract_tests.cli", "-q", "-p", "no:randomly", *args]
    return subprocess.run(command, cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=timeout)


def verdicts(report_dir: Path) -> dict[str, str]:
    data = json.loads((report_dir / "conformance.json").read_text())
    return {cid: c["verdict"] for cid, c in data["clauses"].items()}


def test_suite_passes_against_the_embedded_mocks_and_reports(tmp_path: Path) -> None:
    report = tmp_path / "report"
    done = run_suite(tmp_path, "--contract-report", str(report))
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    for name in ("junit.xml", "conformance.md", "conformance.html", "conformance.json"):
        assert (report / name).stat().st_size > 0, f"{name} missing"
    found = verdicts(report)
    expected = {c.id for api in ("kinetica", "praisonai") for c in clauses_for(api, "impl")}
    assert set(found) == expected
    assert not [c for c, v in found.items() if v in ("failed", "not covered")], found
    page = (report / "conformance.html").read_text()
    assert "<script" not in page and "src=" not in page and "stylesheet" not in page, "HTML must be self-contained"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served() -> Iterator[dict[str, str]]:
    """`mockserver serve` on free ports, both APIs."""
    ports = {"kinetica": _free_port(), "praisonai": _free_port()}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockserver",
            "serve",
            "--kinetica-port",
            str(ports["kinetica"]),
            "--praisonai-port",
            str(ports["praisonai"]),
            "--allow-loopback-webhooks",
        ],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    urls = {api: f"http://127.0.0.1:{port}" for api, port in ports.items()}
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if all(httpx.get(u + "/_mock/clock", timeout=1).status_code == 200 for u in urls.values()):
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "mockserver serve did not come up"
            time.sleep(0.1)  # a separate process starting: there is no clock to drive yet
        yield urls
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize("api", ["kinetica", "praisonai"])
def test_suite_passes_against_mockserver_serve_by_url(tmp_path: Path, served: dict[str, str], api: str) -> None:
    done = run_suite(tmp_path, "--contract-api", api, "--contract-base-url", served[api], "--contract-max-examples",
                     "10", "--contract-allow-control")
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
    # Allowed to drive the clock, the suite froze it; it hands it back running, as it found it.
    assert httpx.get(served[api] + "/_mock/clock").json()["frozen"] is False


def _kinetica(url: str, endpoint: str, body: dict[str, object]) -> dict[str, object]:
    answer = httpx.post(url + endpoint, json=body).json()
    assert answer["status"] == "OK", answer
    return dict(json.loads(answer["data_str"]))


def _users_state(urls: dict[str, str]) -> dict[str, object]:
    """What the other users of a shared mock see: procs, runs and jobs, and the clock's mode."""
    kinetica, praisonai = urls["kinetica"], urls["praisonai"]
    status = _kinetica(kinetica, "/show/proc/status", {"run_id": "", "options": {}})
    runs = httpx.get(praisonai + "/api/v1/runs", params={"page_size": 100}).json()
    return {
        "procs": sorted(_kinetica(kinetica, "/show/proc", {"proc_name": "", "options": {}})["proc_names"]),
        "kinetica_runs": status["overall_statuses"],
        "praisonai_runs": sorted((r["job_id"], r["status"]) for r in runs["jobs"]),
        "praisonai_total": runs["total"],
        "frozen": {api: httpx.get(url + "/_mock/clock").json()["frozen"] for api, url in urls.items()},
    }


def test_a_shared_mockserver_serve_keeps_its_users_state(tmp_path: Path, served: dict[str, str]) -> None:
    """Without --contract-allow-control a served mock is someone's live server: no reset, no clock move,
    only the suite's own objects touched and deleted afterwards."""
    kinetica, praisonai = served["kinetica"], served["praisonai"]
    _kinetica(kinetica, "/create/proc", {"proc_name": "users_etl", "execution_mode": "distributed", "files": {},
                                         "command": "python", "args": [], "options": {}})
    _kinetica(kinetica, "/execute/proc", {"proc_name": "users_etl", "params": {"hang": "true"}, "bin_params": {},
                                          "input_table_names": [], "input_column_names": {},
                                          "output_table_names": [], "options": {}})
    for config in ({"mock_hang": True}, {"mock_steps": 0}):
        assert httpx.post(praisonai + "/api/v1/runs", json={"prompt": "users", "config": config}).status_code == 202
    httpx.post(praisonai + "/_mock/clock/advance", json={"seconds": 1})  # the user's instant run has finished
    before = _users_state(served)
    assert before["frozen"] == {"kinetica": False, "praisonai": False} and before["procs"] == ["users_etl"]
    clock_before, wall_before = httpx.get(kinetica + "/_mock/clock").json()["now"], time.time()
    for api in ("kinetica", "praisonai"):
        done = run_suite(tmp_path, "--contract-api", api, "--contract-base-url", served[api],
                         "--contract-max-examples", "5", "--contract-timeout", "20", "-rs")
        assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
        assert "needs the mock's control plane (with --contract-allow-control" in done.stdout  # honest skips
    assert _users_state(served) == before
    moved = httpx.get(kinetica + "/_mock/clock").json()["now"] - clock_before
    assert abs(moved - (time.time() - wall_before)) < 5, f"the clock moved {moved:.0f} s during the suite"


HIDDEN_CONTROL = textwrap.dedent('''
    """A mock that hides its control plane and follows real time: what a live server looks like."""
    import sys
    from mockserver.runtime import Mock
    from mockserver.server import ServerThread

    api = sys.argv[1]
    mock = Mock(apis=(api,), allow_loopback_webhooks=True)
    inner = mock.asgi(api)

    async def app(scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith("/_mock"):
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await inner(scope, receive, send)

    server = ServerThread(app).start()
    print("URL", server.url, flush=True)
    sys.stdin.read()
''')


@pytest.mark.parametrize(
    ("api", "only"),
    [
        ("kinetica", ["KIN-KIL", "KIN-SPS-004", "KIN-SPS-015", "KIN-JOB-00"]),
        ("praisonai", ["PRA-CAN", "PRA-STA-014", "PRA-SSE-003", "PRA-LST-003"]),
    ],
)
def test_live_mode_polls_in_real_time_and_skips_what_it_cannot_do(tmp_path: Path, api: str, only: list[str]) -> None:
    script = tmp_path / "hidden.py"
    script.write_text(HIDDEN_CONTROL)
    proc = subprocess.Popen(
        [sys.executable, str(script), api], env=ENV, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("URL "), f"the hidden-control mock did not start: {line!r}"
        args = [
            "--contract-api",
            api,
            "--contract-base-url",
            line.split()[1],
            "--contract-timeout",
            "20",
            "-rs",
            "--contract-report",
            str(tmp_path / "report"),
        ]
        for prefix in only:
            args += ["--contract-only", prefix]
        done = run_suite(tmp_path, *args)
        assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
        found = verdicts(tmp_path / "report")
        assert "failed" not in found.values()
        if api == "kinetica":  # killing everything is refused on a live server, with the reason
            assert found["KIN-KIL-003"] in ("skipped", "passed")
            assert "destructive" in done.stdout
    finally:
        if proc.stdin:
            proc.stdin.close()
        proc.wait(10)


USER_TEST = textwrap.dedent('''
    """A user's own test: their code must report a failed Kinetica run with its message."""
    import json
    import httpx

    def run_and_report(base_url):  # the "user's code" under test
        post = lambda ep, body: json.loads(httpx.post(base_url + ep, json=body).json()["data_str"])
        post("/create/proc", {"proc_name": "etl", "execution_mode": "distributed", "files": {},
                              "command": "python", "args": [], "options": {}})
        run_id = post("/execute/proc", {"proc_name": "etl", "params": {"fail_segments": "0",
                      "fail_message": "disk full", "duration_ms": "1000"}, "bin_params": {},
                      "input_table_names": [], "input_column_names": {}, "output_table_names": [],
                      "options": {}})["run_id"]
        return lambda: post("/show/proc/status", {"run_id": run_id, "options": {}})

    def test_failed_run_is_reported(kinetica_mock):
        kinetica_mock.clock.freeze()
        status = run_and_report(kinetica_mock.url)
        assert status()["overall_statuses"] != {}
        kinetica_mock.clock.advance(60)
        final = status()
        run_id, overall = next(iter(final["overall_statuses"].items()))
        assert overall == "error" and "disk full" in json.dumps(final["messages"][run_id])

    def test_fresh_state_per_test(kinetica_mock):
        assert json.loads(httpx.post(kinetica_mock.url + "/has/proc", json={"proc_name": "etl",
                          "options": {}}).json()["data_str"])["proc_exists"] is False

    def test_praisonai_failure(praisonai_mock):
        praisonai_mock.clock.freeze()
        job = httpx.post(praisonai_mock.url + "/api/v1/runs", json={"prompt": "x", "config": {
            "mock_steps": 1, "mock_step_seconds": 5, "mock_fail": "quota exceeded"}}).json()
        praisonai_mock.clock.advance(30)
        status = httpx.get(f"{praisonai_mock.url}/api/v1/runs/{job['job_id']}").json()
        assert status["status"] == "failed" and "quota" in status["error"]
''')


def test_user_fixtures_give_fresh_mocks_under_xdist(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TEST)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "contract_tests.plugin",
        "-n",
        "2",
        "-p",
        "no:cacheprovider",
        "test_user.py",
        "test_user.py::test_fresh_state_per_test",
    ]
    done = subprocess.run(command, cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "3 passed" in done.stdout or "4 passed" in done.stdout, done.stdout[-2000:]
