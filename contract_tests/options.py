"""The suite's command-line options, declared once for the pytest plugin and the `contract-tests` script.

Each option is one `Option`: its flag and the keyword arguments argparse and pytest's `addoption`
both understand (pytest's parser is argparse underneath), so the two front ends cannot drift apart.
Light (the standard library and `mockserver.apis`): the plugin imports this in every pytest run of an
environment that has the kit installed, and `contract-tests --help` must work without the
`[conformance]` extra.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockserver import apis

__all__ = ["DEFAULT_TIMEOUT", "OPTIONS", "PROFILES", "Option", "add_to_argparse", "to_argv"]

PROFILES = ("impl", "docs")
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Option:
    flag: str
    help: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")

    @property
    def action(self) -> str:
        return str(self.kwargs.get("action", "store"))

    @property
    def default(self) -> Any:
        if "default" in self.kwargs:
            return self.kwargs["default"]
        return [] if self.action == "append" else False if self.action == "store_true" else None


OPTIONS: tuple[Option, ...] = (
    # Checked against every API (other distributions' too) by the preflight, not here: reading their
    # metadata would cost every pytest run of an environment with the kit.
    Option("--contract-api", f"which API to check: {' or '.join(apis.builtin_names())} or another registered "
           "one (default: every API, against the embedded mocks; required with --contract-base-url)",
           {"default": None, "metavar": "API"}),
    Option("--contract-base-url", "URL of the server under test (http:// or https://); without it the "
           "embedded mock is started and tested", {"default": None, "metavar": "URL"}),
    Option("--contract-profile", "PraisonAI: hold the target to praisonai 4.7.19's behaviour (impl) or to "
           "the doc pages (docs); default impl", {"choices": PROFILES, "default": "impl"}),
    Option("--contract-header", "header sent with every request, 'Name: value' (repeatable), e.g. "
           "credentials", {"action": "append", "default": [], "metavar": "'Name: value'"}),
    Option("--contract-timeout", f"live targets: seconds to wait for a run to reach a state (default "
           f"{DEFAULT_TIMEOUT:g})", {"type": float, "default": DEFAULT_TIMEOUT, "metavar": "SECONDS"}),
    Option("--contract-report", "write junit.xml and conformance.md, .html and .json to DIR",
           {"default": None, "metavar": "DIR"}),
    Option("--contract-only", "run only the tests of clauses whose id starts with PREFIX (repeatable)",
           {"action": "append", "default": [], "metavar": "PREFIX"}),
    Option("--contract-strict", "fail on advisories too (statements the pages do not make an obligation), "
           "not only on clauses", {"action": "store_true", "default": False}),
    Option("--contract-allow-control", "let the suite reset the target and move its clock through the "
           "mock's /_mock control plane when it has one; without it a target given by URL is treated as "
           "live: real time, and only objects the suite created are touched",
           {"action": "store_true", "default": False}),
    Option("--contract-mock-misbehave", "embedded mock only: break this clause on purpose (the suite's "
           "self-test; repeatable)", {"action": "append", "default": [], "metavar": "CLAUSE"}),
    Option("--contract-mock-vary", "embedded mock only: make a choice the contract leaves open differently, "
           "e.g. LAT-KIN-ERROR-STATUS=200 (the variation matrix; repeatable)",
           {"action": "append", "default": [], "metavar": "LATITUDE=CHOICE"}),
    Option("--contract-max-examples", "Hypothesis examples per property (default: tuned so the suite "
           "stays under 3 minutes)", {"type": int, "default": None, "metavar": "N"}),
    Option("--contract-no-shrink", "report the first counterexample Hypothesis finds instead of "
           "shrinking it", {"action": "store_true", "default": False}),
)


def add_to_argparse(parser: argparse.ArgumentParser | argparse._ArgumentGroup,
                    options: Iterable[Option] = OPTIONS) -> None:
    for option in options:
        parser.add_argument(option.flag, help=option.help, **option.kwargs)


def to_argv(values: argparse.Namespace, options: Sequence[Option] = OPTIONS) -> list[str]:
    """The command-line form of the options whose value differs from the default."""
    argv: list[str] = []
    for option in options:
        value = getattr(values, option.dest, option.default)
        if value == option.default:
            continue
        if option.action == "store_true":
            argv.append(option.flag)
        elif option.action == "append":
            for item in value:
                argv += [option.flag, str(item)]
        else:
            argv += [option.flag, str(value)]
    return argv
