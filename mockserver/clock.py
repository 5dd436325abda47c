"""The one source of time for every model in the mock.

A `Clock` either follows the wall clock (plus an offset) or stands frozen at a chosen instant. Both
modes can be moved forward at will, so a test can put a run at any point of its life without
sleeping. Time never moves backwards: a finished run must stay finished, and every model computes
its state from `now()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# 9999-12-31T23:59:59Z: past it no timestamp can be written (datetime's range), so no answer could be.
LATEST_INSTANT = 253_402_300_799.0


def _as_float(value: float) -> float:
    try:
        return float(value)
    except OverflowError:
        raise ClockError(f"{value!r} seconds is beyond the year 9999") from None


def _writable(instant: float) -> None:
    if instant > LATEST_INSTANT:
        raise ClockError("the clock cannot go beyond the year 9999 (9999-12-31T23:59:59Z)")


class Pin:
    """One operation's instant: while `active`, the clock answers it to that operation's code."""

    __slots__ = ("active", "clock", "instant")

    def __init__(self, clock: Clock, instant: float) -> None:
        self.clock, self.instant, self.active = clock, instant, True

    def retake(self) -> None:
        """Pin the operation to the clock's instant now (where it really begins, say)."""
        self.active = False   # so that `now()` reads the clock, not this pin
        self.instant = self.clock.now()
        self.active = True


# A context variable, so it reaches the tasks an operation starts; those see it inactive once the
# operation has answered (a stream keeps following the clock).
_PIN: contextvars.ContextVar[Pin | None] = contextvars.ContextVar("mockserver_clock_pin", default=None)


class ClockError(ValueError):
    """A clock operation that would move time backwards or is otherwise invalid."""


@dataclass(frozen=True)
class ClockState:
    now: float
    frozen: bool

    def to_dict(self) -> dict[str, object]:
        return {"now": self.now, "frozen": self.frozen}


class Clock:
    """Wall time plus an offset, or a frozen instant; seconds since the Unix epoch as floats."""

    def __init__(self, start: float | None = None, *, frozen: bool = False,
                 wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._lock = threading.Lock()
        start = wall() if start is None else float(start)
        self._frozen_at: float | None = start if frozen else None
        self._offset = 0.0 if frozen else start - wall()
        self._floor = start  # the latest instant anyone has been told; now() never goes below it
        self._listeners: list[Callable[[], None]] = []  # told after every move (see on_move)

    # -- reading --------------------------------------------------------------------------------
    def now(self) -> float:
        pin = _PIN.get()
        if pin is not None and pin.active and pin.clock is self:
            return pin.instant
        with self._lock:
            return self._now_locked()

    def pin(self) -> tuple[Pin, contextvars.Token[Pin | None]]:
        """Make an operation (the rest of this context, and the tasks it starts until `pin.active`
        is set False) happen at one instant, now: what a state file records and replays it at,
        even when the clock follows real time. `unpin(token)` ends it in this context."""
        pin = Pin(self, self.now())
        return pin, _PIN.set(pin)

    @staticmethod
    def unpin(token: contextvars.Token[Pin | None]) -> None:
        pin = _PIN.get()
        if pin is not None:
            pin.active = False
        _PIN.reset(token)

    @contextlib.contextmanager
    def pinned(self) -> Iterator[Pin]:
        """`pin` for a block."""
        pin, token = self.pin()
        try:
            yield pin
        finally:
            self.unpin(token)

    def state(self) -> ClockState:
        with self._lock:
            return ClockState(now=self._now_locked(), frozen=self._frozen_at is not None)

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def _now_locked(self) -> float:
        t = self._frozen_at if self._frozen_at is not None else self._wall() + self._offset
        # Guards against a wall clock stepping back (NTP): models must never see time reverse.
        if t < self._floor:
            t = self._floor
        self._floor = t
        return t

    # -- moving ---------------------------------------------------------------------------------
    def on_move(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener()` after every advance, set, freeze or unfreeze (from the thread that moved
        the clock); returns the function that removes it. Waiters use this instead of polling."""
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return remove

    def _moved(self) -> None:
        for listener in tuple(self._listeners):
            listener()

    def advance(self, seconds: float) -> float:
        seconds = _as_float(seconds)
        if not seconds >= 0:  # also rejects NaN
            raise ClockError(f"cannot advance the clock by {seconds!r} seconds: time only moves forward")
        with self._lock:
            _writable(self._now_locked() + seconds)
            if self._frozen_at is not None:
                self._frozen_at = self._now_locked() + seconds
            else:
                self._offset += seconds
            now = self._now_locked()
        self._moved()
        return now

    def set(self, instant: float) -> float:
        instant = _as_float(instant)
        _writable(instant)
        with self._lock:
            current = self._now_locked()
            if not instant >= current:
                raise ClockError(f"cannot set the clock to {instant!r}: it is already {current!r}")
            if self._frozen_at is not None:
                self._frozen_at = instant
            else:
                self._offset += instant - current
            now = self._now_locked()
        self._moved()
        return now

    def freeze(self) -> float:
        with self._lock:
            self._frozen_at = now = self._now_locked()
        self._moved()
        return now

    def unfreeze(self) -> float:
        """Follow the wall clock again, continuing from the frozen instant."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - self._wall()
                self._frozen_at = None
            now = self._now_locked()
        self._moved()
        return now

    # -- waiting --------------------------------------------------------------------------------
    async def sleep_until(self, instant: float) -> None:
        """Wait until `now() >= instant`, whoever moves the clock (the wall or a test), without polling:
        woken by every move of the clock, and, while it follows real time, when the instant comes."""
        loop = asyncio.get_running_loop()
        moved = asyncio.Event()

        def wake() -> None:
            with contextlib.suppress(RuntimeError):  # that loop has closed: nobody waits
                loop.call_soon_threadsafe(moved.set)

        remove = self.on_move(wake)  # before reading the clock, so no move is missed
        try:
            while True:
                moved.clear()
                state = self.state()
                remaining = instant - state.now
                if remaining <= 0:
                    return
                # Frozen, only a move can bring the instant; running, it also comes by itself.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(moved.wait(), None if state.frozen else remaining)
        finally:
            remove()


def clock_json(clock: Clock) -> dict[str, Any]:
    state = clock.state()
    return {**state.to_dict(), "iso": datetime.fromtimestamp(state.now, UTC).isoformat()}
