"""Request validation for the PraisonAI routes, in the reference's own error format.

praisonai 4.7.19 validates with FastAPI + pydantic v2 (lax mode), so a bad request gets
`{"detail": [{"type", "loc", "msg", "input", ["ctx"]}, ...]}` with pydantic's error types and
messages (observed with fastapi 0.165 / pydantic 2.14 beside praisonai 4.7.19). This
module reproduces that for the two inputs the API takes - the submit body (models.py:107-125) and
the list query (router.py:154-157) - in one place, so a profile can re-map statuses, and the
JSON Schemas under schemas/praisonai/ can be switched in here once they exist.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Any

from mockserver.excerpt import clip
from mockserver.praisonai.models import SubmitRequest
from mockserver.praisonai.webhook_targets import WebhookPolicy, screen

ErrorItem = dict[str, Any]

_INT_STRING = re.compile(r"[+-]?\d+(?:_\d+)*(?:\.0*)?")


class ValidationFailed(Exception):
    """422 in FastAPI's shape; `errors` are the items of `detail`."""

    def __init__(self, errors: list[ErrorItem]) -> None:
        super().__init__(f"{len(errors)} validation error(s)")
        # pydantic echoes the whole input; the mock echoes an excerpt (the same for ordinary input).
        self.errors = [{**e, "input": clip(e["input"])} if "input" in e else e for e in errors]


class BodyUnreadable(Exception):
    """FastAPI answers 400 "There was an error parsing the body" (routing.py, non-JSON errors)."""


@dataclass(frozen=True)
class ListQuery:
    status: str | None
    session_id: str | None
    page: int
    page_size: int


# -- body ---------------------------------------------------------------------------------------
_MISSING: Any = object()


def read_body(body: bytes, content_type: str | None) -> Any:
    """The value FastAPI hands to the body model: parsed JSON for a JSON content type, else the
    raw text; _MISSING for an empty body."""
    if not body:
        return _MISSING
    if content_type:
        message = Message()
        message["content-type"] = content_type
        subtype = message.get_content_subtype()
        if message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json")):
            try:
                return json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)
            except _NotFinite as exc:
                # The reference parses NaN/Infinity, then cannot encode its own 422 echo and answers
                # 500; the mock refuses such bodies as the malformed JSON they are (RFC 8259).
                raise ValidationFailed([{"type": "json_invalid", "loc": ["body"], "msg": "JSON decode error",
                                         "input": {}, "ctx": {"error": str(exc)}}]) from None
            except json.JSONDecodeError as exc:
                raise ValidationFailed([{"type": "json_invalid", "loc": ["body", exc.pos],
                                         "msg": "JSON decode error", "input": {},
                                         "ctx": {"error": exc.msg}}]) from None
            except (ValueError, RecursionError):
                raise BodyUnreadable() from None
    # Strict content type: anything else reaches the model as text and is not an object.
    return body.decode("utf-8", "replace")


class _NotFinite(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotFinite(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(f"{text} is out of the range of a JSON number")
    return value


def validate_submit(value: Any, *, allow_loopback_webhooks: bool = False,
                    webhook_policy: WebhookPolicy | None = None) -> SubmitRequest:
    """JobSubmitRequest (praisonai/jobs/models.py:107-125): field order = error order."""
    if value is _MISSING:
        raise ValidationFailed([{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}])
    if not isinstance(value, dict):
        raise ValidationFailed([{"type": "model_attributes_type", "loc": ["body"],
                                 "msg": "Input should be a valid dictionary or object to extract fields from",
                                 "input": value}])
    errors: list[ErrorItem] = []
    out: dict[str, Any] = {}
    for name, kind in _SUBMIT_FIELDS:
        loc = ["body", name]
        if name not in value:
            if name == "prompt":
                errors.append({"type": "missing", "loc": loc, "msg": "Field required", "input": value})
            continue
        raw = value[name]
        if raw is None and name != "prompt":
            out[name] = None
            continue
        try:
            if kind == "str":
                out[name] = _as_str(raw)
            elif kind == "dict":
                out[name] = _as_dict(raw)
            else:
                out[name] = _as_int(raw)
            policy = webhook_policy or WebhookPolicy(allow_loopback=allow_loopback_webhooks)
            reason = webhook_refusal(out[name], policy) if name == "webhook_url" else None
            if reason is not None:
                # FastAPI encodes the ValueError in ctx as {} (observed).
                raise _FieldError("value_error", f"Value error, {reason}", ctx={"error": {}})
        except _FieldError as exc:
            errors.append({"type": exc.type, "loc": loc, "msg": exc.msg, "input": raw, **exc.extra})
    if errors:
        raise ValidationFailed(errors)
    return SubmitRequest(
        prompt=out["prompt"], agent_file=out.get("agent_file"), agent_yaml=out.get("agent_yaml"),
        recipe_name=out.get("recipe_name"), recipe_config=out.get("recipe_config") or {},
        framework=out.get("framework"), config=out.get("config") or {},
        webhook_url=out.get("webhook_url") or None, timeout=out.get("timeout"),
        session_id=out.get("session_id"), idempotency_key=out.get("idempotency_key"),
        idempotency_scope=out.get("idempotency_scope"))


_SUBMIT_FIELDS = (
    ("prompt", "str"), ("agent_file", "str"), ("agent_yaml", "str"), ("recipe_name", "str"),
    ("recipe_config", "dict"), ("framework", "str"), ("config", "dict"), ("webhook_url", "str"),
    ("timeout", "int"), ("session_id", "str"), ("idempotency_key", "str"), ("idempotency_scope", "str"),
)


# -- query --------------------------------------------------------------------------------------
def validate_list_query(params: Mapping[str, str]) -> ListQuery:
    """router.py:154-157: page >= 1, 1 <= page_size <= 100; several errors reported together."""
    errors: list[ErrorItem] = []
    numbers: dict[str, int] = {}
    for name, default, upper in (("page", 1, None), ("page_size", 20, 100)):
        if name not in params:
            numbers[name] = default
            continue
        raw = params[name]
        loc = ["query", name]
        try:
            number = _as_int(raw)
        except _FieldError as exc:
            errors.append({"type": exc.type, "loc": loc, "msg": exc.msg, "input": raw, **exc.extra})
            continue
        if number < 1:
            errors.append({"type": "greater_than_equal", "loc": loc,
                           "msg": "Input should be greater than or equal to 1", "input": raw, "ctx": {"ge": 1}})
        elif upper is not None and number > upper:
            errors.append({"type": "less_than_equal", "loc": loc,
                           "msg": f"Input should be less than or equal to {upper}", "input": raw,
                           "ctx": {"le": upper}})
        numbers[name] = number
    if errors:
        raise ValidationFailed(errors)
    return ListQuery(status=params.get("status"), session_id=params.get("session_id"),
                     page=numbers["page"], page_size=numbers["page_size"])


# -- pydantic v2 lax-mode coercions ---------------------------------------------------------------
class _FieldError(Exception):
    def __init__(self, type_: str, msg: str, **extra: Any) -> None:
        super().__init__(msg)
        self.type, self.msg, self.extra = type_, msg, extra


def _as_str(raw: Any) -> str:
    if isinstance(raw, str):
        return raw
    raise _FieldError("string_type", "Input should be a valid string")


def _as_dict(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    raise _FieldError("dict_type", "Input should be a valid dictionary")


def _as_int(raw: Any) -> int:
    if isinstance(raw, bool):
        return int(raw)
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise _FieldError("finite_number", "Input should be a finite number")
        if raw != int(raw):
            raise _FieldError("int_from_float", "Input should be a valid integer, got a number with a fractional part")
        return int(raw)
    if isinstance(raw, str):
        text = raw.strip()
        if _INT_STRING.fullmatch(text):
            try:
                return int(text.split(".")[0].replace("_", ""))
            except ValueError:  # more digits than Python converts
                pass
        raise _FieldError("int_parsing", "Input should be a valid integer, unable to parse string as an integer")
    raise _FieldError("int_type", "Input should be a valid integer")


def webhook_refusal(url: str, policy: WebhookPolicy | bool) -> str | None:
    """Why praisonai would refuse this webhook URL (models.py:20-84), or None: its host is resolved
    and every address checked (`webhook_targets.screen`)."""
    if not url:
        return None
    if isinstance(policy, bool):
        policy = WebhookPolicy(allow_loopback=policy)
    return screen(url, policy).refusal
