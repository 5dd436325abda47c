"""PraisonAI's latitudes and, for each non-default choice, the rewrite that makes it (see mockserver.vary).

The catalog with sources is `contract_tests.latitudes`; ids and choices match. LAT-PRA-JOB-ID is the
model's own (`PraisonAIModel(job_id_format=...)`): ids travel in webhooks too, which no rewrite sees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockserver.misbehave import Breaker, Exchange
from mockserver.vary import Latitude, reversed_keys

__all__ = ["JOB_ID", "LATITUDES", "VARIATIONS"]

PRA = "praisonai"

RETRY_AFTER = "LAT-PRA-RETRY-AFTER"
JOB_ID = "LAT-PRA-JOB-ID"
MESSAGES = "LAT-PRA-MESSAGES"
KEY_ORDER = "LAT-PRA-KEY-ORDER"

LATITUDES = (
    Latitude(RETRY_AFTER, PRA, ("reference", "1", "30"), "the seconds retry_after and Retry-After suggest"),
    Latitude(JOB_ID, PRA, ("run_hex", "uuid"), "the format of job ids"),
    Latitude(MESSAGES, PRA, ("mock", "reworded"), "the wording of `detail` messages"),
    Latitude(KEY_ORDER, PRA, ("model", "reversed"), "the order of keys in JSON objects"),
)


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


def _variation(latitude: str, choice: str, **hooks: Any) -> Breaker:
    return Breaker(f"{latitude}={choice}", PRA, _json_answer, **hooks)


VARIATIONS = (
    _variation(RETRY_AFTER, "1", after=_retry_after(1)),
    _variation(RETRY_AFTER, "30", after=_retry_after(30)),
    _variation(MESSAGES, "reworded", after=_reword),
    _variation(KEY_ORDER, "reversed", after=_reverse_key_order),
)
