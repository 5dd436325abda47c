"""A small Kinetica client for the suite: both encodings, every answer kept whole for the report.

Deliberately not the official `gpudb` client: the suite must see the raw wrapper (HTTP status,
`data_type`, `data`, `data_str`) to check it, and must be able to send requests the official client
would never build.
"""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from typing import Any

import fastavro

from contract_tests.target import StatelessClauses, Target
from contract_tests.violation import precondition
from mockserver.resources import fixtures_dir
from mockserver.spec.avro_forms import to_avro_form, to_json_form, type_name
from mockserver.spec.loader import kinetica_avro, kinetica_wrapper_avro

JSON = "json"
BINARY = "binary"
WRAPPER_KEYS = ("status", "message", "data_type", "data", "data_str")
TERMINAL = {"complete", "error", "killed"}
# The gpudb client reads the wrapper of an answer under any HTTP status but these: 401 (credentials),
# 404 ("endpoint not found") and 500/502/503/504 (the node is taken for down: it fails over). The
# pages give no status for an ERROR answer, so a refusal may come under any other code (200, 400...).
NOT_A_REFUSAL = {401, 404, 500, 502, 503, 504}


def check_refusal_status(status: int) -> None:
    assert status not in NOT_A_REFUSAL and status < 500, (
        f"expected the refusal under a status the gpudb client reads as an answer (not 401, 404 or 5xx); "
        f"got HTTP {status}")
STATUS_VALUES = {"running", "complete", "killed", "error", "none"}


def _parsed(schema: dict[str, Any]) -> Any:
    return fastavro.parse_schema(schema, _write_hint=False)


def avro_encode(schema: dict[str, Any], record: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, _parsed(schema), record)
    return out.getvalue()


def avro_decode(schema: dict[str, Any], data: bytes) -> Any:
    stream = io.BytesIO(data)
    value = fastavro.schemaless_reader(stream, _parsed(schema), None)
    if stream.tell() != len(data):
        raise ValueError(f"{len(data) - stream.tell()} trailing bytes after the Avro record")
    return value


def full_request(endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    """Every field of the request record, with the documented empty defaults for the ones not given."""
    request_schema, _ = kinetica_avro(endpoint)
    zero = {"string": "", "bytes": b"", "int": 0, "long": 0, "boolean": False, "double": 0.0}
    record: dict[str, Any] = {}
    for f in request_schema["fields"]:
        kind = type_name(f["type"])
        record[f["name"]] = body.get(f["name"], {} if kind == "map" else [] if kind == "array" else zero.get(kind))
    return record


@dataclass
class Answer:
    """One Kinetica answer: the HTTP status, the wrapper, and the decoded response (None on error)."""

    endpoint: str
    encoding: str
    http_status: int
    content_type: str
    wrapper: dict[str, Any] | None
    data: dict[str, Any] | None
    raw: bytes
    problem: str = ""  # why the wrapper or payload could not be decoded

    @property
    def ok(self) -> bool:
        return self.wrapper is not None and self.wrapper.get("status") == "OK" and self.data is not None

    @property
    def is_error(self) -> bool:
        return self.wrapper is not None and self.wrapper.get("status") == "ERROR"

    def expect_ok(self) -> dict[str, Any]:
        assert self.ok, (f"expected {self.endpoint} to answer OK; got HTTP {self.http_status}: "
                         f"{self.wrapper if self.wrapper else self.raw[:300]!r} {self.problem}")
        assert self.data is not None
        return self.data

    def expect_error(self) -> str:
        assert self.is_error, (f"expected {self.endpoint} to answer the ERROR wrapper; got HTTP "
                               f"{self.http_status}: {self.wrapper if self.wrapper else self.raw[:300]!r}")
        assert self.wrapper is not None
        return str(self.wrapper.get("message", ""))


class KineticaTarget(Target):
    """A Kinetica target: the wire calls and the lifecycle helpers the tests are written with."""

    clauses = StatelessClauses(no_server_error="KIN-WIRE-009", documented_answers="KIN-OAS-001",
                               accepted_invalid="KIN-OAS-002")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._created: list[str] = []

    # -- wire ----------------------------------------------------------------------------------
    def post_raw(self, endpoint: str, content: bytes, content_type: str) -> Any:
        return self.request("POST", endpoint, content=content, headers={"Content-Type": content_type})

    def call(self, endpoint: str, body: dict[str, Any] | None = None, *, encoding: str = JSON,
             complete: bool = False) -> Answer:
        """POST `body` (JSON form) to `endpoint`. `complete` fills absent fields with their defaults."""
        body = dict(body or {})
        if complete or encoding == BINARY:
            body = full_request(endpoint, to_avro_form(body, kinetica_avro(endpoint)[0]))
        if encoding == BINARY:
            request_schema, _ = kinetica_avro(endpoint)
            response = self.post_raw(endpoint, avro_encode(request_schema, body), "application/octet-stream")
        else:
            response = self.post_raw(endpoint, json.dumps(to_json_form(body)).encode(), "application/json")
        return self.decode(endpoint, encoding, response.status_code,
                           response.headers.get("content-type", ""), response.content)

    @staticmethod
    def decode(endpoint: str, encoding: str, status: int, content_type: str, raw: bytes) -> Answer:
        answer = Answer(endpoint, encoding, status, content_type, None, None, raw)
        try:
            if encoding == BINARY and not content_type.startswith("application/json"):
                answer.wrapper = avro_decode(kinetica_wrapper_avro(), raw)
            else:
                answer.wrapper = json.loads(raw)
        except Exception as exc:
            answer.problem = f"the wrapper does not decode: {exc}"
            return answer
        wrapper = answer.wrapper
        if not isinstance(wrapper, dict) or wrapper.get("status") != "OK":
            return answer
        try:
            if encoding == BINARY:
                _, response_schema = kinetica_avro(endpoint)
                answer.data = to_json_form(avro_decode(response_schema, wrapper["data"]))
            else:
                data = json.loads(wrapper["data_str"])
                answer.data = data if isinstance(data, dict) else None
                if answer.data is None:
                    answer.problem = "data_str is not a JSON object"
        except Exception as exc:
            answer.problem = f"the payload does not decode: {exc}"
        return answer

    # -- lifecycle helpers ----------------------------------------------------------------------
    def udf_files(self) -> tuple[dict[str, str], str, list[str]]:
        """The conformance UDF shipped in fixtures/ (a real server runs it); the mock ignores files."""
        try:
            candidates = sorted(fixtures_dir().rglob("*conformance*.py"))
        except FileNotFoundError:
            candidates = []
        if candidates:
            path = candidates[0]
            return {path.name: path.read_bytes().decode("latin-1")}, "python", [path.name]
        return {"conformance_proc.py": "# conformance proc placeholder\n"}, "python", ["conformance_proc.py"]

    def create_proc(self, *, distributed: bool = True, name: str | None = None) -> str:
        name = name or self.unique("proc")
        files, command, args = self.udf_files()
        with precondition("KIN-PRC-001"):
            self.call("/create/proc", {
                "proc_name": name, "execution_mode": "distributed" if distributed else "nondistributed",
                "files": files, "command": command, "args": args, "options": {},
            }).expect_ok()
        self._created.append(name)
        return name

    def cleanup(self) -> None:
        """Delete the procs this test created; on a live target first kill their unfinished runs and
        clear them all from the status list, so that a shared server keeps only its users' runs."""
        if self._created and not self.has_control:
            with contextlib.suppress(Exception):  # best effort: a failed clean-up must not mask the result
                self._forget_runs(set(self._created))
        for name in self._created:
            with contextlib.suppress(Exception):
                self.call("/delete/proc", {"proc_name": name, "options": {}})
        self._created = []

    def _forget_runs(self, procs: set[str]) -> None:
        everything = self.status("")
        ours = [r for r, proc in everything.get("proc_names", {}).items() if proc in procs]
        unfinished = [r for r in ours if everything.get("overall_statuses", {}).get(r) not in TERMINAL]
        for run_id in unfinished:
            self.call("/kill/proc", {"run_id": run_id, "options": {}})
        if unfinished:
            with contextlib.suppress(AssertionError):  # a kill may take a moment on a real server
                self.wait_for(lambda: self.status(""), lambda s: all(
                    s.get("overall_statuses", {}).get(r) in TERMINAL for r in unfinished),
                    what="the killed runs to finish")
        for run_id in ours:
            self.call("/show/proc/status", {"run_id": run_id, "options": {"clear_complete": "true"}})

    def execute(self, proc: str, params: dict[str, str] | None = None, *,
                options: dict[str, str] | None = None, encoding: str = JSON, **extra: Any) -> str:
        body = {"proc_name": proc, "params": params or {}, "bin_params": {}, "input_table_names": [],
                "input_column_names": {}, "output_table_names": [], "options": options or {}}
        body.update(extra)
        with precondition("KIN-EXE-001"):
            data = self.call("/execute/proc", body, encoding=encoding).expect_ok()
            run_id = data.get("run_id")
            assert isinstance(run_id, str) and run_id, f"expected a non-empty run_id; got {data!r}"
        return run_id

    def status(self, run_id: str = "", options: dict[str, str] | None = None, *,
               encoding: str = JSON) -> dict[str, Any]:
        # Any run_id is answered OK: its status, or nothing when it is unknown (KIN-SPS-002).
        with precondition("KIN-SPS-002" if run_id else "KIN-SPS-003"):
            return self.call("/show/proc/status", {"run_id": run_id, "options": options or {}},
                             encoding=encoding).expect_ok()

    def kill(self, run_id: str = "", options: dict[str, str] | None = None) -> list[str]:
        with precondition("KIN-KIL-002" if run_id else "KIN-KIL-003"):  # any run_id is answered OK
            data = self.call("/kill/proc", {"run_id": run_id, "options": options or {}}).expect_ok()
        return list(data.get("run_ids", []))

    def overall(self, run_id: str) -> str | None:
        return self.status(run_id).get("overall_statuses", {}).get(run_id)

    def wait_finished(self, run_id: str, *, budget: float | None = None) -> dict[str, Any]:
        return self.wait_for(lambda: self.status(run_id),
                             lambda s: s.get("overall_statuses", {}).get(run_id) in TERMINAL,
                             what=f"run {run_id} to finish", budget=budget)

    def wait_killed(self, *run_ids: str) -> dict[str, Any]:
        """The status once the killed runs show `killed`: the pages do not say whether a kill shows at
        once or once the instance's processes have stopped (kill_proc.md:11)."""
        ids = ", ".join(run_ids)
        return self.wait_for(lambda: self.status(""), lambda s: all(
            s.get("overall_statuses", {}).get(r) == "killed" for r in run_ids), what=f"{ids} to show killed")

    def hinted(self, *, units: float = 1.0, **hints: Any) -> dict[str, str]:
        """Execute params asking for a run of `units` steps, plus any other hint."""
        params = {"duration_ms": str(int(units * self.unit * 1000))}
        params.update({k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in hints.items()})
        return params

    def _probe_hints(self) -> bool:
        """Two independent signs, so that one broken clause cannot pass for "no hint support": a run
        asked to fail with a message does, or a run asked for a result gives it."""
        mine, self._created = self._created, []  # the probe cleans up only after itself
        token = f"probe-{self.run_token}"
        try:
            proc = self.create_proc()
            failing = self.execute(proc, self.hinted(units=0.5, fail_segments="all", fail_message=token))
            giving = self.execute(proc, self.hinted(units=0.5, result_probe=token))
            status = self.wait_for(lambda: self.status(""), lambda s: all(
                s.get("overall_statuses", {}).get(r) in TERMINAL for r in (failing, giving)),
                what="the hint probe's runs to finish")
            failed = status["overall_statuses"][failing] == "error" and token in json.dumps(
                status.get("messages", {}).get(failing, {}))
            gave = token in json.dumps(status.get("results", {}).get(giving, {}))
            if not (failed or gave):
                self._hint_reason = "runs hinted to fail with a message, or to give a result, did not"
            return failed or gave
        finally:
            self.cleanup()
            self._created = mine


def segments(status: dict[str, Any], run_id: str) -> dict[str, str]:
    return dict(status.get("statuses", {}).get(run_id, {}))
