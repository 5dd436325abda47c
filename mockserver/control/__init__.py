"""The mock's control plane under `/_mock/`: reset, state, clock, scenario, faults, journal,
misbehaviour, the APIs' actions and the inspector (`mockserver.control.app` builds it).

This module holds the one definition of where the control plane lives; it imports nothing, so
middleware can ask `is_control_path` without pulling in the control plane's routes.
"""

from __future__ import annotations

__all__ = ["CONTROL_PREFIX", "is_control_path"]

CONTROL_PREFIX = "/_mock"


def is_control_path(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")
