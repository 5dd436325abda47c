"""What an API's observer is: it reads each exchange (and each stream event as it passes) and says
which clauses they break. One observer per proxy, called from the proxy's one checker thread (so
never two calls at once, and no lock), in the order things passed; it keeps per run and per job
only what the next verdict needs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import httpx

from mockserver.cassette import RecordedExchange
from mockserver.proxy.findings import Evidence, Finding

if TYPE_CHECKING:
    from httpx_sse import ServerSentEvent

__all__ = ["SSE_EXTRA", "Observer", "read_event", "require_sse_reader"]

# httpx-sse comes with the conformance extra (the base install stays without it).
SSE_EXTRA = ("reading PraisonAI event streams needs httpx-sse: "
             "pip install 'asyncjobs-contract-kit[conformance]'")


class Observer(Protocol):
    api: str
    profile: str
    judged: set[str]  # the clause ids this observer has judged at least once (for the report)

    def exchange(self, exchange: RecordedExchange, evidence: Evidence) -> list[Finding]: ...

    def error_body(self, reason: str, content_type: str | None) -> tuple[str, bytes]:
        """(media type, body) of an error in the API's own format, for a request of `content_type`."""
        ...

    def event(self, exchange: RecordedExchange, text: str, evidence: Evidence) -> list[Finding]: ...


def require_sse_reader() -> None:
    """Refuse at once, in one sentence, where httpx-sse is not installed."""
    try:
        import httpx_sse  # noqa: F401
    except ImportError:
        raise ValueError(SSE_EXTRA) from None


def read_event(text: str) -> ServerSentEvent | None:
    """One event's fields (event, data, id, retry), read by httpx-sse; None for a comment alone."""
    from httpx_sse import EventSource

    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=text.encode("utf-8"))
    return next(iter(EventSource(response).iter_sse()), None)
