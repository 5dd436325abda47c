"""Whether a target speaks Kinetica: what the preflight asks before any test (standard library only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TITLE = "Kinetica"
EXAMPLE_URL = "http://127.0.0.1:9191"
WRAPPER = {"status", "message", "data_type", "data", "data_str"}


def speaks(send: Callable[[str, str, Any], tuple[int, Any]]) -> tuple[bool, int, str]:
    """Every answer is the standard wrapper, /show/system/status's too (the gpudb client's first call)."""
    status, body = send("POST", "/show/system/status", {"options": {}})
    if isinstance(body, dict) and set(body) >= WRAPPER and body.get("status") in ("OK", "ERROR"):
        return True, status, ""
    return False, status, f"POST /show/system/status answered HTTP {status} without Kinetica's response wrapper"
