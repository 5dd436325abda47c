"""The PraisonAI observer: each answer against the profile's OpenAPI document, and every job's
lifecycle from what passes: submit, status and result answers, cancel answers (impl: the reference
shows a cancel at once; the pages leave it a moment, LAT-PRA-CANCEL-SETTLE), listings, deletes, and
the events of a stream as they arrive."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from contract_tests.history import GONE, PRAISONAI_RUN, REMOVED
from mockserver.cassette import RecordedExchange
from mockserver.praisonai.openapi_profile import document
from mockserver.praisonai.stream_events import GONE_EVENT, TERMINAL_EVENTS, json_or_none, read_stream_event
from mockserver.proxy.findings import Evidence, Finding
from mockserver.proxy.lifecycle import Tracker
from mockserver.proxy.observer import read_event, require_sse_reader
from mockserver.proxy.openapi_check import ResponseChecker

__all__ = ["PraisonAIObserver"]

RUNS = "/api/v1/runs"
_RUN = re.compile(r"/api/v1/runs/([^/?]+)(/cancel|/result|/stream)?$")
SCHEMA_CLAUSE = "PRA-OAS-001"
SSE_TYPE_CLAUSE = "PRA-SSE-001"
SSE_END_CLAUSE = "PRA-SSE-003"
PROGRESS_CLAUSE = "PRA-SSE-006"
IMPL_FIELDS_CLAUSE = "PRA-STA-016I"


class PraisonAIObserver:
    api = "praisonai"

    @staticmethod
    def error_body(reason: str, content_type: str | None) -> tuple[str, bytes]:
        return "application/json", json.dumps({"detail": reason}).encode("utf-8")

    def __init__(self, profile: str = "impl") -> None:
        require_sse_reader()
        self.profile = profile
        self.checker = ResponseChecker(document(profile))
        self.jobs = Tracker(PRAISONAI_RUN)
        self.judged: set[str] = set()
        # The same answer bytes always get the same verdict: a poll of a finished job is held to the
        # schema once (the lifecycle is still followed on every answer).
        self._schema_of = functools.lru_cache(maxsize=256)(self._judge_schema)
        self._status_of = functools.lru_cache(maxsize=256)(self._judge_status_object)

    # -- whole exchanges ------------------------------------------------------------------------------
    def exchange(self, exchange: RecordedExchange, evidence: Evidence) -> list[Finding]:
        if exchange.status is None:
            return []
        found = self._schema(exchange)
        path = exchange.path.split("?", 1)[0]
        source = f"{exchange.method} {path}"
        body = json_or_none(exchange.response_body) if exchange.status != 204 else None
        match = _RUN.search(path)
        if path.endswith(RUNS) and exchange.method == "POST" and exchange.status == 202 and isinstance(body, dict):
            found += self._saw(body.get("job_id"), body.get("status"), evidence, source)
        elif path.endswith(RUNS) and exchange.method == "GET" and exchange.status == 200 and isinstance(body, dict):
            for job in body.get("jobs") or []:
                if isinstance(job, dict):
                    found += self._saw(job.get("job_id"), job.get("status"), evidence, source)
        elif match is not None:
            job_id, suffix = match.group(1), match.group(2) or ""
            if exchange.method == "GET" and not suffix:
                if exchange.status == 404:
                    found += self._saw(job_id, GONE, evidence, source)
                elif exchange.status == 200 and isinstance(body, dict):
                    found += self._status_object(exchange.response_body, job_id)
                    found += self._saw(job_id, body.get("status"), evidence, source)
            elif exchange.status == 200 and isinstance(body, dict) and self._says_status(exchange.method, suffix):
                found += self._saw(job_id, body.get("status"), evidence, source)
            elif exchange.method == "DELETE" and not suffix and exchange.status == 204:
                found += self._saw(job_id, REMOVED, evidence, source)
            elif exchange.method == "GET" and suffix == "/stream" and exchange.status == 200:
                found += self._stream_end(exchange)
        return found

    def _says_status(self, method: str, suffix: str) -> bool:
        """A 200 that holds the job's status: a result, and (impl) a cancel answer."""
        return (method, suffix) == ("GET", "/result") or (
            (method, suffix) == ("POST", "/cancel") and self.profile == "impl")

    def _schema(self, exchange: RecordedExchange) -> list[Finding]:
        if exchange.status is None:
            return []
        return list(self._schema_of(exchange.method, exchange.path.split("?", 1)[0], exchange.status,
                                    exchange.header("content-type") or "", exchange.response_body))

    def _judge_schema(self, method: str, path: str, status: int, content_type: str,
                      body: bytes) -> tuple[Finding, ...]:
        op = self.checker.operation(method, path)
        if op is None:
            return ()
        self.judged.add(SCHEMA_CLAUSE)
        # An event stream's events are judged one by one as they pass.
        body = b"" if op.template.endswith("/stream") and status == 200 else body
        return tuple(Finding(SCHEMA_CLAUSE, p) for p in self.checker.problems(op, status, content_type, body))

    def _status_object(self, raw: bytes, job_id: str) -> list[Finding]:
        return list(self._status_of(raw, job_id))

    def _judge_status_object(self, raw: bytes, job_id: str) -> tuple[Finding, ...]:
        """The suite's checks of one status answer (PRA-STA-001..013), where the suite is installed."""
        body = json_or_none(raw)
        if not isinstance(body, dict):
            return ()
        try:
            from contract_tests.praisonai.checks import check_impl_fields, check_status_object
            from contract_tests.violation import ClauseViolation, checking
        except ImportError:  # the conformance extra (pytest) is not installed: the schema still judges
            return ()
        self.judged.update({"PRA-STA-001", "PRA-STA-002", "PRA-STA-006", "PRA-STA-007", "PRA-STA-008",
                            "PRA-STA-013"})
        found: list[Finding] = []
        try:
            check_status_object(body, job_id, self.profile)
        except ClauseViolation as violation:
            found += [Finding(clause, violation.message) for clause in violation.clauses]
        if self.profile == "impl":  # the reference's every-key-in-every-state form
            self.judged.add(IMPL_FIELDS_CLAUSE)
            try:
                with checking(IMPL_FIELDS_CLAUSE):
                    check_impl_fields(body)
            except ClauseViolation as violation:
                found.append(Finding(IMPL_FIELDS_CLAUSE, violation.message))
        return tuple(found)

    def _saw(self, job_id: Any, status: Any, evidence: Evidence, source: str) -> list[Finding]:
        if not isinstance(job_id, str) or not isinstance(status, str):
            return []
        self.judged.update(PRAISONAI_RUN.clauses.values())
        return self.jobs.saw(job_id, status, evidence, source)

    # -- stream events, as they pass -----------------------------------------------------------------------
    def event(self, exchange: RecordedExchange, text: str, evidence: Evidence) -> list[Finding]:
        match = _RUN.search(exchange.path)
        if match is None or match.group(2) != "/stream":
            return []
        read = _read(text)
        if read is None:
            return []
        name, data = read
        found: list[Finding] = []
        if name == "progress":
            self.judged.add(PROGRESS_CLAUSE)
            pct = data.get("percentage")
            if not (isinstance(pct, int | float) and not isinstance(pct, bool) and 0 <= pct <= 100):
                found.append(Finding(PROGRESS_CLAUSE, f"expected a progress percentage in 0..100; got {pct!r}"))
        status = _status_said(name, data)
        if status is not None:
            found += self._saw(match.group(1), status, evidence, f"GET {exchange.path} event")
        return found

    def _stream_end(self, exchange: RecordedExchange) -> list[Finding]:
        """PRA-SSE-001 and, for a stream that ran to its end, PRA-SSE-003's one terminal event."""
        content_type = exchange.header("content-type") or ""
        self.judged.add(SSE_TYPE_CLAUSE)
        if not content_type.startswith("text/event-stream"):
            return [Finding(SSE_TYPE_CLAUSE, f"expected the stream as text/event-stream; got {content_type!r}")]
        if exchange.error is not None:
            return []  # cut short (the client left, the target broke off): no end to judge
        said = [_status_said(*read) for e in exchange.events if (read := _read(e.text)) is not None]
        if GONE in said:
            return []  # the job went away (deleted) while streamed: no terminal event is owed
        ends = [e for e in exchange.events if (read := _read(e.text)) is not None and read[0] in TERMINAL_EVENTS]
        self.judged.add(SSE_END_CLAUSE)
        if len(ends) != 1:
            return [Finding(SSE_END_CLAUSE, f"expected the stream to end after exactly one terminal event; got "
                                            f"{len(ends)}: {[e.text.strip() for e in ends][:3]}")]
        return []


def _read(text: str) -> tuple[str, dict[str, Any]] | None:
    """An event's name and JSON object (mockserver.praisonai.stream_events); None for a comment."""
    sse = read_event(text)
    return read_stream_event(sse.event, sse.data) if sse is not None else None


def _status_said(name: str, data: dict[str, Any]) -> str | None:
    """The status an event says the job is in, if it says one."""
    if name in ("status", "complete") and isinstance(data.get("status"), str):
        return str(data["status"])
    return {"result": "succeeded", "error": "failed", "cancelled": "cancelled", GONE_EVENT: GONE}.get(name)
