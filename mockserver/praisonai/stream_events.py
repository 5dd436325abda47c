"""Reading a PraisonAI run's event stream: the one reader of what its events say, for the proxy's
observer and the cassette replay alike, in either profile's framing.

The reference (`impl`) names each event (`event: progress`, `data: {...}`); the pages (`docs`,
stream-run.mdx:24-43) send unnamed events whose data is `{"event": ..., "data": {...}}` and end
with `data: [DONE]`. Either way an event reads as its name and its JSON object; an event saying
the job is not found reads as `gone`. Parsing the stream's fields is httpx-sse's business.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["GONE_EVENT", "TERMINAL_EVENTS", "json_or_none", "read_stream_event"]

GONE_EVENT = "gone"
# Terminal events: praisonai 4.7.19 router.py:306-351 (result, error, cancelled); the pages'
# 'complete' (stream-run.mdx:33). An 'error' saying the job is not found is no end of the job.
TERMINAL_EVENTS = frozenset({"result", "error", "cancelled", "complete"})


def json_or_none(body: bytes | str) -> Any:
    """A body's JSON value; None for an empty body or one that is not JSON."""
    try:
        return json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        return None


def read_stream_event(name: str, data: str) -> tuple[str, dict[str, Any]] | None:
    """One event (its name and data field) as (name, JSON object), in either framing; None for
    [DONE] and data that is no JSON object."""
    if data.strip() == "[DONE]":
        return None
    value = json_or_none(data)
    if not isinstance(value, dict):
        return None
    if "event" in value and name in ("message", str(value["event"])):   # the pages' framing
        name, inner = str(value["event"]), value.get("data")
        value = inner if isinstance(inner, dict) else {}
    if name == "error" and "not found" in str(value.get("error", "")).lower():
        name = GONE_EVENT
    if name == "log" and str(value.get("message", "")).lower() == "job not found":
        name = GONE_EVENT
    return name, value
