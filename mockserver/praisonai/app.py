"""The PraisonAI async-jobs HTTP API over a `PraisonAIModel`, shaped by a profile.

Routes decode, call the model, and let the profile encode; everything that differs between the
reference server and its pages is in `profiles.py`. What both share is here: 404
`{"detail": "Job not found: <id>"}` on every per-run route, 503 + Retry-After when the queue is
full, Location + Retry-After on submit, the 400 for an unknown status filter, and JSON bodies for
unknown paths (404) and wrong methods (405), as FastAPI answers them.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from typing import Any

from sse_starlette import EventSourceResponse
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.excerpt import excerpt
from mockserver.praisonai.models import (
    STATUSES,
    PraisonAIModel,
    QueueFull,
    RunFinished,
    RunNotFound,
    RunUnfinished,
)
from mockserver.praisonai.profiles import Profile, Reply, get_profile
from mockserver.praisonai.sse import run_events
from mockserver.praisonai.validation import (
    BodyUnreadable,
    ValidationFailed,
    read_body,
    validate_list_query,
    validate_submit,
)
from mockserver.praisonai.webhooks import WebhookDispatcher

log = logging.getLogger(__name__)

SUBMIT_RETRY_AFTER = "2"   # router.py:142


def reply(r: Reply) -> Response:
    if r.text is not None:
        return PlainTextResponse(r.text, status_code=r.status, headers=r.headers)
    if r.body is None:
        return Response(status_code=r.status, headers=r.headers)
    return JSONResponse(r.body, status_code=r.status, headers=r.headers)


def not_found(job_id: str) -> Response:
    return JSONResponse({"detail": f"Job not found: {excerpt(job_id)}"}, status_code=404)


def _agent_file_refusal(agent_file: str | None, root: str | None) -> str | None:
    """praisonai/jobs/path_validation.py:9-27: agent_file must resolve inside the agent root."""
    if not agent_file:
        return None
    base = root or os.environ.get("PRAISONAI_JOBS_AGENT_ROOT") or os.getcwd()
    try:
        resolved = os.path.realpath(os.path.abspath(agent_file))
    except ValueError as exc:  # a NUL byte: praisonai's router.py:87-90 answers the ValueError's text, 400
        return str(exc)
    base_resolved = os.path.realpath(os.path.abspath(base))
    if resolved != base_resolved and not resolved.startswith(base_resolved.rstrip(os.sep) + os.sep):
        return f"agent_file must be within PRAISONAI_JOBS_AGENT_ROOT ({base_resolved})"
    return None


_RUNS_PREFIX = "/api/v1/runs/"
# Status answers of finished runs kept as bytes: bounded by their size, whatever the number of runs.
FINAL_CACHE_BYTES = 8 * 1024 * 1024


class PraisonAIApp:
    """The ASGI app; `.model`, `.profile` and `.webhooks` are there for the runtime and tests."""

    def __init__(self, model: PraisonAIModel, profile: Profile, *, agent_root: str | None = None) -> None:
        self.model = model
        self.profile = profile
        self.agent_root = agent_root
        self.webhooks = WebhookDispatcher(model, profile)
        self._finals: dict[str, bytes] = {}   # job_id -> status answer of a finished run
        self._finals_bytes = 0
        self._app = Starlette(
            routes=[
                Route("/api/v1/runs", self.submit, methods=["POST"]),
                Route("/api/v1/runs", self.list_runs, methods=["GET"]),
                Route("/api/v1/runs/{job_id}", self.status, methods=["GET"]),
                Route("/api/v1/runs/{job_id}", self.delete, methods=["DELETE"]),
                Route("/api/v1/runs/{job_id}/result", self.result, methods=["GET"]),
                Route("/api/v1/runs/{job_id}/cancel", self.cancel, methods=["POST"]),
                Route("/api/v1/runs/{job_id}/stream", self.stream, methods=["GET"]),
                Route("/health", self.health, methods=["GET"]),
                Route("/stats", self.stats, methods=["GET"]),
            ],
            exception_handlers={HTTPException: self._http_error, Exception: self._server_error},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.webhooks.ensure_running()
            if scope["method"] == "GET":
                final = self._final_status(scope["path"])
                if final is not None:
                    await send({"type": "http.response.start", "status": 200, "headers": [
                        (b"content-length", str(len(final)).encode("ascii")), (b"content-type", b"application/json")]})
                    await send({"type": "http.response.body", "body": final})
                    return
        await self._app(scope, receive, send)

    def _final_status(self, path: str) -> bytes | None:
        """The status answer of a finished run still stored, when one was rendered already: it can
        never change (pollers of a finished run are the hot path)."""
        if not path.startswith(_RUNS_PREFIX):
            return None
        job_id = path[len(_RUNS_PREFIX):]
        final = self._finals.get(job_id)
        if final is None or not self.model.stored(job_id):
            return None
        return final

    def _keep_final(self, job_id: str, body: bytes) -> None:
        if self._finals_bytes + len(body) > FINAL_CACHE_BYTES:
            self._finals.clear()
            self._finals_bytes = 0
        self._finals[job_id] = body
        self._finals_bytes += len(body)

    # -- runs -----------------------------------------------------------------------------------
    async def submit(self, request: Request) -> Response:
        raw = await request.body()
        try:
            value = read_body(raw, request.headers.get("content-type"))
            body = validate_submit(value, webhook_policy=self.model.webhook_policy)
        except ValidationFailed as exc:
            return reply(self.profile.submit_invalid(exc.errors, raw))
        except BodyUnreadable:
            return JSONResponse({"detail": "There was an error parsing the body"}, status_code=400)
        refused = self.profile.blank_prompt(body.prompt)
        if refused is not None:
            return reply(refused)
        # router.py:69: the header wins over the body field.
        key = request.headers.get("idempotency-key") or body.idempotency_key
        body = dataclasses.replace(body, idempotency_key=key)
        base_url = str(request.base_url).rstrip("/")
        if key:
            existing = self.model.find_by_key(key)
            if existing is not None:
                return reply(self.profile.duplicate_submit(existing, base_url, self._submit_headers(
                    existing.job_id, base_url)))
        refusal = _agent_file_refusal(body.agent_file, self.agent_root)
        if refusal is not None:
            return JSONResponse({"detail": refusal}, status_code=400)
        try:
            view, created = self.model.submit(body)
        except QueueFull as exc:
            return JSONResponse({"detail": "Job queue is full; retry later."}, status_code=503,
                                headers={"Retry-After": str(exc.retry_after)})
        headers = self._submit_headers(view.job_id, base_url)
        if not created:
            return reply(self.profile.duplicate_submit(view, base_url, headers))
        if body.webhook_url:
            self.webhooks.ensure_running()
        return JSONResponse(self.profile.submit_body(view, base_url), status_code=202, headers=headers)

    @staticmethod
    def _submit_headers(job_id: str, base_url: str) -> dict[str, str]:
        return {"Location": f"{base_url}/api/v1/runs/{job_id}", "Retry-After": SUBMIT_RETRY_AFTER}

    async def list_runs(self, request: Request) -> Response:
        try:
            query = validate_list_query(request.query_params)
        except ValidationFailed as exc:
            return reply(self.profile.list_invalid(exc.errors))
        if query.status and query.status not in STATUSES:   # router.py:164-171, and list-runs.mdx:11-13
            return JSONResponse({"detail": f"Invalid status: {excerpt(query.status)}. Valid values: {list(STATUSES)}"},
                                status_code=400)
        views, total = self.model.list(status=query.status or None, session_id=query.session_id or None,
                                       page=query.page, page_size=query.page_size)
        return JSONResponse({"jobs": [self.profile.list_item(v) for v in views], "total": total,
                             "page": query.page, "page_size": query.page_size})

    async def status(self, request: Request) -> Response:
        job_id = request.path_params["job_id"]
        try:
            view = self.model.get(job_id)
            answer = JSONResponse(self.profile.status_body(view))
            if view.terminal and "/" not in job_id:
                self._keep_final(job_id, bytes(answer.body))
            return answer
        except RunNotFound:
            return not_found(job_id)

    async def result(self, request: Request) -> Response:
        job_id = request.path_params["job_id"]
        try:
            return reply(self.profile.result(self.model.get(job_id)))
        except RunNotFound:
            return not_found(job_id)

    async def cancel(self, request: Request) -> Response:
        job_id = request.path_params["job_id"]
        try:
            return reply(self.profile.cancelled(self.model.cancel(job_id)))
        except RunNotFound:
            return not_found(job_id)
        except RunFinished as exc:
            return reply(self.profile.cancel_refused(exc.view))

    async def delete(self, request: Request) -> Response:
        job_id = request.path_params["job_id"]
        try:
            self.model.delete(job_id)
        except RunNotFound:
            return not_found(job_id)
        except RunUnfinished as exc:
            return reply(self.profile.delete_refused(exc.view))
        return reply(self.profile.deleted())

    async def stream(self, request: Request) -> Response:
        job_id = request.path_params["job_id"]
        try:
            view = self.model.get(job_id)
        except RunNotFound:
            return not_found(job_id)
        refused = self.profile.stream_refused(view)
        if refused is not None:
            return reply(refused)
        return EventSourceResponse(run_events(self.model, job_id, self.profile))

    # -- server ---------------------------------------------------------------------------------
    async def health(self, request: Request) -> Response:
        return reply(self.profile.health(self.model))

    async def stats(self, request: Request) -> Response:
        return reply(self.profile.stats(self.model))

    # -- errors ---------------------------------------------------------------------------------
    async def _http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code in (204, 304):
            return Response(status_code=exc.status_code, headers=exc.headers)
        detail: Any = {404: "Not Found", 405: "Method Not Allowed"}.get(exc.status_code, exc.detail)
        headers = exc.headers
        if exc.status_code == 405 and headers is not None and "Allow" in headers:
            # Starlette names the first route's methods; a path served by several routes (GET and
            # POST /api/v1/runs) has all of theirs (RFC 9110 15.5.6). praisonai 4.7.19 says only the
            # first route's (`POST`): a deliberate difference, in both profiles, that no client reads
            # and that Schemathesis's allow_header_conformance check would fail.
            headers = {**headers, "Allow": ", ".join(_methods_on(self._app.routes, request.scope))}
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)

    async def _server_error(self, request: Request, exc: Exception) -> Response:
        # A bug in the mock, not a behaviour of either profile: say so instead of a bare 500.
        log.exception("PraisonAI mock failed on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": f"mock server error: {type(exc).__name__}: {excerpt(str(exc))}"},
                            status_code=500)


def _methods_on(routes: list[Any], scope: Scope) -> list[str]:
    found: set[str] = set()
    for route in routes:
        match, _ = route.matches(scope)
        if match is not Match.NONE and getattr(route, "methods", None):
            found.update(route.methods)
    return sorted(found)


def create_praisonai_app(model: PraisonAIModel, profile: Profile | str | None = None, *,
                         agent_root: str | None = None) -> ASGIApp:
    """The PraisonAI API on `model`. `profile`: "impl" (default: the model's) or "docs"."""
    return PraisonAIApp(model, get_profile(profile if profile is not None else model.profile),
                        agent_root=agent_root)
