"""Replaying a cassette: a recorded session's runs and jobs become plans on the virtual clock.

`mockserver serve --replay FILE [--replay-speed X]` and `Mock(replay=FILE, replay_speed=X)` read the
cassette (`mockserver.cassette`, the only reader of the format), hand each API's exchanges to its
spec's `replay` hook, and that hook gives the API's model a source of recorded plans. The model then
plans the k-th matching submission after the k-th recorded one instead of after the scenario, so its
status endpoint, listings, streams, cancel/kill, health and stats all answer from that one plan.

The rules every API's replay follows:
- *Observations.* Every answer in the cassette that shows a run's or job's state (a status poll, a
  listing, a stream event, a result) is an observation at the instant its request began (a stream
  event: at its offset), measured from the instant the run was submitted.
- *Transitions.* A change is placed at the first observation that shows it: the latest instant the
  recording allows. A poll at any instant then answers with the last state observed at or before it,
  and a poll at a recorded instant with what was recorded there.
- *Speed.* Every recorded offset is divided by the replay speed (2: twice as fast).
- *Interventions.* Cancels and kills are the client's own requests: a run recorded as cancelled or
  killed is replayed as one that keeps going until the replaying client cancels or kills it again;
  a run still unfinished when the recording stopped never finishes on its own either.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Generic, TypeVar

from mockserver import registry
from mockserver.cassette import CassetteError, RecordedExchange, read_cassette

__all__ = ["DEFAULT_SPEED", "Recorded", "ReplayError", "checked_speed", "load_replay"]

DEFAULT_SPEED = 1.0

T = TypeVar("T")


class ReplayError(ValueError):
    """A cassette that cannot be replayed; the message says which file and why, in one line."""


class Recorded(Generic[T]):
    """Recorded plans handed out in recording order, per key (a prompt, a proc name, an endpoint):
    the k-th request with a key gets the k-th plan recorded under that key, then None."""

    def __init__(self, items: Iterable[tuple[str, T]]) -> None:
        self._items: dict[str, list[T]] = defaultdict(list)
        for key, item in items:
            self._items[key].append(item)
        self._taken: dict[str, int] = defaultdict(int)

    def take(self, key: str) -> T | None:
        taken = self._taken[key]
        recorded = self._items.get(key, [])
        if taken >= len(recorded):
            return None
        self._taken[key] = taken + 1
        return recorded[taken]

    def rewind(self) -> None:
        """Back to the first plan of every key (a reset of the mock replays from the start)."""
        self._taken.clear()

    def __len__(self) -> int:
        return sum(len(items) for items in self._items.values())


def checked_speed(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise ReplayError(f"replay speed must be a number more than 0; got {value!r}")
    return float(value)


def load_replay(path: str | Path, served: Sequence[str]) -> dict[str, list[RecordedExchange]]:
    """Each served API's recorded exchanges (in the order they began), or ReplayError when the file
    is missing, is not a cassette, or records an API this mock does not serve or cannot replay.
    Messages start with the file's name (the CLI puts its option before it)."""
    try:
        cassette = read_cassette(path)
    except FileNotFoundError:
        raise ReplayError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ReplayError(f"{path}: a directory, not a cassette") from None
    except UnicodeDecodeError:
        raise ReplayError(f"{path}: not a cassette (not UTF-8 text)") from None
    except CassetteError as error:
        raise ReplayError(str(error)) from None
    except OSError as error:
        raise ReplayError(f"{path}: {error.strerror or error}") from None
    by_api: dict[str, list[RecordedExchange]] = defaultdict(list)
    for exchange in cassette:
        by_api[exchange.api].append(exchange)
    recorded = sorted(set(cassette.apis) | set(by_api))
    known = set(registry.names())
    unknown = [api for api in recorded if api not in known]
    if unknown:
        raise ReplayError(f"{path}: records API(s) {', '.join(unknown)} this mock does not know "
                          f"(it knows {', '.join(sorted(known))})")
    missing = [api for api in by_api if api not in served]
    if missing:
        raise ReplayError(f"{path}: records {', '.join(sorted(missing))}, which this mock is not serving")
    unplayable = [api for api in by_api if registry.get(api).replay is None]
    if unplayable:
        raise ReplayError(f"{path}: the {', '.join(sorted(unplayable))} API cannot replay a recording")
    return {api: by_api[api] for api in served if api in by_api}
