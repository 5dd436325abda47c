"""Data as JSON can hold it: what a scenario document, an action's arguments or an event's payload
become before they are shown (the control plane) or stored (the state file)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["json_ready"]


def json_ready(value: Any) -> Any:
    """Mappings with string keys, lists, and scalars; anything else as its `str`."""
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
