"""`contract-tests`: run the conformance suite (pytest --pyargs contract_tests) with the same options.

    contract-tests --contract-api kinetica --contract-base-url http://host:9191 --contract-report out/

The options are contract_tests.options, the plugin's own declarations; options this command does not
know are handed to pytest unchanged (e.g. `-x`, `-n 2`, `-k name`). `--help` and `--version` work
with the base install; running the suite needs the `[conformance]` extra, and says so when missing.
"""

from __future__ import annotations

import argparse
import sys

from contract_tests.options import OPTIONS, add_to_argparse, to_argv
from contract_tests.preflight import PreflightError, check_options, check_suite_installed, check_target
from mockserver.cli_parser import Parser, kit_version, quiet_on_broken_pipe


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="contract-tests",
        # No abbreviations: pytest's own options pass through whole (`--co` is pytest's, not a
        # prefix of --contract-*).
        allow_abbrev=False,
        description="Check a Kinetica procs/jobs or PraisonAI async-runs server against its contract. "
                    "Without --contract-base-url the embedded mock of each API is tested.",
        epilog="Any other option goes to pytest unchanged (e.g. -x, -k NAME, -n 2, -q). Exit codes: 0 "
               "every clause kept, 1 a clause broken, 2 the run could not start (bad option, target "
               "unreachable or speaking another API, missing [conformance] extra).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {kit_version()}",
                        help="print the version of asyncjobs-contract-kit and exit")
    add_to_argparse(parser.add_argument_group("conformance suite"), OPTIONS)
    return parser


def pytest_args(args: argparse.Namespace, passthrough: list[str]) -> list[str]:
    out = ["--pyargs", "contract_tests", "-p", "contract_tests.plugin",
           # The user's own pytest configuration must not change what the suite collects.
           "-o", "python_files=test_*.py", "-o", "python_functions=test_*", "-o", "python_classes=Test*",
           "-p", "no:cacheprovider"]
    return out + to_argv(args) + passthrough


def main(argv: list[str] | None = None) -> int:
    return quiet_on_broken_pipe(lambda: run(argv))


def run(argv: list[str] | None) -> int:
    parser = build_parser()
    args, passthrough = parser.parse_known_args(argv)
    if args.contract_base_url and not args.contract_api:
        parser.error("--contract-base-url needs --contract-api kinetica|praisonai")
    try:
        check_suite_installed()
        # The plugin checks again (for `pytest --pyargs contract_tests`); here it is done before
        # pytest and its plugins load, so a bad target is told at once.
        headers = check_options(args.contract_api, args.contract_base_url, args.contract_header)
        if args.contract_base_url:
            check_target(args.contract_api, args.contract_base_url, headers)
    except PreflightError as exc:
        sys.stderr.write(f"{parser.prog}: {exc}\n")
        return 2
    import pytest

    return int(pytest.main(pytest_args(args, passthrough)))


if __name__ == "__main__":
    sys.exit(main())
