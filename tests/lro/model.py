"""A minimal long-running-operation API's state: operations that finish after a while on the clock.

State is computed on read from the clock: an operation is `done` once its deadline has passed, unless
it was cancelled first. No HTTP here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from mockserver.clock import Clock
from mockserver.scenario import ScenarioStore
from tests.lro.scenario import LroScenario


class OperationNotFound(KeyError):
    pass


class OperationDone(Exception):
    """The operation has finished: it cannot be cancelled."""


@dataclass
class Operation:
    number: int
    started: float
    seconds: float
    cancelled_at: float | None = None

    def view(self, now: float) -> dict[str, Any]:
        name = f"operations/{self.number}"
        if self.cancelled_at is not None:
            return {"name": name, "done": True, "error": {"code": 1, "message": "cancelled"}}
        if now >= self.started + self.seconds:
            return {"name": name, "done": True, "response": {"waited_seconds": self.seconds}}
        return {"name": name, "done": False}


class LroModel:
    def __init__(self, clock: Clock, scenario: ScenarioStore) -> None:
        self.clock = clock
        self.scenario = scenario
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._operations: dict[int, Operation] = {}

    def start(self, seconds: float | None) -> dict[str, Any]:
        section: LroScenario = self.scenario.current.section("lro")
        with self._lock:
            number = len(self._operations) + 1
            operation = Operation(number, self.clock.now(), section.seconds if seconds is None else seconds)
            self._operations[number] = operation
            return operation.view(self.clock.now())

    def _get(self, number: int) -> Operation:
        if number not in self._operations:
            raise OperationNotFound(f"no operation {number}")
        return self._operations[number]

    def get(self, number: int) -> dict[str, Any]:
        with self._lock:
            return self._get(number).view(self.clock.now())

    def cancel(self, number: int) -> dict[str, Any]:
        with self._lock:
            operation = self._get(number)
            now = self.clock.now()
            if operation.view(now)["done"]:
                raise OperationDone(f"operation {number} has already finished")
            operation.cancelled_at = now
            return operation.view(now)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            now = self.clock.now()
            return {"operations": [op.view(now) for op in self._operations.values()]}
