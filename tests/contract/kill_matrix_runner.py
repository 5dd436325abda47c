"""Run the conformance suite against broken variants of the embedded mock, one clause at a time.

    python tests/contract/kill_matrix_runner.py --api kinetica --profile impl --out DIR [CLAUSE ...]

For each clause (default: every clause of the API and profile that has a breaker) the suite runs
in this process (pytest.main, so the heavy imports are paid once) with only the tests that check
that clause, against an embedded mock with that clause broken. DIR/<clause>/conformance.json is
the report; DIR/matrix.json sums up: the exit status and the clause's verdict per variant.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from contract_tests.clauses import clauses_for
from mockserver import registry
from tests.contract.matrix import run_suite_here


def breakable(api: str, profile: str) -> list[str]:
    available = set(registry.get(api).breakers().clauses)
    return [c.id for c in clauses_for(api, profile) if c.id in available]


def run_variant(api: str, profile: str, clause: str, out: Path) -> dict[str, object]:
    result = run_suite_here(api, profile, out / clause, "--contract-only", clause,
                            "--contract-mock-misbehave", clause, "--contract-no-shrink",
                            # advisory clauses too: a departure from one fails, so it shows as caught
                            "--contract-strict")
    return {"clause": clause, "exit": result["exit"], "verdict": result["verdicts"].get(clause, "missing"),
            "seconds": result["seconds"], "log": result["log"]}


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
