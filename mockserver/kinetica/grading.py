"""How a Kinetica client should read proc statuses, read from its exchanges (the grader's Kinetica rules).

A run whose rollup is `complete`, `killed` or `error` has ended (show_proc_status.md:105-107) and
never changes: reading it again is waste. An unknown run id gets an empty answer
(show_proc_status.md:19), and reading it again and again will not make it appear.
`KineticaReading` decodes both of the client's encodings (JSON and Avro) with the mock's codec.
"""

from __future__ import annotations

from typing import Any

from mockserver.grading import (
    FINAL,
    MISSING,
    PENDING,
    ClientRule,
    Exchange,
    Reading,
    no_loop_on_missing,
    stops_at_final,
)
from mockserver.kinetica import wire

__all__ = ["RULES", "KineticaReading"]

STATUS = "/show/proc/status"
ENDED = frozenset({"complete", "killed", "error"})


def _run_id(ex: Exchange) -> str | None:
    if ex.method != "POST" or wire.endpoint_of(ex.path) != STATUS:
        return None
    try:
        record = wire.codec(STATUS).decode_request(ex.body, wire.encoding_of(ex.headers.get("content-type")))
    except Exception:  # a request the mock refused, or cut by the journal's limit: nothing to judge
        return None
    run_id = record.get("run_id")
    return run_id if isinstance(run_id, str) and run_id else None


def _answer(ex: Exchange) -> dict[str, Any] | None:
    if ex.status != 200:
        return None
    encoding = wire.encoding_of(ex.headers.get("content-type"))
    try:
        wrapper = wire.decode_wrapper(ex.response_body, encoding)
        if wrapper.get("status") != "OK":
            return None
        payload = wrapper["data_str"] if encoding == wire.JSON else wrapper["data"]
        return wire.decode_response_record(STATUS, payload, encoding)
    except Exception:  # cut by the journal's limit, or not a status record
        return None


class KineticaReading(Reading):
    def read_target(self, ex: Exchange) -> str | None:
        return _run_id(ex)

    def state(self, ex: Exchange) -> str | None:
        run_id = _run_id(ex)
        record = _answer(ex) if run_id else None
        if record is None or run_id is None:
            return None
        overall = record.get("overall_statuses") or {}
        if run_id not in overall:
            return MISSING
        return FINAL if overall[run_id] in ENDED else PENDING


_READING = KineticaReading()

RULES = (
    ClientRule("KIN-CLIENT-FINAL-ONCE", "reads a run's final status once: a complete, killed or error run never "
               "changes", "kinetica/show_proc_status.md:101-107", stops_at_final(_READING)),
    ClientRule("KIN-CLIENT-UNKNOWN-RUN", "does not read an unknown or cleared run id (empty answer) in a loop",
               "kinetica/show_proc_status.md:19", no_loop_on_missing(_READING)),
)
