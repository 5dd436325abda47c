"""Pinning a failed check on the clauses it is about, and advisories.

A test usually checks several clauses. When one assertion fails, only the clauses that assertion is
about were shown broken; the test's other clauses were simply not reached. `checking(ids)` tags an
assertion failure inside the block with those ids, and the plugin credits the failure to them alone
(a failure without a tag counts against every clause of the test). When a test's failure is pinned on
a clause the test does not itself check (a precondition, such as "a submitted run can be read back"),
the test's own clauses are reported "blocked by" that clause rather than failed: one fault, one
failed clause.

An *advisory* clause is something the pages show without making it an obligation (an example's
wording, refusing values no page lists). `advise(clause, ok, message)` records a departure from it
with its evidence and lets the test go on; `--contract-strict` turns advisories into failures.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Advice", "ClauseViolation", "advise", "checking", "precondition", "take_advice", "violated_clauses"]


class ClauseViolation(AssertionError):
    def __init__(self, clauses: tuple[str, ...], message: str, *, precondition: bool = False) -> None:
        super().__init__(f"[{', '.join(clauses)}] {message}")
        self.clauses = clauses
        self.precondition = precondition
        self.message = message


@contextmanager
def checking(*clauses: str) -> Iterator[None]:
    """Pin a failed assertion inside on `clauses`. A more specific pin inside stands, but for a
    helper's precondition: a test that checks that very call says what it is about."""
    try:
        yield
    except ClauseViolation as violation:
        if violation.precondition:
            raise ClauseViolation(clauses, violation.message) from violation
        raise
    except AssertionError as exc:
        raise ClauseViolation(clauses, str(exc)) from exc


@contextmanager
def precondition(*clauses: str) -> Iterator[None]:
    """Like `checking`, for what a helper needs to be true (a submit answers, a run can be read):
    a test that fails there is blocked by that clause, unless it is checking that call itself."""
    try:
        yield
    except ClauseViolation:
        raise
    except AssertionError as exc:
        raise ClauseViolation(clauses, str(exc), precondition=True) from exc


def violated_clauses(exc: BaseException | None) -> set[str] | None:
    """The clause ids a failure was pinned on, or None when (some part of) it was not pinned."""
    if isinstance(exc, ClauseViolation):
        return set(exc.clauses)
    if isinstance(exc, BaseExceptionGroup):
        found: set[str] = set()
        for sub in exc.exceptions:
            ids = violated_clauses(sub)
            if ids is None:
                return None
            found |= ids
        return found
    return None


# -- advisories -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Advice:
    clause: str
    message: str


STRICT = {"on": False}  # set by the plugin from --contract-strict
_noted: list[Advice] = []  # the current test's departures (one test runs at a time per process)


def advise(clause: str, ok: bool, message: str) -> None:
    """A departure from an advisory clause: noted (strict: failed) when not `ok`."""
    if ok:
        return
    if STRICT["on"]:
        raise ClauseViolation((clause,), message)
    if not any(a.clause == clause for a in _noted):  # the first piece of evidence is enough
        _noted.append(Advice(clause, message))


def take_advice() -> list[Advice]:
    """The departures noted since the last call (the plugin takes them after each test)."""
    taken = list(_noted)
    _noted.clear()
    return taken
