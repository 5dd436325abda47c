"""`Clock.pin`: one operation at one instant while the clock follows real time (what a state file
records and replays), and only that operation."""

from __future__ import annotations

import asyncio

from mockserver.clock import Clock


class Wall:
    def __init__(self) -> None:
        self.t = 1_000.0

    def __call__(self) -> float:
        return self.t


def test_a_pinned_operation_sees_one_instant_while_the_wall_moves_on() -> None:
    wall = Wall()
    clock = Clock(wall=wall)
    with clock.pinned() as pin:
        wall.t += 5
        assert clock.now() == pin.instant == 1_000.0
        assert Clock(wall=wall).now() == 1_005.0   # another clock is not pinned
    assert clock.now() == 1_005.0


def test_a_task_started_by_the_operation_follows_the_clock_once_the_pin_is_let_go() -> None:
    wall = Wall()
    clock = Clock(wall=wall)
    seen: list[float] = []

    async def operation() -> None:
        pin, token = clock.pin()
        gate = asyncio.Event()

        async def later() -> None:   # a stream, say: it copies the context, pin included
            seen.append(clock.now())
            await gate.wait()
            seen.append(clock.now())

        task = asyncio.get_running_loop().create_task(later())
        await asyncio.sleep(0)
        pin.active = False           # the operation has answered
        wall.t += 7
        gate.set()
        await task
        clock.unpin(token)

    asyncio.run(operation())
    assert seen == [1_000.0, 1_007.0]


def test_a_pin_does_not_leak_into_the_next_operation() -> None:
    wall = Wall()
    clock = Clock(wall=wall)
    pin, token = clock.pin()
    clock.unpin(token)
    wall.t += 1
    assert not pin.active and clock.now() == 1_001.0
