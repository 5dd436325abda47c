"""The mock's control plane under `/_mock/`: reset, clock, scenario, faults, journal, state."""

from __future__ import annotations

from mockserver.control.app import control_routes, create_control_app
from mockserver.control.errors import ControlError

__all__ = ["ControlError", "control_routes", "create_control_app"]
