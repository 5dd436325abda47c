"""What the kill matrix and the variation matrix share: running the suite in this process.

`pytest.main` in one process pays the heavy imports once; each run gets its own report directory,
whose conformance.json gives the per-clause verdicts.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from contract_tests.clauses import BOTH, CLAUSES
from mockserver import registry

REPO = Path(__file__).resolve().parents[2]


def variants() -> dict[str, tuple[str, str]]:
    """One runner subprocess per API and per profile its clauses tell apart, in parallel."""
    found = {}
    for api in registry.names():
        profiles = sorted({p for c in CLAUSES if c.api == api and c.profiles != BOTH for p in c.profiles}) or ["impl"]
        found.update({f"{api}-{profile}": (api, profile) for profile in profiles})
    return found


VARIANTS = variants()


def run_suite_here(api: str, profile: str, report: Path, *extra: str) -> dict[str, Any]:
    """The suite against an embedded mock of `api`: exit status, verdicts by clause, seconds, log tail."""
    args = [
        "-p", "contract_tests.plugin", "--pyargs", "contract_tests", "-q", "-p", "no:cacheprovider",
        "-o", "python_files=test_*.py",
        "--contract-api", api, "--contract-profile", profile, "--contract-report", str(report),
        # Plain Python tracebacks: after many pytest.main() runs in one process, CPython 3.11 has
        # been seen to fail compiling source for pytest's own traceback display ("AST constructor
        # recursion depth mismatch"), which ends the run with an internal error.
        "--tb=native",
        *extra,
    ]
    started = time.monotonic()
    with contextlib.redirect_stdout(io.StringIO()) as log:
        status = int(pytest.main(args))
        if status == pytest.ExitCode.INTERNAL_ERROR:
            # An internal error says nothing about the target either way: run again, and let the
            # second run's verdict stand.
            status = int(pytest.main(args))
    data_file = report / "conformance.json"
    clauses = json.loads(data_file.read_text())["clauses"] if data_file.exists() else {}
    return {"exit": status, "verdicts": {cid: c.get("verdict", "missing") for cid, c in clauses.items()},
            "seconds": round(time.monotonic() - started, 2), "log": log.getvalue()[-3000:]}


def run_matrix(runner: Path, out: Path, key: str) -> dict[str, dict[str, dict[str, Any]]]:
    """Every variant's runner at once; its matrix.json rows by `key`, per variant."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    procs = {name: subprocess.Popen([sys.executable, str(runner), "--api", api, "--profile", profile,
                                     "--out", str(out / name)], env=env, cwd=str(out),
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for name, (api, profile) in VARIANTS.items()}
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for name, proc in procs.items():
        log, _ = proc.communicate(timeout=1200)
        assert proc.returncode == 0, f"the {name} matrix did not run:\n{log[-4000:]}"
        results[name] = {r[key]: r for r in json.loads((out / name / "matrix.json").read_text())}
    return results
