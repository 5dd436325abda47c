"""Run and job ids that are never handed out twice within a process, reset or not.

A reproduce line names an id; if a reset let the mock hand that id out again, the line would point
at another run. So each kind of id draws from one process-wide `IdCounter` that no reset and no new
model restarts. Each API declares its counters (`ApiSpec.id_counters`, by name) and keeps their
formats its own; `scramble48` makes consecutive numbers not look consecutive (distinct stay distinct).

A state file (mockserver.durable) moves the counters of the APIs it serves: back to where they stood
for each logged operation while it restores the log, then past every id ever handed out. Meanwhile
another mock of the same APIs in the same process could draw an id the restore hands out again: start
a mock on a state file before others of its APIs in one process (the CLI runs one mock per process).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

__all__ = ["IdCounter", "positions", "scramble48", "seek"]

_MASK48 = (1 << 48) - 1


class IdCounter:
    """1, 2, 3, ... for the life of the process; thread-safe. A state file (mockserver.state) moves
    it: to restore the ids a previous process handed out, then past every id ever handed out."""

    def __init__(self) -> None:
        self._next = 1
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            value = self._next
            self._next += 1
            return value

    @property
    def position(self) -> int:
        """The number the next call hands out."""
        with self._lock:
            return self._next

    def seek(self, position: int) -> None:
        with self._lock:
            self._next = position


def scramble48(n: int) -> int:
    """A bijection of [0, 2**48): each step is one (multiplying by an odd number, x ^= x >> k)."""
    x = (n * 0x9E3779B97F4B) & _MASK48
    x ^= x >> 23
    x = (x * 0xC2B2AE3D27D5) & _MASK48
    x ^= x >> 19
    return x


def positions(counters: Mapping[str, IdCounter]) -> dict[str, int]:
    """Where each named counter stands. Read without the locks (an int read is atomic): this is on
    the path of every recorded request."""
    return {name: counter._next for name, counter in counters.items()}


def seek(counters: Mapping[str, IdCounter], wanted: Mapping[str, int], *, forward_only: bool = False) -> None:
    """Move the named counters to these positions (`forward_only`: never back, so no id is handed
    out twice in this process); names not in `counters` are left alone."""
    for name, position in wanted.items():
        counter = counters.get(name)
        if counter is not None and (not forward_only or position > counter.position):
            counter.seek(position)
