"""PraisonAI's breakers: one per contract clause, how to make the mock violate exactly that statement.

Each breaker is `Breaker(clause, "praisonai", applies, before=..., after=..., chunk=...)` and works on
`ex.request_json` / `ex.status` / `ex.response_json` (the default JSON codec) or, for streams, on each
chunk. Keep each one minimal: a single wrong thing a real implementation might do.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mockserver.misbehave import (
    Breaker,
    BreakerSet,
    Exchange,
    fields_dropped,
    fields_set,
    query_dropped,
    response_header,
    status_set,
)

PRA = "praisonai"
TERMINAL_P = {"succeeded", "failed", "cancelled"}
RUN_PATH = re.compile(r"^/api/v1/runs/([^/]+)(/result|/cancel|/stream)?$")


# -- helpers ------------------------------------------------------------------------------------------
def run_suffix(ex: Exchange) -> str | None:
    """What follows /api/v1/runs/{id}: '', '/result', '/cancel' or '/stream'; None for other paths."""
    m = RUN_PATH.match(ex.path)
    return (m.group(2) or "") if m else None


def route(method: str, suffix: str | None = "", *, listing: bool = False) -> Any:
    """Requests to one per-run route (`suffix` None: any), or to the list/submit collection."""

    def applies(ex: Exchange) -> bool:
        if ex.method != method:
            return False
        if listing:
            return ex.path == "/api/v1/runs"
        found = run_suffix(ex)
        return found is not None and (suffix is None or found == suffix)

    return applies


def body_when(status: int | set[int], change: Any) -> Any:
    codes = {status} if isinstance(status, int) else status

    def after(ex: Exchange, state: dict[str, Any]) -> None:
        if ex.status in codes and isinstance(ex.response_json, dict):
            change(ex, ex.response_json, state)

    return after


def recode(old: int | set[int], new: int, body: Any = None) -> Any:
    codes = {old} if isinstance(old, int) else old

    def after(ex: Exchange, state: dict[str, Any]) -> None:
        if ex.status in codes:
            ex.status = new
            if body is not None:
                ex.response_json = body
                ex.set_header("content-type", "application/json", response=True)

    return after


def _job_id(ex: Exchange) -> str:
    m = RUN_PATH.match(ex.path)
    return m.group(1) if m else ""


def _terminal_flips(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
    seen = state.setdefault("terminal", set())
    if body.get("status") in TERMINAL_P:
        if body.get("job_id") in seen:
            body["status"] = "running"
        seen.add(body.get("job_id"))


def _cancel_undone(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
    seen = state.setdefault("cancelled", set())
    if body.get("status") == "cancelled":
        if body.get("job_id") in seen:
            body["status"] = "succeeded"
        seen.add(body.get("job_id"))


def _progress_regress(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
    progress = body.get("progress")
    if body.get("status") == "running" and isinstance(progress, dict):
        count = state.setdefault("reads", {})
        count[body.get("job_id")] = count.get(body.get("job_id"), 0) + 1
        if count[body.get("job_id")] % 2 == 0 and progress.get("percentage", 0) > 0:
            progress["percentage"] = 0


def _repeat_keys(ex: Exchange, state: dict[str, Any]) -> None:
    key = (
        ex.header("idempotency-key") or (ex.request_json or {}).get("idempotency_key")
        if isinstance(ex.request_json, dict)
        else ex.header("idempotency-key")
    )
    state["repeat"] = bool(key) and key in state.setdefault("keys", set())
    if key:
        state["keys"].add(key)


def _strip_idempotency(ex: Exchange, state: dict[str, Any]) -> None:
    ex.set_header("Idempotency-Key", None)
    if isinstance(ex.request_json, dict):
        ex.request_json.pop("idempotency_key", None)


def _sse_terminal_twice(ex: Exchange, state: dict[str, Any], chunk: bytes) -> bytes:
    text = chunk.decode("utf-8", "replace")
    if (
        '"event": "complete"' in text
        or '"event":"complete"' in text
        or re.search(r"^event: (result|error|cancelled)\s*$", text, re.M)
    ):
        return chunk + chunk
    return chunk


def _sse_rename(ex: Exchange, state: dict[str, Any], chunk: bytes) -> bytes:
    return re.sub(rb"^event: status", b"event: state", chunk, flags=re.M)


def _sse_no_done(ex: Exchange, state: dict[str, Any], chunk: bytes) -> bytes:
    return b"" if b"[DONE]" in chunk else chunk


def _sse_progress_backwards(ex: Exchange, state: dict[str, Any], chunk: bytes) -> bytes:
    def flip(m: re.Match[bytes]) -> bytes:
        return m.group(1) + str(100 - float(m.group(2))).encode()

    return re.sub(rb'("percentage": ?)([0-9.]+)', flip, chunk)


def _sse_progress_beyond_100(ex: Exchange, state: dict[str, Any], chunk: bytes) -> bytes:
    return re.sub(rb'("percentage": ?)([0-9.]+)', lambda m: m.group(1) + b"150", chunk)


def _remember_finished(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
    if body.get("status") in TERMINAL_P:
        state.setdefault("finished", set()).add(body.get("job_id"))


def _stream_or_status(ex: Exchange) -> bool:
    return ex.method == "GET" and run_suffix(ex) in ("", "/stream")


def _sse_finished_after(ex: Exchange, state: dict[str, Any]) -> None:
    if run_suffix(ex) == "" and isinstance(ex.response_json, dict):
        _remember_finished(ex, ex.response_json, state)
    elif ex.streaming and _job_id(ex) in state.get("finished", set()):
        ex.status = 400


def _bad_path_500(ex: Exchange) -> bool:
    job = _job_id(ex)
    return bool(job) and not re.fullmatch(r"[A-Za-z0-9_\-]*", job)


def _cancelled_delete_refused(ex: Exchange, state: dict[str, Any]) -> None:
    if ex.method == "POST" and ex.status == 200:
        state.setdefault("cancelled", set()).add(_job_id(ex))
    if ex.method == "DELETE" and _job_id(ex) in state.get("cancelled", set()) and ex.status == 204:
        ex.status = 400
        ex.response_json = {"detail": "Cannot delete a cancelled job"}
        ex.set_header("content-type", "application/json", response=True)


def _queued_cancel_starts(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
    if body.get("status") == "cancelled" and not body.get("started_at"):
        body["started_at"] = body.get("completed_at") or body.get("created_at")


DROP = object()  # in_status(...): remove the field instead of setting it


def in_status(statuses: set[str], name: str, value: Any) -> Callable[[Exchange, dict[str, Any], dict[str, Any]], None]:
    """A `body_when` change: in runs of these statuses, set field `name` to `value` (or drop it)."""

    def change(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
        if body.get("status") in statuses:
            if value is DROP:
                body.pop(name, None)
            else:
                body[name] = value

    return change


def body_field_dropped(name: str) -> Callable[[Exchange, dict[str, Any]], None]:
    """A `before` hook: the request body loses field `name` (so the model never hears of it)."""

    def before(ex: Exchange, state: dict[str, Any]) -> None:
        if isinstance(ex.request_json, dict):
            ex.request_json.pop(name, None)

    return before


def _repeat_conflicts(ex: Exchange, state: dict[str, Any]) -> None:
    if state.get("repeat"):
        ex.status = 409


def _timeout_reworded(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
    if "time" in str(body.get("error", "")).lower():
        body["error"] = "the agent stopped"


def _no_retry_after_when_full(ex: Exchange, state: dict[str, Any]) -> None:
    if ex.status == 503:
        ex.set_header("retry-after", None, response=True)


def _progress_beyond_100(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
    progress = body.get("progress")
    if isinstance(progress, dict):
        progress["percentage"] = progress.get("percentage", 0) + 101


def _current_step_a_number(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
    progress = body.get("progress")
    if isinstance(progress, dict):
        progress["current_step"] = 3


def _running_completed(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
    if body.get("status") == "running":
        body["completed_at"] = body["created_at"]


def _started_long_ago(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
    if body.get("started_at"):
        body["started_at"] = "2000-01-01T00:00:00Z"


def _failed_result_answered_ok(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
    if "error" in body:
        ex.status = 200


def _unsuccessful_result_refused(ex: Exchange, state: dict[str, Any]) -> None:
    body = ex.response_json
    if isinstance(body, dict) and ex.status == 200 and body.get("status") in ("failed", "cancelled"):
        ex.status = 400


def _listed_without_created_at(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
    for job in body.get("jobs", []):
        job.pop("created_at", None)


def _stream_as_plain_text(ex: Exchange, state: dict[str, Any]) -> None:
    if ex.streaming:
        ex.set_header("content-type", "text/plain", response=True)


def _detail_renamed_error(ex: Exchange, state: dict[str, Any]) -> None:
    body = ex.response_json
    if 400 <= ex.status < 500 and isinstance(body, dict) and "detail" in body:
        body["error"] = body.pop("detail")


def _ok_as_plain_text(ex: Exchange, state: dict[str, Any]) -> None:
    if ex.status == 200:
        ex.set_header("content-type", "text/plain", response=True)


def _cancel_or_delete(ex: Exchange) -> bool:
    return route("POST", "/cancel")(ex) or route("DELETE")(ex)


def _poll_url_elsewhere(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
    body["poll_url"] = body["poll_url"].replace("/runs/", "/jobs/")


def _other_job_id(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
    body["job_id"] += "x"


def _created_at_without_zone(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
    body["created_at"] = re.sub(r"(Z|[+-]00:?00)$", "", body["created_at"])


BREAKERS: list[Breaker] = [
    Breaker("PRA-SUB-001", PRA, route("POST", listing=True), after=recode(202, 200)),
    Breaker(
        "PRA-SUB-002",
        PRA,
        route("POST", listing=True),
        after=body_when(202, fields_set(status="succeeded")),
    ),
    Breaker(
        "PRA-SUB-003",
        PRA,
        route("POST", listing=True),
        after=response_header("location", None),
    ),
    Breaker(
        "PRA-SUB-004",
        PRA,
        route("POST", listing=True),
        after=body_when(202, _poll_url_elsewhere),
    ),
    Breaker("PRA-SUB-005D", PRA, route("POST", listing=True), after=recode({400, 422}, 500)),
    Breaker("PRA-SUB-005I", PRA, route("POST", listing=True), after=recode(422, 400, {"detail": "invalid"})),
    Breaker("PRA-SUB-006", PRA, route("POST", listing=True), before=_strip_idempotency),
    Breaker("PRA-SUB-007D", PRA, route("POST", listing=True), after=recode(409, 202)),
    Breaker(
        "PRA-SUB-007I",
        PRA,
        route("POST", listing=True),
        before=_repeat_keys,
        after=_repeat_conflicts,
    ),
    Breaker(
        "PRA-SUB-008I",
        PRA,
        route("POST", listing=True),
        before=body_field_dropped("idempotency_key"),
    ),
    Breaker(
        "PRA-SUB-009",
        PRA,
        route("GET", None),
        after=body_when(
            200, _timeout_reworded
        ),
    ),
    Breaker("PRA-SUB-010", PRA, route("POST", listing=True), after=recode(422, 500, {"detail": "server error"})),
    Breaker(
        "PRA-SUB-011I",
        PRA,
        route("POST", listing=True),
        after=_no_retry_after_when_full,
    ),
    Breaker(
        "PRA-SUB-012",
        PRA,
        route("POST", listing=True),
        before=body_field_dropped("webhook_url"),
    ),
    Breaker(
        "PRA-STA-001", PRA, route("GET"), after=body_when(200, _other_job_id)
    ),
    Breaker(
        "PRA-STA-002",
        PRA,
        route("GET"),
        after=body_when(200, in_status({"succeeded"}, "status", "done")),
    ),
    Breaker(
        "PRA-STA-003",
        PRA,
        route("GET"),
        after=body_when(200, in_status({"running"}, "progress", DROP)),
    ),
    Breaker(
        "PRA-STA-004",
        PRA,
        route("GET"),
        after=body_when(200, _progress_beyond_100),
    ),
    Breaker(
        "PRA-STA-005",
        PRA,
        route("GET"),
        after=body_when(200, _current_step_a_number),
    ),
    Breaker("PRA-STA-006", PRA, route("GET"), after=body_when(200, fields_set(created_at="yesterday"))),
    Breaker(
        "PRA-STA-007",
        PRA,
        route("GET"),
        after=body_when(200, in_status({"running"}, "started_at", DROP)),
    ),
    Breaker(
        "PRA-STA-008",
        PRA,
        route("GET"),
        after=body_when(200, _running_completed),
    ),
    Breaker(
        "PRA-STA-009",
        PRA,
        route("GET"),
        # 0, not absent: under the docs profile retry_after may be left out (get-run-status.mdx:144-145)
        after=body_when(200, in_status({"queued", "running"}, "retry_after", 0)),
    ),
    Breaker(
        "PRA-STA-010",
        PRA,
        route("GET"),
        after=body_when(200, in_status({"failed"}, "error", DROP)),
    ),
    Breaker("PRA-STA-011", PRA, route("GET"), after=recode(404, 400, {"detail": "bad request"})),
    Breaker(
        "PRA-STA-012",
        PRA,
        route("GET"),
        after=body_when(200, _created_at_without_zone),
    ),
    Breaker(
        "PRA-STA-013",
        PRA,
        route("GET"),
        after=body_when(200, _started_long_ago),
    ),
    Breaker("PRA-STA-014", PRA, route("GET"), after=body_when(200, _terminal_flips)),
    Breaker("PRA-STA-015", PRA, route("GET"), after=body_when(200, _progress_regress)),
    Breaker(
        "PRA-RES-001",
        PRA,
        route("GET", "/result"),
        after=body_when(200, fields_dropped("duration_seconds")),
    ),
    Breaker("PRA-RES-002D", PRA, route("GET", "/result"), after=recode(400, 409)),
    Breaker("PRA-RES-002I", PRA, route("GET", "/result"), after=recode(409, 400)),
    Breaker(
        "PRA-RES-003D",
        PRA,
        route("GET", "/result"),
        after=body_when(400, _failed_result_answered_ok),
    ),
    Breaker(
        "PRA-RES-003I",
        PRA,
        route("GET", "/result"),
        after=_unsuccessful_result_refused,
    ),
    Breaker("PRA-RES-004", PRA, route("GET", "/result"), after=recode(404, 400, {"detail": "bad request"})),
    Breaker("PRA-RES-005", PRA, route("GET", "/result"), after=body_when(200, fields_set(result="x"))),
    Breaker(
        "PRA-CAN-001D",
        PRA,
        route("POST", "/cancel"),
        after=body_when(200, fields_dropped("cancelled_at")),
    ),
    Breaker(
        "PRA-CAN-001I",
        PRA,
        route("POST", "/cancel"),
        after=body_when(200, fields_set(status="canceled")),
    ),
    Breaker("PRA-CAN-002D", PRA, route("POST", "/cancel"), after=recode(400, 409)),
    Breaker("PRA-CAN-002I", PRA, route("POST", "/cancel"), after=recode(409, 400)),
    Breaker("PRA-CAN-003", PRA, route("POST", "/cancel"), after=recode(404, 400, {"detail": "bad request"})),
    Breaker("PRA-CAN-004", PRA, route("GET"), after=body_when(200, _queued_cancel_starts)),
    Breaker("PRA-CAN-005", PRA, route("GET"), after=body_when(200, _cancel_undone)),
    Breaker("PRA-DEL-001", PRA, route("DELETE"), after=recode(204, 200, {"deleted": True})),
    Breaker("PRA-DEL-002D", PRA, route("DELETE"), after=recode(400, 409)),
    Breaker("PRA-DEL-002I", PRA, route("DELETE"), after=recode(409, 400)),
    Breaker("PRA-DEL-003", PRA, route("DELETE"), after=recode(404, 204)),
    Breaker(
        "PRA-DEL-004",
        PRA,
        _cancel_or_delete,
        after=_cancelled_delete_refused,
    ),
    Breaker(
        "PRA-LST-001", PRA, route("GET", listing=True), after=body_when(200, fields_dropped("page_size"))
    ),
    Breaker(
        "PRA-LST-002",
        PRA,
        route("GET", listing=True),
        after=body_when(200, _listed_without_created_at),
    ),
    Breaker("PRA-LST-003", PRA, route("GET", listing=True), before=query_dropped("status")),
    Breaker("PRA-LST-004", PRA, route("GET", listing=True), before=query_dropped("session_id")),
    Breaker("PRA-LST-005", PRA, route("GET", listing=True), before=query_dropped("page")),
    Breaker("PRA-LST-006D", PRA, route("GET", listing=True), after=recode(400, 422)),
    Breaker("PRA-LST-006I", PRA, route("GET", listing=True), after=recode(422, 400)),
    Breaker(
        "PRA-LST-007",
        PRA,
        lambda ex: (
            route("GET", listing=True)(ex)
            and ex.query_value("status") not in (None, "queued", "running", "succeeded", "failed", "cancelled")
        ),
        before=query_dropped("status"),
    ),
    Breaker(
        "PRA-SSE-001",
        PRA,
        route("GET", "/stream"),
        after=_stream_as_plain_text,
    ),
    Breaker("PRA-SSE-002D", PRA, route("GET", "/stream"), chunk=_sse_no_done),
    Breaker("PRA-SSE-002I", PRA, route("GET", "/stream"), chunk=_sse_rename),
    Breaker("PRA-SSE-003", PRA, route("GET", "/stream"), chunk=_sse_terminal_twice),
    Breaker("PRA-SSE-004", PRA, route("GET", "/stream"), after=recode(404, 400, {"detail": "bad request"})),
    Breaker("PRA-SSE-005D", PRA, route("GET", "/stream"), after=recode(400, 200, {})),
    Breaker("PRA-SSE-005I", PRA, _stream_or_status, after=_sse_finished_after),
    Breaker("PRA-SSE-006", PRA, route("GET", "/stream"), chunk=_sse_progress_beyond_100),
    Breaker("PRA-SSE-007", PRA, route("GET", "/stream"), chunk=_sse_progress_backwards),
    Breaker(
        "PRA-HLT-001",
        PRA,
        lambda ex: ex.path == "/health",
        after=body_when(200, fields_set(status="ok")),
    ),
    Breaker(
        "PRA-STS-001D",
        PRA,
        lambda ex: ex.path == "/stats",
        after=body_when(200, fields_dropped("total_jobs")),
    ),
    Breaker(
        "PRA-STS-002D",
        PRA,
        lambda ex: ex.path == "/stats",
        after=body_when(200, fields_set(total_jobs=0)),
    ),
    Breaker(
        "PRA-STS-001I",
        PRA,
        lambda ex: ex.path == "/stats",
        # 4.7.19 answers 500 here: neither that nor the executor object it meant to send
        after=recode({200, 500}, 200, {"jobs": 0}),
    ),
    Breaker("PRA-ERR-001", PRA, _bad_path_500, after=status_set(500)),
    Breaker(
        "PRA-ERR-002",
        PRA,
        lambda ex: True,
        after=_detail_renamed_error,
    ),
    Breaker(
        "PRA-OAS-001",
        PRA,
        lambda ex: ex.method == "GET" and not ex.path.endswith("/stream"),
        after=_ok_as_plain_text,
    ),
    Breaker("PRA-OAS-002", PRA, route("POST", listing=True), after=recode(422, 202, {"job_id": "x"})),
]

# -- the clauses the latitude review and the history replay added (issue 9) ----------------------------
def clamp_page_size(ex: Exchange, state: dict[str, Any]) -> None:
    """A page_size outside 1..100 clamped into it (also the latitude LAT-PRA-PAGE-SIZE=clamp)."""
    size = ex.query_value("page_size")
    if ex.method == "GET" and size is not None and size.lstrip("-").isdigit():
        ex.set_query("page_size", str(min(100, max(1, int(size)))))


def _not_found_reworded(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
    body["detail"] = "no such job"


def _unknown_job(ex: Exchange) -> bool:
    return bool(RUN_PATH.match(ex.path))


def _drop_nulls_when_finished(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
    """A server serialising finished jobs with exclude_none: keys vanish once the job ends."""
    if body.get("status") in TERMINAL_P:
        for name in [k for k, v in body.items() if v is None]:
            del body[name]


def _forget_after_finished_read(ex: Exchange, state: dict[str, Any]) -> None:
    """A server that drops a finished job once it has been read finished: the id stops answering."""
    if ex.status != 200 or not isinstance(ex.response_json, dict):
        return
    job_id, seen = _job_id(ex), state.setdefault("finished", set())
    if job_id in seen:
        ex.status = 404
        ex.response_json = {"detail": f"Job not found: {job_id}"}
    elif ex.response_json.get("status") in TERMINAL_P:
        seen.add(job_id)


BREAKERS += [
    Breaker("PRA-ERR-003", PRA, _unknown_job, after=body_when(404, _not_found_reworded)),
    Breaker("PRA-SUB-009D", PRA, route("GET", None), after=body_when(200, _timeout_reworded)),
    Breaker("PRA-LST-008D", PRA, route("GET", listing=True), before=clamp_page_size),
    Breaker("PRA-STA-016I", PRA, route("GET", ""), after=body_when(200, _drop_nulls_when_finished)),
    Breaker("PRA-STA-017", PRA, route("GET", ""), after=_forget_after_finished_read),
]

PRAISONAI = BreakerSet(BREAKERS)
