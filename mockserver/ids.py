"""Run and job ids that are never handed out twice within a process, reset or not.

A reproduce line names an id; if a reset let the mock hand that id out again, the line would point
at another run. So each kind of id draws from one process-wide counter that no reset and no new
model restarts. Formats stay the APIs' own: Kinetica run ids and job ids are decimal numbers,
PraisonAI job ids `run_` + 12 hex digits (praisonai/jobs/models.py:184), scrambled by a bijection
of 48-bit numbers so consecutive ids do not look consecutive (and distinct counts stay distinct).
"""

from __future__ import annotations

import threading
import uuid

__all__ = ["COUNTERS", "KINETICA_JOB_IDS", "KINETICA_RUN_IDS", "PRAISONAI_JOB_IDS", "IdCounter", "positions",
           "praisonai_job_id", "seek"]

_MASK48 = (1 << 48) - 1


class IdCounter:
    """1, 2, 3, ... for the life of the process; thread-safe. A state file (mockserver.state) moves
    it: to replay the ids a previous process handed out, then past every id ever handed out."""

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


def _scramble48(n: int) -> int:
    # Each step is a bijection of [0, 2**48): multiplying by an odd number, and x ^= x >> k.
    x = (n * 0x9E3779B97F4B) & _MASK48
    x ^= x >> 23
    x = (x * 0xC2B2AE3D27D5) & _MASK48
    x ^= x >> 19
    return x


KINETICA_RUN_IDS = IdCounter()
KINETICA_JOB_IDS = IdCounter()
PRAISONAI_JOB_IDS = IdCounter()
# By name, for the state file: where each counter stood before an operation is part of its record.
COUNTERS = {"kinetica.run": KINETICA_RUN_IDS, "kinetica.job": KINETICA_JOB_IDS, "praisonai.job": PRAISONAI_JOB_IDS}


def positions() -> dict[str, int]:
    # Read without the locks (an int read is atomic): this is on the path of every recorded port.
    return {name: counter._next for name, counter in COUNTERS.items()}


def seek(wanted: dict[str, int], *, forward_only: bool = False) -> None:
    """Move the named counters to these positions (`forward_only`: never back, so no id is handed
    out twice in this process)."""
    for name, position in wanted.items():
        counter = COUNTERS.get(name)
        if counter is not None and (not forward_only or position > counter.position):
            counter.seek(position)


def praisonai_job_id(form: str = "run_hex") -> str:
    """`run_hex` (the reference's form) or `uuid` (a latitude: LAT-PRA-JOB-ID); unique either way."""
    n = PRAISONAI_JOB_IDS.next()
    if form == "uuid":  # the counter in the low bits keeps it unique; version bits fall in the scramble
        return str(uuid.UUID(int=(_scramble48(n) << 64) | n, version=4))
    return f"run_{_scramble48(n):012x}"
