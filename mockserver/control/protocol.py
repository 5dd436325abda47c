"""What the control plane drives: the mock, as a protocol (the runtime's `Mock` is one), so the
control plane and the runtime do not import each other."""

from __future__ import annotations

from typing import Any, Protocol

from mockserver.clock import Clock
from mockserver.faults import FaultRules
from mockserver.journal import Journal
from mockserver.misbehave import Misbehaviour


class Controlled(Protocol):
    clock: Clock
    faults: FaultRules
    journal: Journal
    misbehaviour: Misbehaviour

    def reset(self) -> None: ...
    def snapshot(self) -> dict[str, Any]: ...
    def scenario_info(self) -> dict[str, Any]: ...
    def load_scenario_text(self, text: str, source: str = ...) -> dict[str, Any]: ...
    def load_scenario_preset(self, name: str) -> dict[str, Any]: ...
    def scenario_presets(self) -> list[str]: ...
    def act(self, api: str, action: str, /, **arguments: Any) -> dict[str, Any]: ...
