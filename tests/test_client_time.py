"""client_time (mockserver/client_time.py): the client's sleeps move the mock's clock; nothing else does."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from mockserver.client_time import client_time
from mockserver.clock import Clock

REAL = (time.sleep, time.time, time.monotonic, asyncio.sleep)


def patched_now() -> tuple[object, ...]:
    return (time.sleep, time.time, time.monotonic, asyncio.sleep)


def test_sleep_advances_a_frozen_clock_at_once_and_time_runs_ahead() -> None:
    clock = Clock(1_000.0, frozen=True)
    began, wall, mono = time.perf_counter(), time.time(), time.monotonic()
    with client_time(clock) as block:
        time.sleep(3600)
        time.sleep(0.5)
        assert time.time() - wall >= 3600.5
        assert time.monotonic() - mono >= 3600.5
    assert clock.now() == 1_000.0 + 3600.5
    assert block.sleeps == [3600, 0.5] and block.slept == 3600.5
    assert time.perf_counter() - began < 1.0
    assert time.time() - wall < 60  # put back: real time again


def test_a_running_clock_is_moved_through_the_clock_api() -> None:
    clock = Clock()
    before = clock.now()
    with client_time(clock):
        time.sleep(600)
    assert clock.now() - before >= 600 and not clock.frozen


def test_asyncio_sleep_of_the_client_advances_the_clock() -> None:
    clock = Clock(0.0, frozen=True)

    async def poll() -> str:
        for _ in range(120):
            await asyncio.sleep(60)
        return await asyncio.sleep(0, "done")

    with client_time(clock):
        assert asyncio.run(poll()) == "done"
    assert clock.now() == 7200.0


def test_the_originals_come_back_even_after_an_error() -> None:
    clock = Clock(0.0, frozen=True)
    with pytest.raises(RuntimeError), client_time(clock):
        assert patched_now() != REAL
        raise RuntimeError("the code under test broke")
    assert patched_now() == REAL


def test_nested_blocks_restore_only_at_the_outermost_end() -> None:
    outer, inner = Clock(0.0, frozen=True), Clock(0.0, frozen=True)
    with client_time(outer):
        with client_time(inner):
            time.sleep(5)
        time.sleep(7)
        assert patched_now() != REAL
    assert (outer.now(), inner.now()) == (7.0, 5.0)
    assert patched_now() == REAL


def test_an_excluded_thread_keeps_real_time() -> None:
    clock = Clock(0.0, frozen=True)
    done = threading.Event()
    took: list[float] = []

    def server() -> None:
        done.wait(5)
        began = time.perf_counter()
        time.sleep(0.05)
        took.append(time.perf_counter() - began)

    thread = threading.Thread(target=server)
    thread.start()
    with client_time(clock, exclude_threads=[thread.ident or 0]) as block:
        done.set()
        thread.join(5)
    assert took and took[0] >= 0.04
    assert clock.now() == 0.0 and block.sleeps == []


def test_the_mocks_own_code_keeps_real_sleeping_on_the_clients_loop() -> None:
    """An in-process Mock serves on the client's loop: Clock.sleep_until (mockserver code) must wait
    in real time, or a stream would move the clock by itself."""
    clock = Clock()
    target = clock.now() + 0.05

    async def wait() -> None:
        await clock.sleep_until(target)

    with client_time(clock) as block:
        asyncio.run(wait())
    assert block.sleeps == []
    assert clock.now() >= target


def test_negative_sleep_is_refused_as_time_sleep_does() -> None:
    with client_time(Clock(0.0, frozen=True)), pytest.raises(ValueError):
        time.sleep(-1)
