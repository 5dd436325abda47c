"""The Kinetica observer: each answer decoded as the gpudb client would (JSON or Avro binary, by the
request's Content-Type, with the mock's codec) and held to the wrapper and the response record's
schema; every run, data segment and job followed through the status, clear and job answers.

Kills are not observed as a status: a kill may show at once or once the processes stopped
(LAT-KIN-KILL-SETTLE). The runs of a deleted proc may be forgotten (LAT-KIN-DELETE-PROC-RUNS): a
delete counts as their removal."""

from __future__ import annotations

import functools
from typing import Any

from contract_tests.history import GONE, KINETICA_JOB, KINETICA_RUN, KINETICA_SEGMENT, REMOVED
from mockserver.cassette import RecordedExchange
from mockserver.kinetica import wire
from mockserver.kinetica.job_tags import JobTags
from mockserver.proxy.findings import Evidence, Finding
from mockserver.proxy.lifecycle import Tracker
from mockserver.proxy.openapi_check import ResponseChecker
from mockserver.spec.avro_forms import to_json_form
from mockserver.spec.loader import kinetica_operation, load_schema

__all__ = ["KineticaObserver"]

WRAPPER_CLAUSE = "KIN-WIRE-001"
SCHEMA_CLAUSE = "KIN-OAS-001"
REFUSAL_CLAUSE = "KIN-WIRE-009"
WRAPPER_KEYS = ("status", "message", "data_type", "data", "data_str")
STATUS_VALUES_CLAUSE = "KIN-SPS-012"
JOB_STATUS_CLAUSE = "KIN-JOB-003"
TRUE = "true"


class KineticaObserver:
    api = "kinetica"

    @staticmethod
    def error_body(reason: str, content_type: str | None) -> tuple[str, bytes]:
        try:
            encoding = wire.encoding_of(content_type)
        except wire.WireError:
            encoding = wire.JSON
        return wire.MEDIA_TYPES[encoding], wire.error_response(reason, encoding)

    def __init__(self, profile: str = "impl") -> None:
        self.profile = profile  # Kinetica has one contract: every clause applies to every profile
        self.checker = ResponseChecker(load_schema("openapi/kinetica.json"), suffix_routing=True)
        self.runs = Tracker(KINETICA_RUN)
        self.segments = Tracker(KINETICA_SEGMENT)
        self.jobs = Tracker(KINETICA_JOB)
        self.job_tags = JobTags()  # learnt from the /create/job answers that passed
        self.run_procs: dict[str, tuple[str, frozenset[str]]] = {}  # run -> (proc, segment ids)
        self.judged: set[str] = {WRAPPER_CLAUSE, SCHEMA_CLAUSE, REFUSAL_CLAUSE}
        # A poll of a finished run gets the same bytes each time: they are decoded and held to the
        # schema once (validation costs ~1.5 ms; the lifecycle is still followed on every answer).
        # Callers only read the wrapper and record they get back.
        self._answer = functools.lru_cache(maxsize=256)(self._judge_answer)

    def event(self, exchange: RecordedExchange, text: str, evidence: Evidence) -> list[Finding]:
        return []  # Kinetica answers are never streams

    def exchange(self, exchange: RecordedExchange, evidence: Evidence) -> list[Finding]:
        endpoint = wire.endpoint_of(exchange.path)
        if endpoint is None or exchange.status is None or exchange.method != "POST":
            return []
        try:
            encoding = wire.encoding_of(exchange.header("content-type", response=False))
            request = wire.codec(endpoint).decode_request(exchange.request_body, encoding)
        except Exception:  # a request the codec cannot read (any error): neither it nor its answer is judged
            return []
        status, content_type = exchange.status, exchange.header("content-type") or ""
        judged, wrapper, data = self._answer(endpoint, encoding, status, content_type, exchange.response_body)
        found = list(judged)
        # A job polled by its tag has job_id 0 or -1: the tag says which job it is.
        job = self.job_tags.addressed(request) if endpoint == "/get/job" else None
        if wrapper is not None and wrapper.get("status") == "ERROR" and job is not None:
            found += self.jobs.saw(str(job), GONE, evidence, "/get/job")
        if data is None:
            return found
        if endpoint == "/show/proc/status":
            found += self._statuses(request, data, evidence)
        elif endpoint == "/create/job":
            self.job_tags.created(request, data)
        elif endpoint == "/get/job" and isinstance(data.get("job_status"), str):
            self.judged.update(KINETICA_JOB.clauses.values())
            if data["job_status"] not in KINETICA_JOB.rank:
                found.append(Finding(JOB_STATUS_CLAUSE, f"expected job_status among {sorted(KINETICA_JOB.rank)}; "
                                                        f"got {data['job_status']!r}"))
            if job is not None:
                found += self.jobs.saw(str(job), data["job_status"], evidence, "/get/job")
        elif endpoint == "/delete/proc":
            gone = [r for r, (proc, _) in self.run_procs.items() if proc == request.get("proc_name")]
            for run_id in gone:
                found += self._removed(run_id, evidence, "/delete/proc")
        return found

    # -- one answer ---------------------------------------------------------------------------------
    def _judge_answer(self, endpoint: str, encoding: str, status: int, content_type: str,
                      body: bytes) -> tuple[tuple[Finding, ...], dict[str, Any] | None, dict[str, Any] | None]:
        found, wrapper, data = self._read_answer(endpoint, encoding, status, content_type, body)
        return tuple(found), wrapper, data

    def _read_answer(self, endpoint: str, encoding: str, status: int, content_type: str,
                     body: bytes) -> tuple[list[Finding], dict[str, Any] | None, dict[str, Any] | None]:
        """Findings about the answer on its own, its wrapper, and its response record (JSON form; None
        unless OK and decodable). The same bytes always give the same verdict (see __init__)."""
        answer_encoding = wire.JSON if content_type.startswith("application/json") else encoding
        if status >= 500 or status in (401, 404):
            return [Finding(REFUSAL_CLAUSE, f"HTTP {status}: the gpudb client takes this for a down node or a "
                                            "missing endpoint, not for an answer")], None, None
        try:
            wrapper = wire.decode_wrapper(body, answer_encoding)
        except Exception as exc:
            return [Finding(WRAPPER_CLAUSE, f"the answer to {endpoint} is not the {answer_encoding} wrapper: "
                                            f"{exc}")], None, None
        if not isinstance(wrapper, dict) or not set(WRAPPER_KEYS) <= set(wrapper):
            return [Finding(WRAPPER_CLAUSE, f"expected the wrapper keys {list(WRAPPER_KEYS)} in the answer to "
                                            f"{endpoint}; got {wrapper!r:.300}")], None, None
        if wrapper["status"] != "OK":
            return [], wrapper, None
        try:
            payload = wrapper["data_str"] if answer_encoding == wire.JSON else wrapper["data"]
            data = to_json_form(wire.decode_response_record(endpoint, payload, answer_encoding))
        except Exception as exc:
            return [Finding(SCHEMA_CLAUSE, f"the {endpoint} payload does not decode as its response record: "
                                           f"{exc}")], wrapper, None
        if not isinstance(data, dict):
            return [Finding(SCHEMA_CLAUSE, f"the {endpoint} payload is not an object")], wrapper, None
        schema = self.checker.component(f"{kinetica_operation(endpoint)}_response")
        problems = self.checker.schema_problems(schema, data, f"the {endpoint} response") if schema else []
        return [Finding(SCHEMA_CLAUSE, p) for p in problems], wrapper, data

    # -- lifecycles ---------------------------------------------------------------------------------
    def _statuses(self, request: dict[str, Any], data: dict[str, Any], evidence: Evidence) -> list[Finding]:
        self.judged.update(KINETICA_RUN.clauses.values(), KINETICA_SEGMENT.clauses.values())
        found: list[Finding] = []
        overall = data.get("overall_statuses") or {}
        per_segment = data.get("statuses") or {}
        procs = data.get("proc_names") or {}
        source = "/show/proc/status"
        self.judged.add(STATUS_VALUES_CLAUSE)
        for run_id, status in overall.items():
            segments = per_segment.get(run_id) or {}
            odd = sorted({str(v) for v in (status, *segments.values())} - set(KINETICA_RUN.rank))
            if odd:
                found.append(Finding(STATUS_VALUES_CLAUSE, f"run {run_id}: expected statuses among "
                                                           f"{sorted(KINETICA_RUN.rank)}; got {odd}"))
            known = self.run_procs.get(run_id)
            self.run_procs[run_id] = (str(procs.get(run_id, known[0] if known else "")),
                                      frozenset(segments) | (known[1] if known else frozenset()))
            found += self.runs.saw(run_id, str(status), evidence, source)
            for segment, state in segments.items():
                found += self.segments.saw(f"{run_id}/{segment}", str(state), evidence, source)
        asked = str(request.get("run_id") or "")
        if asked and asked not in overall:
            found += self.runs.saw(asked, GONE, evidence, source)
        options = request.get("options") or {}
        if str(options.get("clear_complete", "")).lower() == TRUE:
            for run_id, status in overall.items():
                if status in KINETICA_RUN.terminal:
                    found += self._removed(run_id, evidence, f"{source} clear_complete")
        return found

    def _removed(self, run_id: str, evidence: Evidence, source: str) -> list[Finding]:
        found = self.runs.saw(run_id, REMOVED, evidence, source)
        _, segments = self.run_procs.pop(run_id, ("", frozenset()))
        for segment in segments:
            found += self.segments.saw(f"{run_id}/{segment}", REMOVED, evidence, source)
        return found
