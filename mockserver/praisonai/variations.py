"""PraisonAI's latitudes and, for each non-default choice, the rewrite that makes it (see mockserver.vary).

The catalog with sources is `contract_tests.latitudes`; ids and choices match. LAT-PRA-JOB-ID is the
model's own (`PraisonAIModel(job_id_format=...)`, chosen when the mock is built): ids travel in
webhooks too, which no rewrite sees.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mockserver.misbehave import Breaker, BreakerSet, Exchange
from mockserver.praisonai.breakers import clamp_page_size
from mockserver.vary import Latitude, LatitudeSet, reversed_keys

__all__ = ["JOB_ID", "LATITUDES", "PRAISONAI_LATITUDES", "VARIATIONS"]

PRA = "praisonai"

RETRY_AFTER = "LAT-PRA-RETRY-AFTER"
JOB_ID = "LAT-PRA-JOB-ID"
MESSAGES = "LAT-PRA-MESSAGES"
KEY_ORDER = "LAT-PRA-KEY-ORDER"
RETRY_AFTER_ABSENT = "LAT-PRA-RETRY-AFTER-ABSENT"
NULL_OR_ABSENT = "LAT-PRA-NULL-OR-ABSENT"
TIMESTAMP = "LAT-PRA-TIMESTAMP"
PAGE_SIZE = "LAT-PRA-PAGE-SIZE"
SSE_FRAMING = "LAT-PRA-SSE-FRAMING"
LIST_ORDER = "LAT-PRA-LIST-ORDER"

LATITUDES = (
    Latitude(RETRY_AFTER, PRA, ("reference", "1", "30"), "the seconds retry_after and Retry-After suggest"),
    Latitude(JOB_ID, PRA, ("run_hex", "uuid"), "the format of job ids"),
    Latitude(MESSAGES, PRA, ("mock", "reworded"), "the wording of `detail` messages"),
    Latitude(KEY_ORDER, PRA, ("model", "reversed"), "the order of keys in JSON objects"),
    Latitude(RETRY_AFTER_ABSENT, PRA, ("sent", "absent"), "whether retry_after is sent (docs)"),
    Latitude(NULL_OR_ABSENT, PRA, ("absent", "null"), "an unset optional field: left out or null (docs)"),
    Latitude(TIMESTAMP, PRA, ("seconds-Z", "micro-offset"), "the form of ISO 8601 timestamps"),
    Latitude(PAGE_SIZE, PRA, ("refuse", "clamp"), "page_size outside 1..100: refused or clamped (docs)"),
    Latitude(SSE_FRAMING, PRA, ("data-only", "named"), "SSE events also named on an `event:` line (docs)"),
    Latitude(LIST_ORDER, PRA, ("newest-first", "oldest-first"), "the order of listed jobs"),
)

_OPTIONAL = ("started_at", "completed_at", "error", "retry_after", "progress", "session_id")
_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|\+00:00)$")


def _json_answer(ex: Exchange) -> bool:
    return not ex.streaming


def _retry_after(seconds: int) -> Callable[[Exchange, dict[str, Any]], None]:
    def rewrite(ex: Exchange, state: dict[str, Any]) -> None:
        if ex.header("retry-after", response=True) is not None:
            ex.set_header("Retry-After", str(seconds), response=True)
        body = ex.response_json
        if isinstance(body, dict) and isinstance(body.get("retry_after"), int):
            body["retry_after"] = seconds
    return rewrite


def _reword(ex: Exchange, state: dict[str, Any]) -> None:
    body = ex.response_json
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        body["detail"] = f"The server declined this request (HTTP {ex.status})."


def _reverse_key_order(ex: Exchange, state: dict[str, Any]) -> None:
    if ex.response_json is not None:
        ex.response_json = reversed_keys(ex.response_json)


def _status_objects(body: Any) -> list[dict[str, Any]]:
    """The job objects of an answer: the body itself, or a listing's jobs."""
    if isinstance(body, dict) and isinstance(body.get("jobs"), list):
        return [j for j in body["jobs"] if isinstance(j, dict)]
    return [body] if isinstance(body, dict) and "job_id" in body else []


def _drop_retry_after(ex: Exchange, state: dict[str, Any]) -> None:
    for job in _status_objects(ex.response_json):
        job.pop("retry_after", None)


def _nulls_for_unset(ex: Exchange, state: dict[str, Any]) -> None:
    if ex.status != 200 or ex.path.endswith(("/result", "/cancel")):
        return
    for job in _status_objects(ex.response_json):
        for name in _OPTIONAL:
            job.setdefault(name, None)


def _stamp(value: Any) -> Any:
    m = _STAMP.match(value) if isinstance(value, str) else None
    return f"{m.group(1)}{m.group(2) or '.000000'}+00:00" if m else value


def _micro_offset(ex: Exchange, state: dict[str, Any]) -> None:
    for job in [ex.response_json, *_status_objects(ex.response_json)]:
        if isinstance(job, dict):
            for name in ("created_at", "started_at", "completed_at", "cancelled_at"):
                if name in job:
                    job[name] = _stamp(job[name])


_ENVELOPE = re.compile(rb'(^|\n)data: (\{"event": "(\w+)")')


def _name_sse_events(ex: Exchange, state: dict[str, Any], chunk: bytes) -> bytes:
    return _ENVELOPE.sub(lambda m: m.group(1) + b"event: " + m.group(3) + b"\r\ndata: " + m.group(2), chunk)


def _page_reversed(ex: Exchange, state: dict[str, Any]) -> None:
    body = ex.response_json
    if ex.method == "GET" and isinstance(body, dict) and isinstance(body.get("jobs"), list):
        body["jobs"].reverse()


def _variation(latitude: str, choice: str, **hooks: Any) -> Breaker:
    return Breaker(f"{latitude}={choice}", PRA, _json_answer, **hooks)


VARIATIONS = (
    _variation(RETRY_AFTER, "1", after=_retry_after(1)),
    _variation(RETRY_AFTER, "30", after=_retry_after(30)),
    _variation(MESSAGES, "reworded", after=_reword),
    _variation(KEY_ORDER, "reversed", after=_reverse_key_order),
    _variation(RETRY_AFTER_ABSENT, "absent", after=_drop_retry_after),
    _variation(NULL_OR_ABSENT, "null", after=_nulls_for_unset),
    _variation(TIMESTAMP, "micro-offset", after=_micro_offset),
    _variation(PAGE_SIZE, "clamp", before=clamp_page_size),
    Breaker(f"{SSE_FRAMING}=named", PRA, lambda ex: ex.path.endswith("/stream"), chunk=_name_sse_events),
    _variation(LIST_ORDER, "oldest-first", after=_page_reversed),
)

PRAISONAI_LATITUDES = LatitudeSet(LATITUDES, BreakerSet(VARIATIONS), start_only=frozenset({JOB_ID}))
