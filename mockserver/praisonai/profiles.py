"""The two faces of the PraisonAI API: `impl` (praisonai 4.7.19 as it behaves) and `docs` (as the
pages in ../shared/docs/praisonai say). One object per profile holds every difference - status
codes, response fields, timestamp format, SSE framing, webhook payload - and the routes ask it;
nothing else in the package branches on the profile. `DIFFERENCES` lists each difference with the
page line and the source line it comes from (rendered for the README by `differences_markdown`).

Behaviour both sides share (404 body, 503 + Retry-After, Location header, the invalid status
filter's 400, ...) lives in the routes, not here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mockserver.praisonai.models import PraisonAIModel, RunView
from mockserver.praisonai.validation import ErrorItem

SSEEvent = dict[str, Any]   # keyword arguments of sse_starlette.ServerSentEvent


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any = None                 # JSON-able; None with `text` None = empty body
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None          # a plain-text body instead of JSON


def _dt(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _duration(view: RunView) -> float | None:
    # Job.duration_seconds (praisonai/jobs/models.py:229-235) subtracts microsecond datetimes.
    if view.started_at is None:
        return None
    end = view.completed_at if view.completed_at is not None else view.at
    return (_dt(end) - _dt(view.started_at)).total_seconds()


class Profile:
    """Shared shape of a profile; the subclasses below are the only two instances."""

    name: str
    description: str

    # -- formatting ---------------------------------------------------------------------------
    def timestamp(self, t: float | None) -> str | None:
        raise NotImplementedError

    # -- submit -------------------------------------------------------------------------------
    def submit_body(self, view: RunView, base_url: str) -> dict[str, Any]:
        return {"job_id": view.job_id, "status": view.status, "created_at": self.timestamp(view.created_at),
                "poll_url": f"{base_url}/api/v1/runs/{view.job_id}",
                "stream_url": f"{base_url}/api/v1/runs/{view.job_id}/stream"}

    def duplicate_submit(self, view: RunView, base_url: str, headers: dict[str, str]) -> Reply:
        raise NotImplementedError

    def submit_invalid(self, errors: list[ErrorItem], body: Any) -> Reply:
        raise NotImplementedError

    def blank_prompt(self, prompt: str) -> Reply | None:
        """A refusal for a prompt with nothing in it, or None to accept it."""
        return None

    # -- list -----------------------------------------------------------------------------------
    def list_invalid(self, errors: list[ErrorItem]) -> Reply:
        raise NotImplementedError

    def list_item(self, view: RunView) -> dict[str, Any]:
        raise NotImplementedError

    # -- per run --------------------------------------------------------------------------------
    def status_body(self, view: RunView) -> dict[str, Any]:
        raise NotImplementedError

    def result(self, view: RunView) -> Reply:
        raise NotImplementedError

    def cancelled(self, view: RunView) -> Reply:
        raise NotImplementedError

    def cancel_refused(self, view: RunView) -> Reply:
        raise NotImplementedError

    def deleted(self) -> Reply:
        raise NotImplementedError

    def delete_refused(self, view: RunView) -> Reply:
        raise NotImplementedError

    def stream_refused(self, view: RunView) -> Reply | None:
        """None: stream this run (the routes already answered 404 for unknown ids)."""
        raise NotImplementedError

    # -- server ---------------------------------------------------------------------------------
    def health(self, model: PraisonAIModel) -> Reply:
        raise NotImplementedError

    def stats(self, model: PraisonAIModel) -> Reply:
        raise NotImplementedError

    def allowed_methods(self, first_route: str, every: list[str]) -> str:
        """The `Allow` of a 405, given the methods of the first route on the path (what Starlette
        says) and those of every route on it."""
        raise NotImplementedError

    # -- webhooks -------------------------------------------------------------------------------
    def webhook_wanted(self, view: RunView) -> bool:
        raise NotImplementedError

    def webhook_payload(self, view: RunView) -> dict[str, Any]:
        raise NotImplementedError

    # -- SSE framing ----------------------------------------------------------------------------
    def sse_progress_key(self, view: RunView) -> Any:
        """A new progress event goes out when this changes."""
        raise NotImplementedError

    def sse_status(self, view: RunView) -> list[SSEEvent]:
        raise NotImplementedError

    def sse_progress(self, view: RunView) -> list[SSEEvent]:
        raise NotImplementedError

    def sse_terminal(self, view: RunView) -> list[SSEEvent]:
        raise NotImplementedError

    def sse_heartbeat(self, now: float) -> list[SSEEvent]:
        raise NotImplementedError

    def sse_gone(self, job_id: str) -> list[SSEEvent]:
        raise NotImplementedError


class ImplProfile(Profile):
    """praisonai 4.7.19, praisonai/jobs/ (router.py, models.py, server.py, executor.py)."""

    name = "impl"
    description = "as the reference server praisonai 4.7.19 behaves"

    def timestamp(self, t: float | None) -> str | None:
        # pydantic v2 serialises an aware UTC datetime as ISO 8601 with "Z", microseconds if any.
        return None if t is None else _dt(t).isoformat().replace("+00:00", "Z")

    def duplicate_submit(self, view: RunView, base_url: str, headers: dict[str, str]) -> Reply:
        return Reply(202, self.submit_body(view, base_url), headers)          # router.py:70-84

    def submit_invalid(self, errors: list[ErrorItem], body: Any) -> Reply:
        return Reply(422, {"detail": errors})

    def list_invalid(self, errors: list[ErrorItem]) -> Reply:
        return Reply(422, {"detail": errors})

    def list_item(self, view: RunView) -> dict[str, Any]:
        return self.status_body(view)                                         # router.py:185

    def status_body(self, view: RunView) -> dict[str, Any]:
        p = view.progress                                                     # models.py:242-267
        return {
            "job_id": view.job_id, "status": view.status,
            "progress": {"percentage": p.percentage, "current_step": p.current_step,
                         "steps_completed": p.steps_completed, "steps_total": p.steps_total},
            "created_at": self.timestamp(view.created_at), "started_at": self.timestamp(view.started_at),
            "completed_at": self.timestamp(view.completed_at), "agent_id": None, "run_id": None,
            "session_id": view.session_id, "error": view.error, "retry_after": view.retry_after,
        }

    def result(self, view: RunView) -> Reply:
        if not view.terminal:                                                 # router.py:215-219
            return Reply(409, {"detail": f"Job is not complete. Current status: {view.status}"})
        return Reply(200, {                                                   # models.py:269-282
            "job_id": view.job_id, "status": view.status, "result": view.result, "result_url": None,
            "metrics": None, "created_at": self.timestamp(view.created_at),
            "started_at": self.timestamp(view.started_at), "completed_at": self.timestamp(view.completed_at),
            "duration_seconds": _duration(view), "error": view.error,
        })

    def cancelled(self, view: RunView) -> Reply:
        return Reply(200, self.status_body(view))                             # router.py:244-246

    def cancel_refused(self, view: RunView) -> Reply:
        return Reply(409, {"detail": f"Job is already complete. Status: {view.status}"})  # router.py:234-238

    def deleted(self) -> Reply:
        # FastAPI's 204 for a handler returning None: empty body, JSON content type (observed).
        return Reply(204, None, {"content-type": "application/json"})

    def delete_refused(self, view: RunView) -> Reply:
        return Reply(409, {"detail": "Cannot delete a running job. Cancel it first."})  # router.py:259-263

    def stream_refused(self, view: RunView) -> Reply | None:
        return None                                                           # router.py:278-357

    def health(self, model: PraisonAIModel) -> Reply:
        limits = model.limits()                                               # server.py:197-204
        return Reply(200, {"status": "healthy", "store": "InMemoryJobStore", "executor_stats": {
            "running_jobs": model.unfinished(), "max_concurrent": limits.max_concurrent,
            "default_timeout": limits.default_timeout, "shutdown": False}})

    def stats(self, model: PraisonAIModel) -> Reply:
        # server.py:215 puts the un-awaited coroutine of the async store.get_stats (store.py:290)
        # in the response; FastAPI cannot encode it and answers a plain 500 on every call.
        return Reply(500, text="Internal Server Error")

    def allowed_methods(self, first_route: str, every: list[str]) -> str:
        return first_route  # FastAPI: the first route declared on the path (router.py:50 before 152)

    def webhook_wanted(self, view: RunView) -> bool:
        # executor.py:281-282 and 304-306: after success and after an exception; not on timeout
        # (executor.py:284-288) nor on cancel (executor.py:290-296).
        return view.status == "succeeded" or (view.status == "failed" and not view.timed_out)

    def webhook_payload(self, view: RunView) -> dict[str, Any]:
        return {                                                              # executor.py:541-548
            "job_id": view.job_id, "status": view.status,
            "result": view.result if view.status == "succeeded" else None,
            "error": view.error if view.status == "failed" else None,
            "completed_at": _dt(view.completed_at).isoformat() if view.completed_at is not None else None,
            "duration_seconds": _duration(view),
        }

    # router.py:296-351: named events; data built with f-strings, not JSON encoding.
    def sse_progress_key(self, view: RunView) -> Any:
        return view.progress.percentage

    def sse_status(self, view: RunView) -> list[SSEEvent]:
        return [{"event": "status", "data": f'{{"status": "{view.status}", "job_id": "{view.job_id}"}}'}]

    def sse_progress(self, view: RunView) -> list[SSEEvent]:
        p = view.progress
        return [{"event": "progress", "data": f'{{"percentage": {p.percentage}, "step": "{p.current_step or ""}"}}'}]

    def sse_terminal(self, view: RunView) -> list[SSEEvent]:
        if view.status == "succeeded":
            text = str(view.result).replace('"', '\\"')[:1000]
            return [{"event": "result", "data": f'{{"result": "{text}"}}'}]
        if view.status == "failed":
            text = (view.error or "Unknown error").replace('"', '\\"')
            return [{"event": "error", "data": f'{{"error": "{text}"}}'}]
        return [{"event": "cancelled", "data": '{"message": "Job was cancelled"}'}]

    def sse_heartbeat(self, now: float) -> list[SSEEvent]:
        return [{"event": "heartbeat", "data": f'{{"timestamp": "{_dt(now).isoformat()}"}}'}]

    def sse_gone(self, job_id: str) -> list[SSEEvent]:
        return [{"event": "error", "data": '{"error": "Job not found"}'}]


class DocsProfile(Profile):
    """docs.praison.ai/docs/deploy/api/async-jobs/* (../shared/docs/praisonai/*.mdx)."""

    name = "docs"
    description = "as the documentation pages say"

    def timestamp(self, t: float | None) -> str | None:
        # The pages' examples: "2025-01-01T00:00:00Z" (get-run-status.mdx:108-109).
        return None if t is None else _dt(t).strftime("%Y-%m-%dT%H:%M:%SZ")

    def duplicate_submit(self, view: RunView, base_url: str, headers: dict[str, str]) -> Reply:
        return Reply(409, {"job_id": view.job_id, "status": view.status,                  # submit-run.mdx:161-167
                           "message": "Job already exists with this idempotency key"})

    def submit_invalid(self, errors: list[ErrorItem], body: Any) -> Reply:
        # submit-run.mdx:208-210: 400 for a missing or invalid prompt, 422 for the rest.
        for error in errors:
            if error["loc"] == ["body", "prompt"]:
                reason = ("Missing required field: prompt" if error["type"] == "missing"
                          else "Invalid prompt: must be a string")
                return Reply(400, {"detail": reason})
        return Reply(422, {"detail": errors})

    def blank_prompt(self, prompt: str) -> Reply | None:
        """The pages call a prompt that says nothing invalid (400); the reference accepts ""."""
        return Reply(400, {"detail": "Invalid prompt: must not be empty"}) if not prompt.strip() else None

    def list_invalid(self, errors: list[ErrorItem]) -> Reply:
        first = errors[0]                                                     # list-runs.mdx:142
        return Reply(400, {"detail": f"Invalid {first['loc'][-1]}: {first['input']}. {first['msg']}"})

    def list_item(self, view: RunView) -> dict[str, Any]:
        item = {"job_id": view.job_id, "status": view.status,                  # list-runs.mdx:47-61
                "created_at": self.timestamp(view.created_at)}
        # A string "if provided during submission" (list-runs.mdx:59-61): left out when it was not.
        if view.session_id is not None:
            item["session_id"] = view.session_id
        return item

    def status_body(self, view: RunView) -> dict[str, Any]:
        body: dict[str, Any] = {"job_id": view.job_id, "status": view.status}  # get-run-status.mdx:17-55
        if view.status == "running":
            body["progress"] = {"percentage": view.progress.percentage}
            if view.progress.current_step is not None:
                body["progress"]["current_step"] = view.progress.current_step
        body["created_at"] = self.timestamp(view.created_at)
        for key, t in (("started_at", view.started_at), ("completed_at", view.completed_at)):
            if t is not None:
                body[key] = self.timestamp(t)
        if view.retry_after is not None:
            body["retry_after"] = view.retry_after
        if view.error is not None:
            body["error"] = view.error
        return body

    def result(self, view: RunView) -> Reply:
        if not view.terminal:                                                 # get-run-result.mdx:84-88
            return Reply(400, {"detail": f"Job is still running. Current status: {view.status}"})
        if view.status == "failed":                                           # get-run-result.mdx:90-95
            return Reply(400, {"detail": "Job failed. No result available.", "error": view.error})
        if view.status == "cancelled":                                        # get-run-result.mdx:9
            return Reply(400, {"detail": "Job was cancelled. No result available."})
        duration = _duration(view)
        return Reply(200, {"job_id": view.job_id, "status": view.status, "result": _text(view.result),  # :17-39
                           "duration_seconds": duration if duration is not None else 0.0,
                           "created_at": self.timestamp(view.created_at),
                           "completed_at": self.timestamp(view.completed_at)})

    def cancelled(self, view: RunView) -> Reply:
        return Reply(200, {"job_id": view.job_id, "status": view.status,       # cancel-run.mdx:17-27
                           "cancelled_at": self.timestamp(view.completed_at)})

    def cancel_refused(self, view: RunView) -> Reply:
        return Reply(400, {"detail": f"Cannot cancel job with status: {view.status}"})  # cancel-run.mdx:67-71

    def deleted(self) -> Reply:
        return Reply(204)                                                     # delete-run.mdx:17, 46-48

    def delete_refused(self, view: RunView) -> Reply:
        return Reply(400, {"detail": "Cannot delete running job. Cancel it first."})  # delete-run.mdx:50-54

    def stream_refused(self, view: RunView) -> Reply | None:
        if view.terminal:                                                     # stream-run.mdx:172
            return Reply(400, {"detail": f"Job already completed (no stream available). Status: {view.status}"})
        return None

    def health(self, model: PraisonAIModel) -> Reply:
        return Reply(200, {"status": "healthy"})                              # health.mdx:13-15, 40-44

    def stats(self, model: PraisonAIModel) -> Reply:
        # stats.mdx:13-39: every job ever submitted, by status (deleted ones keep their final status).
        by_status = model.counts(include_deleted=True)
        return Reply(200, {"total_jobs": sum(by_status.values()), "by_status": by_status})

    def allowed_methods(self, first_route: str, every: list[str]) -> str:
        return ", ".join(every)  # RFC 9110 15.5.6: the methods the resource has

    def webhook_wanted(self, view: RunView) -> bool:
        # submit-run.mdx:193: "when the job completes"; completed = succeeded, failed or
        # cancelled (get-run-status.mdx:45-47).
        return view.terminal

    def webhook_payload(self, view: RunView) -> dict[str, Any]:
        duration = _duration(view)                                            # submit-run.mdx:191-202
        # The page's result is a string; a run that did not succeed has none: "".
        return {"job_id": view.job_id, "status": view.status,
                "result": _text(view.result) if view.status == "succeeded" else "",
                "duration_seconds": duration if duration is not None else 0.0}

    # stream-run.mdx:24-43: unnamed events whose data is {"event", "data"}; ends with [DONE].
    def sse_progress_key(self, view: RunView) -> Any:
        return (view.progress.percentage, view.progress.current_step)

    def sse_status(self, view: RunView) -> list[SSEEvent]:
        if view.terminal:
            return []
        return [_envelope("log", {"message": f"Job {view.status}"})]

    def sse_progress(self, view: RunView) -> list[SSEEvent]:
        if view.status not in ("running", "succeeded"):
            return []
        return [_envelope("progress", {"percentage": view.progress.percentage,
                                       "current_step": view.progress.current_step or ""})]

    def sse_terminal(self, view: RunView) -> list[SSEEvent]:
        return [_envelope("complete", {"status": view.status, "job_id": view.job_id}), {"data": "[DONE]"}]

    def sse_heartbeat(self, now: float) -> list[SSEEvent]:
        return [{"comment": "heartbeat"}]   # not an event: the pages' clients skip non-data lines

    def sse_gone(self, job_id: str) -> list[SSEEvent]:
        return [_envelope("log", {"message": "Job not found"}), {"data": "[DONE]"}]


def _text(result: Any) -> str:
    """The pages type a result as a string (get-run-result.mdx:25): other JSON values as JSON text."""
    return result if isinstance(result, str) else json.dumps(result)


def _envelope(event: str, data: dict[str, Any]) -> SSEEvent:
    return {"data": json.dumps({"event": event, "data": data})}


IMPL = ImplProfile()
DOCS = DocsProfile()
PROFILES: dict[str, Profile] = {IMPL.name: IMPL, DOCS.name: DOCS}


def get_profile(profile: str | Profile | None) -> Profile:
    if isinstance(profile, Profile):
        return profile
    if profile is None:
        return IMPL
    try:
        return PROFILES[profile]
    except KeyError:
        raise ValueError(f"unknown PraisonAI profile {profile!r}; choose one of {sorted(PROFILES)}") from None


# -- the differences, for the README ------------------------------------------------------------
@dataclass(frozen=True)
class Difference:
    member: str          # the Profile member that encodes it
    topic: str
    docs: str
    docs_source: str
    impl: str
    impl_source: str


DIFFERENCES: tuple[Difference, ...] = (
    Difference("duplicate_submit", "Submit with an Idempotency-Key already used",
               "409 `{job_id, status, message}`", "submit-run.mdx:161-167, 209",
               "202, the existing run's submit response (+ Location, Retry-After)", "router.py:69-84"),
    Difference("submit_invalid", "Submit with a missing or non-string prompt",
               "400 `{detail}`", "submit-run.mdx:208",
               "422 FastAPI list `{detail: [{type, loc, msg, input}]}`", "models.py:109 (FastAPI)"),
    Difference("blank_prompt", "Submit with an empty prompt",
               "400 (\"missing or invalid prompt\")", "submit-run.mdx:208",
               "202, accepted", "models.py:109"),
    Difference("list_invalid", "List with page < 1 or page_size outside 1..100",
               "400 `{detail}`", "list-runs.mdx:19-25, 142",
               "422 FastAPI list", "router.py:156-157"),
    Difference("list_item", "Job object in the list",
               "`job_id, status, created_at, session_id`", "list-runs.mdx:47-61",
               "the full status object", "router.py:185, models.py:145-157"),
    Difference("status_body", "Status object",
               "`progress {percentage, current_step}` only when running; unset fields omitted",
               "get-run-status.mdx:25-35, 99-133",
               "every key always present (null when unset); `progress` always, with `steps_completed`, "
               "`steps_total`; plus `agent_id`, `run_id`, `session_id`", "models.py:145-157, 242-267"),
    Difference("timestamp", "Timestamp format",
               "`2025-01-01T00:00:00Z` (seconds)", "get-run-status.mdx:108-120",
               "`2025-01-01T00:00:00.123456Z` (microseconds; pydantic)", "models.py:217-219"),
    Difference("result", "Result of a queued or running run",
               "400 \"Job is still running. Current status: <s>\"", "get-run-result.mdx:84-88, 142",
               "409 \"Job is not complete. Current status: <s>\"", "router.py:215-219"),
    Difference("result", "Result of a failed run",
               "400 `{detail: \"Job failed. No result available.\", error}`", "get-run-result.mdx:90-95",
               "200 result object with `error`, `result: null`", "router.py:221"),
    Difference("result", "Result of a cancelled run",
               "400 (only `succeeded` has a result)", "get-run-result.mdx:9, 142",
               "200 result object, `result: null`", "router.py:221"),
    Difference("result", "Result object fields",
               "`job_id, status, result (string), duration_seconds, created_at, completed_at`",
               "get-run-result.mdx:17-39",
               "+ `result_url, metrics, started_at, error`; `result` any JSON value",
               "models.py:160-171, 269-282"),
    Difference("cancelled", "Cancel response",
               "`{job_id, status, cancelled_at}`", "cancel-run.mdx:17-27, 59-64",
               "the full status object (no `cancelled_at`)", "router.py:244-246"),
    Difference("cancel_refused", "Cancel a finished run",
               "400 \"Cannot cancel job with status: <s>\"", "cancel-run.mdx:67-71, 130",
               "409 \"Job is already complete. Status: <s>\"", "router.py:234-238"),
    Difference("delete_refused", "Delete a queued or running run",
               "400 \"Cannot delete running job. Cancel it first.\"", "delete-run.mdx:50-54, 102",
               "409 \"Cannot delete a running job. Cancel it first.\"", "router.py:259-263"),
    Difference("deleted", "Delete response headers",
               "204, empty", "delete-run.mdx:17, 46-48",
               "204, empty, `content-type: application/json`", "router.py:248 (FastAPI)"),
    Difference("stream_refused", "Stream of a finished run",
               "400 (\"no stream available\")", "stream-run.mdx:172, 179",
               "200: status, progress and the terminal event at once, then the stream ends",
               "router.py:296-341"),
    Difference("sse_status", "SSE framing",
               "unnamed events, `data: {\"event\": ..., \"data\": {...}}`; types progress, log, complete",
               "stream-run.mdx:24-43",
               "named events `status`, `progress`, `result`, `error`, `cancelled`, `heartbeat`; flat data",
               "router.py:296-351"),
    Difference("sse_progress", "SSE progress data",
               "`{\"percentage\", \"current_step\"}`", "stream-run.mdx:28, 36, 100-112",
               "`{\"percentage\", \"step\"}`, only when the percentage changes", "router.py:315-320"),
    Difference("sse_terminal", "SSE end of stream",
               "`complete {status, job_id}` then `data: [DONE]`", "stream-run.mdx:30-31, 40-42, 114-116",
               "`result {result: str(result)}`, `error {error}` or `cancelled {message}`; no [DONE]",
               "router.py:323-341"),
    Difference("sse_heartbeat", "SSE keep-alive while nothing changes",
               "not documented (a comment here)", "stream-run.mdx:24-31",
               "`heartbeat {timestamp}` event after 5 s without an update", "router.py:343-351"),
    Difference("health", "Health body",
               "`{status}`", "health.mdx:13-15, 40-44",
               "`{status, store, executor_stats {running_jobs, max_concurrent, default_timeout, shutdown}}`",
               "server.py:197-204, executor.py:588-595"),
    Difference("stats", "Stats",
               "200 `{total_jobs, by_status {queued, running, succeeded, failed, cancelled}}`",
               "stats.mdx:13-39, 63-75",
               "500 `Internal Server Error` (text): the async store.get_stats is never awaited",
               "server.py:207-217, store.py:290"),
    Difference("allowed_methods", "`Allow` of a 405 on a path served for several methods",
               "every method of the path (GET, HEAD, POST on /api/v1/runs: RFC 9110 15.5.6)",
               "list-runs.mdx:6, submit-run.mdx:6",
               "the first declared route's only (`POST` on /api/v1/runs)", "router.py:50, 152 (FastAPI)"),
    Difference("webhook_payload", "Webhook payload",
               "`{job_id, status, result, duration_seconds}`", "submit-run.mdx:191-202",
               "`{job_id, status, result, error, completed_at, duration_seconds}`", "executor.py:541-548"),
    Difference("webhook_wanted", "When the webhook is sent",
               "when the job completes (succeeded, failed or cancelled)",
               "submit-run.mdx:44, 193; get-run-status.mdx:45-47",
               "after success or an error; not after a timeout or a cancel",
               "executor.py:281-306"),
)


def differences_markdown() -> str:
    """The README table: one row per difference the mock encodes."""
    rows = ["| Profile member | Topic | `docs` (page:line) | `impl` (praisonai/jobs/ file:line) |",
            "|---|---|---|---|"]
    for d in DIFFERENCES:
        cells = (f"`{d.member}`", d.topic, f"{d.docs} ({d.docs_source})", f"{d.impl} ({d.impl_source})")
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows) + "\n"
