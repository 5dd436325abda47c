"""Run the conformance suite against broken variants of the embedded mock, one clause at a time.

    python tests/contract/kill_matrix_runner.py --api kinetica --profile impl --out DIR [CLAUSE ...]

For each clause (default: every clause of the API and profile that has a breaker) the suite runs
in this process (pytest.main, so the heavy imports are paid once) with only the tests that check
that clause, against an embedded mock with that clause broken. DIR/<clause>/conformance.json is
the report; DIR/matrix.json sums up: the exit status and the clause's verdict per variant.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
from pathlib import Path

import pytest

from contract_tests.clauses import clauses_for
from mockserver import registry


def breakable(api: str, profile: str) -> list[str]:
    available = set(registry.get(api).breakers().clauses)
    return [c.id for c in clauses_for(api, profile) if c.id in available]


def run_variant(api: str, profile: str, clause: str, out: Path) -> dict[str, object]:
    report = out / clause
    args = [
        "-p",
        "contract_tests.plugin",
        "--pyargs",
        "contract_tests",
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "python_files=test_*.py",
        "--contract-api",
        api,
        "--contract-profile",
        profile,
        "--contract-only",
        clause,
        "--contract-mock-misbehave",
        clause,
        "--contract-report",
        str(report),
        "--contract-no-shrink",
        # Plain Python tracebacks: after many pytest.main() runs in one process, CPython 3.11 has
        # been seen to fail compiling source for pytest's own traceback display ("AST constructor
        # recursion depth mismatch"), which ends the run with an internal error.
        "--tb=native",
    ]
    started = time.monotonic()
    with contextlib.redirect_stdout(io.StringIO()) as log:
        status = int(pytest.main(args))
        if status == pytest.ExitCode.INTERNAL_ERROR:
            # An internal error says nothing about the clause either way: run the variant again,
            # and let the second run's verdict stand.
            status = int(pytest.main(args))
    seconds = round(time.monotonic() - started, 2)
    verdict = "missing"
    data_file = report / "conformance.json"
    if data_file.exists():
        verdict = json.loads(data_file.read_text())["clauses"].get(clause, {}).get("verdict", "missing")
    return {"clause": clause, "exit": status, "verdict": verdict, "seconds": seconds, "log": log.getvalue()[-3000:]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True, choices=registry.names())
    parser.add_argument("--profile", default="impl", choices=("impl", "docs"))
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("clauses", nargs="*")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    results = [
        run_variant(args.api, args.profile, c, args.out) for c in args.clauses or breakable(args.api, args.profile)
    ]
    (args.out / "matrix.json").write_text(json.dumps(results, indent=1))
    for r in results:
        print(f"{r['clause']:14} exit={r['exit']} verdict={r['verdict']} {r['seconds']}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
