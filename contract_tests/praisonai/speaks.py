"""Whether a target speaks PraisonAI's jobs API: what the preflight asks before any test (standard library only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TITLE = "PraisonAI"
EXAMPLE_URL = "http://127.0.0.1:8005"


def speaks(send: Callable[[str, str, Any], tuple[int, Any]]) -> tuple[bool, int, str]:
    """GET /health answers JSON with a status (health.mdx:13-15)."""
    status, body = send("GET", "/health", None)
    if status == 200 and isinstance(body, dict) and "status" in body:
        return True, status, ""
    shape = "JSON" if body is not None else "not JSON"
    return False, status, f"GET /health answered HTTP {status} ({shape}) instead of JSON with a status"
