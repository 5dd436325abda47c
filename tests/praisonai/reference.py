"""The real praisonai 4.7.19 jobs app, with the test-double executor, as a subprocess on 127.0.0.1.

The interpreter is $PRAISONAI_REFERENCE_PYTHON, or the venv `.ci/reference-praisonai` makes under
.reference/. Without it the tests that need the reference skip (and fail in CI, which installs it).
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.conftest import REPO, require_in_ci

REFERENCE_PYTHON = os.environ.get("PRAISONAI_REFERENCE_PYTHON",
                                  str(REPO / ".reference" / "praisonai-4.7.19" / "bin" / "python"))
DOUBLE = Path(__file__).with_name("reference_double.py")


def unavailable() -> str | None:
    """Why the reference cannot run here, or None."""
    if not Path(REFERENCE_PYTHON).exists():
        return f"no reference interpreter at {REFERENCE_PYTHON} (run .ci/reference-praisonai)"
    probe = subprocess.run(
        [REFERENCE_PYTHON, "-c", "import importlib.metadata as m, praisonai.jobs.server, "
         "praisonai.framework_adapters.registry; print(m.version('praisonai'))"],
        capture_output=True, text=True, timeout=120)
    if probe.returncode != 0:
        return f"praisonai jobs app not importable there: {probe.stderr.strip().splitlines()[-1:]}"
    if probe.stdout.strip() != "4.7.19":
        return f"reference is praisonai {probe.stdout.strip()}, not 4.7.19"
    return None


@contextlib.contextmanager
def reference_server(cwd: Path, *args: str, warm_up: bool = False) -> Iterator[str]:
    """Start the reference app (stopped by its PID afterwards); yields its base URL.

    `warm_up`: submit one run and wait for it first: the app's first requests can fail while its
    modules import lazily, which is not what a conformance run is about."""
    reason = unavailable()
    if reason:
        require_in_ci(reason)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRAISONAI_JOBS") and k != "ENVIRONMENT"}
    proc = subprocess.Popen([REFERENCE_PYTHON, str(DOUBLE), *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or ()], daemon=True).start()
        line = lines.get(timeout=120)
        assert line.startswith("PORT "), line
        url = f"http://127.0.0.1:{int(line.split()[1])}"
        if warm_up:
            _warm_up(url)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _warm_up(url: str) -> None:
    for _ in range(20):
        try:
            job = httpx.post(f"{url}/api/v1/runs", json={"prompt": "warm-up", "config": {"mock_steps": 0}},
                             timeout=30)
            if job.status_code == 202:
                # The reference runs in real time: its own SSE stream says when the run is over.
                with httpx.stream("GET", f"{url}/api/v1/runs/{job.json()['job_id']}/stream", timeout=30) as s:
                    for _ in s.iter_lines():
                        pass
                return
        except httpx.HTTPError:
            pass
    raise AssertionError(f"the reference app at {url} never accepted a run")
