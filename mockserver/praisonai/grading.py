"""How a PraisonAI client should behave, read from its exchanges (the grader's PraisonAI rules).

The pages say how to poll (`retry_after`, exponential back-off from 2 s: get-run-status.mdx:142-145),
when a run is over (succeeded, failed, cancelled), that a missing run is 404, how to retry a submit
safely (Idempotency-Key, submit-run.mdx:170-189) and that a cut stream can be resumed
(stream-run.mdx:178). `PraisonAIReading` tells the generic rules of `mockserver.grading` what each
exchange means; `RULES` is registered through the spec.
"""

from __future__ import annotations

import json
import re

from mockserver.grading import (
    FINAL,
    MISSING,
    PENDING,
    ClientRule,
    Exchange,
    Reading,
    backs_off_after_errors,
    honours_advised_wait,
    keeps_final_stream_event,
    no_blind_resubmit,
    no_loop_on_missing,
    stops_at_final,
)
from mockserver.praisonai.models import TERMINAL

__all__ = ["RULES", "PraisonAIReading"]

RUNS = "/api/v1/runs"
_RUN = re.compile(r"/api/v1/runs/([^/]+)")
_STREAM = re.compile(r"/api/v1/runs/([^/]+)/stream")
# The last event of a stream, in either profile: impl's `event: result|error|cancelled`, the pages'
# `data: {"event": "complete", ...}` (stream-run.mdx:40).
_FINAL_EVENTS = frozenset({"result", "error", "cancelled", "complete"})
FIRST_BACKOFF = 2.0  # get-run-status.mdx:145 "exponential backoff starting at 2 seconds"


def _stream_ended(body: bytes) -> bool:
    for line in body.decode("utf-8", errors="replace").splitlines():
        name, _, value = line.partition(":")
        value = value.strip()
        if name == "event" and value in _FINAL_EVENTS:
            return True
        if name == "data" and value.startswith("{"):
            try:
                event = json.loads(value).get("event")
            except (ValueError, AttributeError):
                continue
            if event in _FINAL_EVENTS:
                return True
    return False


class PraisonAIReading(Reading):
    def read_target(self, ex: Exchange) -> str | None:
        match = _RUN.fullmatch(ex.path) if ex.method == "GET" else None
        return match.group(1) if match else None

    def stream_target(self, ex: Exchange) -> str | None:
        match = _STREAM.fullmatch(ex.path) if ex.method == "GET" else None
        return match.group(1) if match and ex.status == 200 else None

    def state(self, ex: Exchange) -> str | None:
        if ex.status == 404:
            return MISSING
        if ex.status != 200:
            return None
        if self.stream_target(ex) is not None:
            return FINAL if _stream_ended(ex.response_body) else None
        body = ex.response_json()
        status = body.get("status") if isinstance(body, dict) else None
        if status in TERMINAL:
            return FINAL
        return PENDING if status in ("queued", "running") else None

    def advised_wait(self, ex: Exchange) -> float | None:
        body = ex.response_json()
        advised = body.get("retry_after") if isinstance(body, dict) else None
        if isinstance(advised, int | float) and not isinstance(advised, bool):
            return float(advised)
        return ex.retry_after_header()

    def created(self, ex: Exchange) -> str | None:
        if ex.method != "POST" or ex.path != RUNS or ex.status not in (200, 201, 202):
            return None
        body = ex.response_json()
        job_id = body.get("job_id") if isinstance(body, dict) else None
        return job_id if isinstance(job_id, str) else None

    def submission(self, ex: Exchange) -> str | None:
        if ex.method != "POST" or ex.path != RUNS:
            return None
        body = ex.json()
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k != "idempotency_key"}
        return json.dumps(body, sort_keys=True)

    def idempotent(self, ex: Exchange) -> bool:
        body = ex.json()
        return bool(ex.headers.get("idempotency-key")
                    or (isinstance(body, dict) and body.get("idempotency_key")))


_READING = PraisonAIReading()

RULES = (
    ClientRule("PRA-CLIENT-WAIT", "waits the advised retry_after / Retry-After (2 s when none) before reading "
               "a run again", "praisonai/get-run-status.mdx:144-145; praisonai/submit-run.mdx:82",
               honours_advised_wait(_READING, default_wait=FIRST_BACKOFF)),
    ClientRule("PRA-CLIENT-BACKOFF", "backs off after a 429 or 5xx: waits its Retry-After, else 2 s and "
               "longer after each further error", "praisonai/get-run-status.mdx:145; RFC 9110 section 10.2.3",
               backs_off_after_errors(initial=FIRST_BACKOFF)),
    ClientRule("PRA-CLIENT-STOP", "stops reading a run's status once it is succeeded, failed or cancelled",
               "praisonai/get-run-status.mdx:79-80; praisonai/index.mdx:88-94", stops_at_final(_READING)),
    ClientRule("PRA-CLIENT-MISSING", "does not read an unknown or deleted run (404) in a loop",
               "praisonai/get-run-status.mdx:135-139, 152", no_loop_on_missing(_READING)),
    ClientRule("PRA-CLIENT-RESUBMIT", "does not submit again without an Idempotency-Key after no answer or a 5xx",
               "praisonai/submit-run.mdx:170-189; praisonai/index.mdx:80", no_blind_resubmit(_READING)),
    ClientRule("PRA-CLIENT-STREAM", "does not lose a stream's final event: reconnects or reads the status "
               "until the run is over", "praisonai/stream-run.mdx:177-178", keeps_final_stream_event(_READING)),
)
