"""What an API's observer is: it reads each exchange (and each stream event as it passes) and says
which clauses they break. One observer per proxy, called under the proxy's lock, in the order the
answers ended; it keeps per run and per job only what the next verdict needs."""

from __future__ import annotations

from typing import Protocol

import httpx
from httpx_sse import EventSource, ServerSentEvent

from mockserver.cassette import Exchange
from mockserver.proxy.findings import Evidence, Finding

__all__ = ["Observer", "read_event"]


class Observer(Protocol):
    api: str
    profile: str
    judged: set[str]  # the clause ids this observer has judged at least once (for the report)

    def exchange(self, exchange: Exchange, evidence: Evidence) -> list[Finding]: ...

    def event(self, exchange: Exchange, text: str, evidence: Evidence) -> list[Finding]: ...


def read_event(text: str) -> ServerSentEvent | None:
    """One event's fields (event, data, id, retry), read by httpx-sse; None for a comment alone."""
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=text.encode("utf-8"))
    return next(iter(EventSource(response).iter_sse()), None)
