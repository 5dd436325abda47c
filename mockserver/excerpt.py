"""Short excerpts of client input, for error messages: an error never echoes a whole body back."""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_ECHO_CHARS", "clip", "excerpt"]

MAX_ECHO_CHARS = 200


def excerpt(text: str, limit: int = MAX_ECHO_CHARS) -> str:
    """`text`, or its first `limit` characters and how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


def clip(value: Any, limit: int = MAX_ECHO_CHARS) -> Any:
    """A JSON value cut down for an echo: long strings shortened, large containers summarised.

    Short values come back unchanged, so an echo of ordinary input is what the client sent.
    """
    if isinstance(value, str):
        return excerpt(value, limit)
    if isinstance(value, dict | list):
        try:
            size = len(repr(value))
        except RecursionError:
            size = limit + 1
        if size <= limit:
            return value
        kind = "object" if isinstance(value, dict) else "array"
        return f"<{kind} of {len(value)} item(s), {size} characters: not echoed>"
    return value
