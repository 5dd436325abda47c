"""How long finished runs are kept: at most `max_runs` stored, or `retain_seconds` after they finish.

Both real servers keep runs until asked to forget them (or, praisonai 4.7.19, past 1000 of them), so
the default keeps everything. A bound forgets the oldest finished runs first, never an unfinished
one; the API then answers for a forgotten run as for an id it never handed out.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["FinishedRuns", "Retention"]

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Retention:
    max_runs: int | None = None          # runs stored at most (finished ones are forgotten first)
    retain_seconds: float | None = None  # a finished run is forgotten this long after it finished

    def __post_init__(self) -> None:
        if self.max_runs is not None and self.max_runs < 0:
            raise ValueError(f"max_runs must be at least 0; got {self.max_runs}")
        if self.retain_seconds is not None and not self.retain_seconds >= 0:
            raise ValueError(f"retain_seconds must be at least 0; got {self.retain_seconds}")

    @property
    def bounded(self) -> bool:
        return self.max_runs is not None or self.retain_seconds is not None


class FinishedRuns(Generic[K]):
    """Finished runs, oldest finish first, for a model to forget per its `Retention`. Holds nothing
    when unbounded. A run forgotten otherwise (deleted, cleared) is skipped by the model later."""

    def __init__(self, retention: Retention) -> None:
        self.retention = retention
        self._heap: list[tuple[float, int, K]] = []
        self._order = itertools.count()

    def add(self, finished_at: float, key: K) -> None:
        if self.retention.bounded:
            heapq.heappush(self._heap, (finished_at, next(self._order), key))

    def clear(self) -> None:
        self._heap.clear()

    def due(self, stored: Callable[[], int], now: float) -> Iterator[K]:
        """Keys to forget now, oldest first, while more than `max_runs` are stored or the oldest
        finished longer than `retain_seconds` ago."""
        max_runs, keep_for = self.retention.max_runs, self.retention.retain_seconds
        heap = self._heap
        while heap:
            finished_at = heap[0][0]
            over = max_runs is not None and stored() > max_runs
            expired = keep_for is not None and finished_at <= now - keep_for
            if not (over or expired):
                return
            yield heapq.heappop(heap)[2]
