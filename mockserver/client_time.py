"""The code under test sleeps on the mock's clock: `with client_time(clock): ...`.

Inside the block, `time.sleep(s)` and `await asyncio.sleep(s)` called by the client move the mock's
clock forward by `s` (through `Clock.advance`, frozen or running) and return at once, and
`time.time()` / `time.monotonic()` as the client reads them run ahead by the seconds it has slept,
so a loop that computes a deadline ends when its virtual time is up. An hour of polling takes
milliseconds, and the journal shows the client's intervals in mock time.

What is left alone, so that the mock keeps its own pace:
- every call made on a thread the mock serves from (`exclude_threads`, the server thread of a
  `MockServer`), and
- every call made by the mock's own code or the server stack (`mockserver`, `uvicorn`,
  `starlette`, `anyio`, `asyncio`, `h11`...), found from the caller's module: an in-process `Mock`
  serves on the client's own loop, and its streams must keep sleeping in real time.

Only the module attributes are patched: code that did `from time import sleep` before the block
keeps the real function. The originals are put back when the block ends, whatever happens inside.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mockserver.clock import Clock

__all__ = ["ClientTime", "client_time"]

T = TypeVar("T")

# Callers whose sleeps are the server's machinery, never the client's.
_SERVER_MODULES = ("mockserver.", "uvicorn.", "starlette.", "anyio.", "asyncio.", "h11.", "httptools.",
                   "websockets.", "concurrent.", "threading", "selectors")

_real_sleep = time.sleep
_real_time = time.time
_real_monotonic = time.monotonic
_real_async_sleep = asyncio.sleep


@dataclass
class ClientTime:
    """One `client_time` block: the clock it moves, and how far the client has slept."""

    clock: Clock
    exclude_threads: frozenset[int] = frozenset()
    slept: float = 0.0                      # virtual seconds the client has slept in this block
    sleeps: list[float] = field(default_factory=list)

    def is_client(self, depth: int) -> bool:
        """Whether the caller `depth` frames up is the code under test (not the mock, not its server)."""
        if threading.get_ident() in self.exclude_threads:
            return False
        try:
            caller = sys._getframe(depth + 1).f_globals.get("__name__", "")
        except ValueError:  # no such frame
            return True
        return not (caller == "mockserver" or caller.startswith(_SERVER_MODULES))

    def take(self, seconds: float) -> None:
        seconds = float(seconds)
        if seconds > 0:
            self.clock.advance(seconds)
            self.slept += seconds
            self.sleeps.append(seconds)


_stack: list[ClientTime] = []
_lock = threading.Lock()


def _active(depth: int) -> ClientTime | None:
    current = _stack[-1] if _stack else None
    return current if current is not None and current.is_client(depth + 1) else None


def _sleep(seconds: float) -> None:
    active = _active(1)
    if active is None:
        _real_sleep(seconds)
        return
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    active.take(seconds)
    _real_sleep(0)  # still yields the GIL, as a sleep would


async def _async_sleep(delay: float, result: T | None = None) -> T | None:
    active = _active(1)
    if active is None:
        return await _real_async_sleep(delay, result)
    active.take(max(0.0, delay))
    return await _real_async_sleep(0, result)


def _time() -> float:
    active = _active(1)
    return _real_time() + (active.slept if active else 0.0)


def _monotonic() -> float:
    active = _active(1)
    return _real_monotonic() + (active.slept if active else 0.0)


_PATCHES: tuple[tuple[Any, str, Callable[..., Any]], ...] = (
    (time, "sleep", _sleep), (time, "time", _time), (time, "monotonic", _monotonic),
    (asyncio, "sleep", _async_sleep), (asyncio.tasks, "sleep", _async_sleep),
)

_ORIGINALS = (_real_sleep, _real_time, _real_monotonic, _real_async_sleep, _real_async_sleep)


@contextmanager
def client_time(clock: Clock, *, exclude_threads: Iterable[int] = ()) -> Iterator[ClientTime]:
    """Make the client's sleeps move `clock` for the duration of the block (see the module doc)."""
    block = ClientTime(clock, frozenset(exclude_threads))
    with _lock:
        if not _stack:
            for module, name, patched in _PATCHES:
                setattr(module, name, patched)
        _stack.append(block)
    try:
        yield block
    finally:
        with _lock:
            _stack.remove(block)
            if not _stack:
                for (module, name, _), original in zip(_PATCHES, _ORIGINALS, strict=True):
                    setattr(module, name, original)
