"""Run the whole conformance suite against the embedded mock under each latitude choice.

    python tests/contract/variation_matrix_runner.py --api kinetica --profile impl --out DIR [ID=CHOICE ...]

For each non-default choice of each latitude of the API (default: all of them), and once more with
every latitude on a non-default choice at once ("all"), the suite runs in this process against an
embedded mock making that choice. Every run must pass: a failure is the suite asserting something
the contract leaves open. A few runs break one clause instead ("broken:CLAUSE"): one fault must
fail one clause, not a page of them. DIR/matrix.json sums up the exit status and the failed clauses.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from contract_tests.latitudes import BY_ID as CATALOG
from mockserver.runtime import latitudes
from mockserver.vary import Latitude
from tests.contract.matrix import run_suite_here

ALL = "all"
BROKEN = "broken:"
# A few single-clause breaks, run against the whole suite: the report must fail that clause only.
PRECISION = {"kinetica": ("KIN-KIL-001", "KIN-SPS-002"), "praisonai": ("PRA-STA-009", "PRA-SUB-002")}
# What else really fails with it: KIN-KIL-001's breaker empties run_ids of every kill by run_id, which
# includes the run_id + matching run_tag kill that KIN-KIL-004 is about; a submit answer that says
# `succeeded` (PRA-SUB-002) followed by a status that says `running` is a status going back (PRA-STA-014).
FOLLOWS = {"KIN-KIL-001": ["KIN-KIL-004"], "PRA-SUB-002": ["PRA-STA-014"]}


def _open(api: str, profile: str) -> list[Latitude]:
    """The latitudes the mock can vary that the profile leaves open (some are the reference's clauses)."""
    return [lat for lat in latitudes() if lat.api == api and profile in CATALOG[lat.id].profiles]


def choices(api: str, profile: str) -> list[str]:
    return [f"{lat.id}={choice}" for lat in _open(api, profile) for choice in lat.choices[1:]]


def together(api: str, profile: str) -> list[str]:
    """Every latitude of the API on its first non-default choice, at once."""
    return [f"{lat.id}={lat.choices[1]}" for lat in _open(api, profile)]


def precision(api: str, profile: str) -> list[str]:
    return [BROKEN + clause for clause in PRECISION[api] if profile == "impl"]


def run_variant(api: str, profile: str, name: str, picked: list[str], out: Path) -> dict[str, object]:
    shrink: list[str] = []
    if name.startswith(BROKEN):  # one clause broken: the whole suite must fail that clause alone
        switches = ["--contract-mock-misbehave", name[len(BROKEN):]]
        # Which clauses fail is settled by the first failing example; shrinking a state machine's
        # failure to its smallest form took two minutes of the run and names the same clauses.
        shrink = ["--contract-no-shrink"]
    else:
        switches = [arg for choice in picked for arg in ("--contract-mock-vary", choice)]
    # Fewer Hypothesis examples than a user's run: a latitude shows in every answer it touches, and
    # the matrix runs the whole suite some forty times.
    result = run_suite_here(api, profile, out / name.replace("=", "_"), *switches, "--contract-max-examples", "6",
                            *shrink)
    failed = sorted(c for c, v in result["verdicts"].items() if v == "failed")
    return {"variant": name, "exit": result["exit"], "failed": failed, "seconds": result["seconds"],
            "log": result["log"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True, choices=("kinetica", "praisonai"))
    parser.add_argument("--profile", default="impl", choices=("impl", "docs"))
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("variants", nargs="*",
                        help=f"ID=CHOICE, {ALL}, or {BROKEN}CLAUSE (default: every choice, {ALL}, and the "
                             "precision checks)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    wanted = args.variants or [*choices(args.api, args.profile), ALL, *precision(args.api, args.profile)]
    results = [run_variant(args.api, args.profile, name,
                           together(args.api, args.profile) if name == ALL else [name], args.out)
               for name in wanted]
    (args.out / "matrix.json").write_text(json.dumps(results, indent=1))
    for r in results:
        print(f"{r['variant']:32} exit={r['exit']} failed={','.join(r['failed']) or '-'} {r['seconds']}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
