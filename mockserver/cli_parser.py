"""What both command lines (`mockserver`, `contract-tests`) share: a usage mistake said in one line,
and the kit's version."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import NoReturn

__all__ = ["DISTRIBUTION", "Parser", "kit_version", "network", "port_number", "positive_int",
           "positive_seconds", "quiet_on_broken_pipe"]

DISTRIBUTION = "asyncjobs-contract-kit"


class Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake said in one line on stderr (exit code 2, as argparse does).

    Subcommands' parsers are of this class too (argparse makes them of the parent's class)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def quiet_on_broken_pipe(command: Callable[[], int]) -> int:
    """`command()`'s exit code, or 1 when whoever reads stdout went away (`mockserver presets | head`):
    nothing more can be said there, and a traceback would only hide the output that did arrive."""
    try:
        return command()
    except BrokenPipeError:
        # Whatever is still buffered (the interpreter flushes stdout at exit) goes nowhere, quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def kit_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # a checkout on PYTHONPATH, not installed
        return "unknown (not installed)"


def port_number(text: str) -> int:
    """An argparse `type`: a TCP port, 0 (any free port) to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number: ports go from 0 (any free port) "
                                         "to 65535")
    return port


def positive_int(text: str) -> int:
    """An argparse `type`: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too small: at least 1")
    return value


def positive_seconds(text: str) -> float:
    """An argparse `type`: a duration in seconds, more than 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value < float("inf"):  # also NaN
        raise argparse.ArgumentTypeError(f"{text} is not a duration: more than 0 seconds")
    return value


def network(text: str) -> str:
    """An argparse `type`: an IP network in CIDR form (`10.0.0.0/8`), or one address."""
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a network (CIDR, e.g. 10.0.0.0/8)") from None
    return text
