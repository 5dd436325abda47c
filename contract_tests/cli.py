"""`contract-tests`: run the conformance suite (pytest --pyargs contract_tests) with the same options.

    contract-tests --contract-api kinetica --contract-base-url http://host:9191 --contract-report out/

Options this command does not know are handed to pytest unchanged (e.g. `-x`, `-n 2`, `-k name`).
"""

from __future__ import annotations

import argparse
import sys

import pytest

from mockserver import registry


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="contract-tests",
        description="Check a Kinetica procs/jobs or PraisonAI async-runs server against its contract. "
                    "Without --contract-base-url the embedded mock is tested.")
    parser.add_argument("--contract-api", choices=registry.names())
    parser.add_argument("--contract-base-url")
    parser.add_argument("--contract-profile", choices=("impl", "docs"), default="impl")
    parser.add_argument("--contract-header", action="append", default=[], metavar="'Name: value'")
    parser.add_argument("--contract-timeout", type=float)
    parser.add_argument("--contract-report", metavar="DIR")
    parser.add_argument("--contract-only", action="append", default=[], metavar="PREFIX")
    parser.add_argument("--contract-max-examples", type=int)
    parser.add_argument("--contract-no-shrink", action="store_true")
    return parser


def pytest_args(args: argparse.Namespace, passthrough: list[str]) -> list[str]:
    out = ["--pyargs", "contract_tests", "-p", "contract_tests.plugin",
           # The user's own pytest configuration must not change what the suite collects.
           "-o", "python_files=test_*.py", "-o", "python_functions=test_*", "-o", "python_classes=Test*",
           "-p", "no:cacheprovider"]
    for name in ("contract_api", "contract_base_url", "contract_profile", "contract_timeout",
                 "contract_report", "contract_max_examples"):
        value = getattr(args, name)
        if value is not None:
            out += ["--" + name.replace("_", "-"), str(value)]
    if args.contract_no_shrink:
        out.append("--contract-no-shrink")
    for header in args.contract_header:
        out += ["--contract-header", header]
    for prefix in args.contract_only:
        out += ["--contract-only", prefix]
    return out + passthrough


def main(argv: list[str] | None = None) -> int:
    args, passthrough = build_parser().parse_known_args(argv)
    if args.contract_base_url and not args.contract_api:
        build_parser().error("--contract-base-url needs --contract-api")
    return int(pytest.main(pytest_args(args, passthrough)))


if __name__ == "__main__":
    sys.exit(main())
