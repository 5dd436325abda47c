"""Pinning a failed check on the clauses it is about.

A test usually checks several clauses. When one assertion fails, only the clauses that assertion is
about were shown broken; the test's other clauses were simply not reached. `checking(ids)` tags an
assertion failure inside the block with those ids, and the plugin credits the failure to them alone
(a failure without a tag counts against every clause of the test).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class ClauseViolation(AssertionError):
    def __init__(self, clauses: tuple[str, ...], message: str) -> None:
        super().__init__(f"[{', '.join(clauses)}] {message}")
        self.clauses = clauses


@contextmanager
def checking(*clauses: str) -> Iterator[None]:
    try:
        yield
    except ClauseViolation:
        raise
    except AssertionError as exc:
        raise ClauseViolation(clauses, str(exc)) from exc


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
