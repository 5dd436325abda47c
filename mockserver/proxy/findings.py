"""What the proxy found: each violation with its clause, its message and the exchanges that show it.

Evidence is a summary of each exchange (method, path, query, status, headers, a bounded excerpt of each
body), credentials redacted: secret headers by `mockserver.journal.is_secret_header`, secret-looking
query parameters alike. A log line goes out as each violation is found.
"""

from __future__ import annotations

import base64
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from mockserver.cassette import RecordedExchange, redact, redact_query

__all__ = ["Evidence", "Finding", "Violation", "ViolationLog", "evidence_of"]

LOG = logging.getLogger("mockserver.proxy")
_BODY_CHARS = 2000


@dataclass(frozen=True)
class Finding:
    """An observer's verdict on one exchange or event: which clause, and why."""

    clause: str
    message: str
    earlier: Evidence | None = None  # the exchange an earlier, contradicted answer came in


Evidence = dict[str, Any]


@dataclass(frozen=True)
class Violation:
    number: int
    api: str
    clause: str
    message: str
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.number, "api": self.api, "clause": self.clause, "message": self.message,
                "evidence": list(self.evidence)}


def _body(data: bytes) -> str:
    if not data:
        return ""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = "base64:" + base64.b64encode(data[:_BODY_CHARS]).decode("ascii")
    return text if len(text) <= _BODY_CHARS else text[:_BODY_CHARS] + f"... ({len(text)} chars)"


def evidence_of(number: int, exchange: RecordedExchange, *, event: str | None = None) -> Evidence:
    """One exchange as evidence (a stream's `event` when the violation is in one event)."""
    found: Evidence = {
        "exchange": number, "method": exchange.method, "path": exchange.path,
        "query": redact_query(exchange.query), "status": exchange.status,
        "request_headers": [[k, v] for k, v in redact(exchange.request_headers)],
        "request_body": _body(exchange.request_body),
        "response_headers": [[k, v] for k, v in redact(exchange.response_headers)],
        "response_body": _body(exchange.response_body),
    }
    if event is not None:
        found["event"] = event
    if exchange.error:
        found["error"] = exchange.error
    return found


class ViolationLog:
    """Every violation found so far, in order (thread-safe), each logged as it comes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Violation] = []

    def add(self, api: str, finding: Finding, evidence: Evidence) -> Violation:
        shown = (finding.earlier, evidence) if finding.earlier is not None else (evidence,)
        with self._lock:
            violation = Violation(len(self._items) + 1, api, finding.clause, finding.message, shown)
            self._items.append(violation)
        LOG.warning("violation %s [%s] %s (exchange #%s %s %s)", violation.number, finding.clause,
                    finding.message, evidence["exchange"], evidence["method"], evidence["path"])
        return violation

    def all(self) -> list[Violation]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
