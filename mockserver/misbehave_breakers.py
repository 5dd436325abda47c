"""One breaker per contract clause: how to make the mock violate exactly that statement.

Each entry is `Breaker(clause, api, applies, before=..., after=..., chunk=...)`: `applies` picks the
requests concerned, `before` rewrites the request (so the model never hears of an option), `after`
rewrites the answer, `chunk` rewrites a streamed answer. Kinetica breakers work on `ex.request_json`
/ `ex.wrapper` / `ex.data` in either encoding; PraisonAI ones on `ex.request_json` / `ex.status` /
`ex.response_json`. Keep each one minimal: a single wrong thing a real implementation might do.
"""

from __future__ import annotations

import re
from typing import Any

from mockserver.misbehave import Breaker, BreakerSet, Exchange
from mockserver.misbehave_kinetica import KineticaCodec, make_error, make_ok, ok

KIN, PRA = "kinetica", "praisonai"
TERMINAL_K = {"complete", "error", "killed"}
TERMINAL_P = {"succeeded", "failed", "cancelled"}
RUN_PATH = re.compile(r"^/api/v1/runs/([^/]+)(/result|/cancel|/stream)?$")


# -- Kinetica helpers -----------------------------------------------------------------------------
def at(*endpoints: str) -> Any:
    return lambda ex: ex.endpoint in endpoints


def options_of(ex: Exchange) -> dict[str, str]:
    req = ex.request_json if isinstance(ex.request_json, dict) else {}
    opts = req.get("options")
    return opts if isinstance(opts, dict) else {}


def drop_option(name: str, *, when: Any = None) -> Any:
    def before(ex: Exchange, state: dict[str, Any]) -> None:
        if isinstance(ex.request_json, dict) and (when is None or when(ex)):
            ex.request_json["options"] = {k: v for k, v in options_of(ex).items() if k != name}

    return before


def on_data(change: Any) -> Any:
    """An `after` hook that edits the decoded payload of OK answers."""

    def after(ex: Exchange, state: dict[str, Any]) -> None:
        if ok(ex):
            change(ex, ex.data, state)

    return after


def each_run(change: Any) -> Any:
    """Edit every run of a show_proc_status answer: change(data, run_id, state)."""

    def edit(ex: Exchange, data: dict[str, Any], state: dict[str, Any]) -> None:
        for run_id in list(data.get("overall_statuses", {})):
            change(data, run_id, state)

    return on_data(edit)


def run_id_given(ex: Exchange) -> bool:
    return bool(isinstance(ex.request_json, dict) and ex.request_json.get("run_id"))


def _set_segments(data: dict[str, Any], run_id: str, old: str, new: str) -> None:
    segs = data["statuses"].get(run_id, {})
    for seg, value in segs.items():
        if value == old:
            segs[seg] = new
    if data["overall_statuses"].get(run_id) == old:
        data["overall_statuses"][run_id] = new


def _flip_finished_back(data: dict[str, Any], run_id: str, state: dict[str, Any]) -> None:
    seen = state.setdefault("seen", set())
    for seg, value in data["statuses"].get(run_id, {}).items():
        if value in TERMINAL_K:
            if (run_id, seg) in seen:
                data["statuses"][run_id][seg] = "running"
                data["overall_statuses"][run_id] = "running"
            seen.add((run_id, seg))


def _killed_completes(data: dict[str, Any], run_id: str, state: dict[str, Any]) -> None:
    seen = state.setdefault("killed", set())
    if data["overall_statuses"].get(run_id) == "killed":
        if run_id in seen:
            _set_segments(data, run_id, "killed", "complete")
        seen.add(run_id)


def _output_tail_reversed(data: dict[str, Any], run_id: str, state: dict[str, Any]) -> None:
    for out in data.get("output", {}).get(run_id, {}).values():
        for stream in ("stdout", "stderr"):
            if len(out.get(stream, [])) > 1:
                out[stream] = list(reversed(out[stream]))


def _remember_modes(ex: Exchange, state: dict[str, Any]) -> None:
    req = ex.request_json if isinstance(ex.request_json, dict) else {}
    if ex.endpoint == "/create/proc":
        state.setdefault("modes", {})[req.get("proc_name")] = req.get("execution_mode")


def _refuse_tables_nondistributed(ex: Exchange, state: dict[str, Any]) -> None:
    req = ex.request_json if isinstance(ex.request_json, dict) else {}
    if (
        ex.endpoint == "/execute/proc"
        and state.get("modes", {}).get(req.get("proc_name")) == "nondistributed"
        and req.get("input_table_names")
        and ok(ex)
    ):
        make_error(ex, "table does not exist")


def _sync_execute_before(ex: Exchange, state: dict[str, Any]) -> None:
    state["execute"] = ex.endpoint == "/execute/proc"


async def _sync_execute_after(ex: Exchange, state: dict[str, Any]) -> None:
    # Behave as if execute waited for the run: a long stretch of (virtual) time passes first.
    if ok(ex) and ex.control is not None:
        await ex.control("POST", "/_mock/clock/advance", {"seconds": 86_400})


def _remember_deleted(ex: Exchange, state: dict[str, Any]) -> None:
    req = ex.request_json if isinstance(ex.request_json, dict) else {}
    if ex.endpoint == "/delete/proc" and ok(ex):
        state.setdefault("deleted", set()).add(req.get("proc_name"))
    if ex.endpoint == "/has/proc" and ok(ex) and req.get("proc_name") in state.get("deleted", set()):
        ex.data["proc_exists"] = True


def _mangle_job_ids(ex: Exchange, state: dict[str, Any]) -> None:
    if ex.endpoint == "/create/job" and ok(ex):
        state.setdefault("first", ex.data["job_id"])
        state["real"] = ex.data["job_id"]
        ex.data["job_id"] = state["first"]


def _data_str_on_error(ex: Exchange, state: dict[str, Any]) -> None:
    if ex.wrapper is not None and ex.wrapper.get("status") == "ERROR":
        ex.wrapper["data_str"] = "{}"


def _avro_only(ex: Exchange) -> bool:
    return ex.encoding == "binary"


def _garble_avro(ex: Exchange, state: dict[str, Any]) -> None:
    if ex.wrapper is not None and ex.wrapper.get("status") == "OK":
        ex.data = None
        ex.wrapper["data"] = "\u00ff\u00fe\u00fd"


def _job_done(ex: Exchange) -> bool:
    return ok(ex) and ex.data.get("job_status") == "DONE"


K: list[Breaker] = [
    Breaker(
        "KIN-WIRE-001",
        KIN,
        lambda ex: True,
        after=lambda ex, s: ex.wrapper is not None and ex.encoding == "json" and ex.wrapper.pop("data", None),
    ),
    Breaker("KIN-WIRE-002", KIN, lambda ex: True, after=lambda ex, s: ok(ex) and ex.wrapper.update(status="Ok")),
    Breaker("KIN-WIRE-003", KIN, lambda ex: True, after=lambda ex, s: ok(ex) and ex.wrapper.update(message="success")),
    Breaker(
        "KIN-WIRE-004",
        KIN,
        lambda ex: True,
        after=lambda ex, s: ex.wrapper is not None and ex.wrapper.update(data_type="response"),
    ),
    Breaker(
        "KIN-WIRE-005",
        KIN,
        lambda ex: ex.encoding == "json",
        after=lambda ex, s: ex.wrapper is not None and ex.wrapper.update(data="-"),
    ),
    Breaker("KIN-WIRE-006", KIN, lambda ex: True, after=_data_str_on_error),
    Breaker("KIN-WIRE-007", KIN, _avro_only, after=_garble_avro),
    Breaker(
        "KIN-WIRE-008",
        KIN,
        lambda ex: _avro_only(ex) and ex.endpoint == "/has/proc",
        after=on_data(lambda ex, d, s: d.update(proc_exists=not d.get("proc_exists"))),
    ),
    Breaker(
        "KIN-WIRE-009",
        KIN,
        lambda ex: True,
        after=lambda ex, s: (
            ex.wrapper is not None and ex.wrapper.get("status") == "ERROR" and setattr(ex, "status", 500)
        ),
    ),
    Breaker(
        "KIN-WIRE-010",
        KIN,
        lambda ex: ex.request_json is None and bool(ex.endpoint),
        after=lambda ex, s: make_ok(ex, {}, "none"),
    ),
    Breaker(
        "KIN-SYS-001",
        KIN,
        at("/show/system/properties"),
        after=on_data(lambda ex, d, s: d["property_map"].update({"version.gpudb_core_version": "7.2"})),
    ),
    Breaker(
        "KIN-SYS-002",
        KIN,
        at("/show/system/status"),
        after=on_data(lambda ex, d, s: d["status_map"].update(system="running")),
    ),
    Breaker(
        "KIN-PRC-001",
        KIN,
        at("/create/proc"),
        after=on_data(lambda ex, d, s: d.update(proc_name=d["proc_name"] + "_x")),
    ),
    Breaker("KIN-PRC-002", KIN, at("/has/proc"), after=on_data(lambda ex, d, s: d.update(proc_exists=True))),
    Breaker(
        "KIN-PRC-003",
        KIN,
        at("/show/proc"),
        after=on_data(
            lambda ex, d, s: d.update(
                execution_modes=[
                    "nondistributed" if m == "distributed" else "distributed" for m in d.get("execution_modes", [])
                ]
            )
        ),
    ),
    Breaker("KIN-PRC-004", KIN, at("/delete/proc", "/has/proc"), after=_remember_deleted),
    Breaker(
        "KIN-PRC-005",
        KIN,
        at("/create/proc"),
        after=lambda ex, s: (
            ex.wrapper is not None
            and ex.wrapper.get("status") == "ERROR"
            and make_ok(ex, {"proc_name": ex.request_json.get("proc_name", ""), "info": {}}, "create_proc_response")
        ),
    ),
    Breaker(
        "KIN-PRC-006",
        KIN,
        at("/delete/proc", "/show/proc"),
        after=lambda ex, s: (
            ex.wrapper is not None and ex.wrapper.get("status") == "ERROR" and setattr(ex, "status", 500)
        ),
    ),
    Breaker("KIN-EXE-001", KIN, at("/execute/proc"), after=_sync_execute_after),
    Breaker(
        "KIN-EXE-002",
        KIN,
        at("/execute/proc"),
        after=lambda ex, s: (
            ex.wrapper is not None
            and ex.wrapper.get("status") == "ERROR"
            and make_ok(ex, {"run_id": "0", "info": {}}, "execute_proc_response")
        ),
    ),
    Breaker(
        "KIN-EXE-003",
        KIN,
        at("/create/proc", "/execute/proc"),
        before=_remember_modes,
        after=_refuse_tables_nondistributed,
    ),
    Breaker(
        "KIN-EXE-004",
        KIN,
        lambda ex: (
            ex.endpoint == "/execute/proc" and isinstance(ex.request_json, dict) and "params" not in ex.request_json
        ),
        after=lambda ex, s: make_error(ex, "params is required"),
    ),
    Breaker("KIN-EXE-005", KIN, at("/execute/proc"), before=drop_option("run_tag")),
    Breaker("KIN-EXE-006", KIN, at("/show/proc/status"), after=each_run(_output_tail_reversed)),
    Breaker(
        "KIN-EXE-007",
        KIN,
        lambda ex: ex.endpoint == "/execute/proc" and "max_output_lines" not in options_of(ex),
        before=lambda ex, s: (
            isinstance(ex.request_json, dict)
            and ex.request_json.setdefault("options", {}).update(max_output_lines="10")
        ),
    ),
    Breaker(
        "KIN-EXE-008",
        KIN,
        at("/show/proc"),
        after=on_data(lambda ex, d, s: d.update(options=[{} for _ in d.get("options", [])], info={})),
    ),
    Breaker(
        "KIN-EXE-009", KIN, at("/execute/proc"), after=on_data(lambda ex, d, s: d.update(run_id=d["run_id"] + "-"))
    ),
    Breaker(
        "KIN-EXE-010",
        KIN,
        lambda ex: ex.endpoint == "/execute/proc" and "cache_input" in options_of(ex),
        after=lambda ex, s: make_error(ex, "cache_input is not supported"),
    ),
    Breaker(
        "KIN-SPS-001",
        KIN,
        at("/show/proc/status"),
        after=on_data(lambda ex, d, s: d["statuses"] and d["statuses"].update({"ghost": {"0": "running"}})),
    ),
    Breaker(
        "KIN-SPS-002",
        KIN,
        lambda ex: ex.endpoint == "/show/proc/status" and run_id_given(ex),
        after=lambda ex, s: ok(ex) and not ex.data.get("overall_statuses") and make_error(ex, "run not found"),
    ),
    Breaker(
        "KIN-SPS-003",
        KIN,
        lambda ex: ex.endpoint == "/show/proc/status" and not run_id_given(ex),
        after=each_run(
            lambda d, r, s: (
                len(d["overall_statuses"]) > 1
                and r == sorted(d["overall_statuses"])[0]
                and [m.pop(r, None) for m in d.values() if isinstance(m, dict) and m is not d.get("info")]
            )
        ),
    ),
    Breaker("KIN-SPS-004", KIN, at("/show/proc/status"), before=drop_option("clear_complete")),
    Breaker(
        "KIN-SPS-005",
        KIN,
        lambda ex: ex.endpoint in ("/show/proc/status",) and run_id_given(ex),
        before=drop_option("run_tag"),
    ),
    Breaker(
        "KIN-SPS-006",
        KIN,
        lambda ex: ex.endpoint == "/show/proc/status" and not run_id_given(ex),
        before=drop_option("run_tag"),
    ),
    Breaker(
        "KIN-SPS-007", KIN, at("/show/proc/status"), after=each_run(lambda d, r, s: d["proc_names"].update({r: "x"}))
    ),
    Breaker(
        "KIN-SPS-008", KIN, at("/show/proc/status"), after=each_run(lambda d, r, s: d["params"][r].update(extra="1"))
    ),
    Breaker(
        "KIN-SPS-009",
        KIN,
        at("/show/proc/status"),
        after=each_run(
            lambda d, r, s: d["input_table_names"].update({r: []}) or d["output_table_names"].update({r: []})
        ),
    ),
    Breaker(
        "KIN-SPS-010",
        KIN,
        at("/show/proc/status"),
        after=each_run(lambda d, r, s: d["input_column_names"].update({r: {}})),
    ),
    Breaker("KIN-SPS-011", KIN, at("/show/proc/status"), after=each_run(lambda d, r, s: d["options"].update({r: {}}))),
    Breaker(
        "KIN-SPS-012",
        KIN,
        at("/show/proc/status"),
        after=each_run(lambda d, r, s: _set_segments(d, r, "complete", "completed")),
    ),
    Breaker(
        "KIN-SPS-013",
        KIN,
        at("/show/proc/status"),
        after=each_run(
            lambda d, r, s: "running" in d["statuses"][r].values() and d["overall_statuses"].update({r: "none"})
        ),
    ),
    Breaker("KIN-SPS-014", KIN, at("/show/proc/status"), after=each_run(_flip_finished_back)),
    Breaker(
        "KIN-SPS-015",
        KIN,
        at("/show/proc/status"),
        after=each_run(lambda d, r, s: _set_segments(d, r, "error", "complete")),
    ),
    Breaker(
        "KIN-SPS-016",
        KIN,
        at("/show/proc/status"),
        after=each_run(lambda d, r, s: d["messages"].update({r: {k: "" for k in d["messages"][r]}})),
    ),
    Breaker(
        "KIN-SPS-017",
        KIN,
        at("/show/proc/status"),
        after=each_run(lambda d, r, s: d["results"].update({r: {k: {} for k in d["results"][r]}})),
    ),
    Breaker(
        "KIN-SPS-018",
        KIN,
        at("/show/proc/status"),
        after=each_run(lambda d, r, s: [o.pop("stderr", None) for o in d["output"][r].values()]),
    ),
    Breaker(
        "KIN-SPS-019",
        KIN,
        lambda ex: ex.endpoint == "/show/proc/status" and ex.encoding == "json",
        after=each_run(
            lambda d, r, s: [
                t.update({k: str(v) for k, v in t.items()}) or t.update(x="1") for t in d["timings"][r].values()
            ]
        ),
    ),
    Breaker("KIN-SPS-020", KIN, at("/show/proc/status"), after=each_run(_killed_completes)),
    Breaker(
        "KIN-KIL-001",
        KIN,
        lambda ex: ex.endpoint == "/kill/proc" and run_id_given(ex),
        after=on_data(lambda ex, d, s: d.update(run_ids=[])),
    ),
    Breaker(
        "KIN-KIL-002",
        KIN,
        lambda ex: ex.endpoint == "/kill/proc" and run_id_given(ex),
        after=on_data(lambda ex, d, s: d.update(run_ids=[ex.request_json["run_id"]])),
    ),
    Breaker(
        "KIN-KIL-003",
        KIN,
        lambda ex: ex.endpoint == "/kill/proc" and not run_id_given(ex) and not options_of(ex).get("run_tag"),
        after=on_data(lambda ex, d, s: d.update(run_ids=d["run_ids"][1:])),
    ),
    Breaker(
        "KIN-KIL-004", KIN, lambda ex: ex.endpoint == "/kill/proc" and run_id_given(ex), before=drop_option("run_tag")
    ),
    Breaker(
        "KIN-KIL-005",
        KIN,
        lambda ex: ex.endpoint == "/kill/proc" and not run_id_given(ex),
        before=drop_option("run_tag"),
    ),
    Breaker("KIN-KIL-006", KIN, at("/kill/proc"), before=drop_option("clear_execute_at_startup")),
    Breaker(
        "KIN-KIL-007", KIN, at("/kill/proc"), after=on_data(lambda ex, d, s: d.update(run_ids=[*d["run_ids"], "x"]))
    ),
    Breaker("KIN-JOB-001", KIN, at("/create/job"), after=_mangle_job_ids),
    Breaker("KIN-JOB-002", KIN, at("/get/job"), after=on_data(lambda ex, d, s: d.update(endpoint="/some/endpoint"))),
    Breaker(
        "KIN-JOB-003", KIN, at("/get/job"), after=on_data(lambda ex, d, s: d.update(job_status=d["job_status"].lower()))
    ),
    Breaker(
        "KIN-JOB-004",
        KIN,
        lambda ex: ex.endpoint == "/get/job",
        after=lambda ex, s: _job_done(ex) and ex.data.update(job_response="", job_response_str=""),
    ),
    Breaker("KIN-JOB-005", KIN, at("/get/job"), after=on_data(lambda ex, d, s: d.update(status_map={}))),
    Breaker("KIN-JOB-006", KIN, at("/get/job"), after=on_data(lambda ex, d, s: d.update(running=False))),
    Breaker("KIN-JOB-007", KIN, at("/get/job"), after=on_data(lambda ex, d, s: d.update(progress=150))),
    Breaker("KIN-JOB-008", KIN, at("/get/job"), after=on_data(lambda ex, d, s: d.update(successful=True))),
    Breaker(
        "KIN-JOB-009",
        KIN,
        at("/get/job"),
        after=lambda ex, s: (
            _job_done(ex)
            and ex.data.update(response_encoding="json" if ex.data.get("response_encoding") == "binary" else "binary")
        ),
    ),
    Breaker(
        "KIN-JOB-010",
        KIN,
        lambda ex: ex.endpoint == "/get/job" and "job_tag" in options_of(ex),
        after=lambda ex, s: make_error(ex, "job_tag is not accepted"),
    ),
    Breaker(
        "KIN-JOB-011",
        KIN,
        at("/get/job"),
        after=lambda ex, s: (
            ex.wrapper is not None and ex.wrapper.get("status") == "ERROR" and setattr(ex, "status", 500)
        ),
    ),
    Breaker(
        "KIN-OAS-001",
        KIN,
        lambda ex: ex.encoding == "json",
        after=lambda ex, s: ex.set_header("content-type", "text/plain", response=True),
    ),
    Breaker(
        "KIN-OAS-002",
        KIN,
        lambda ex: ex.encoding == "json",
        after=lambda ex, s: (
            ex.wrapper is not None and ex.wrapper.get("status") == "ERROR" and setattr(ex, "status", 200)
        ),
    ),
]


# -- PraisonAI helpers ----------------------------------------------------------------------------
def route(method: str, suffix: str | None = "", *, listing: bool = False) -> Any:
    """Requests to one per-run route (`suffix` None: any), or to the list/submit collection."""

    def applies(ex: Exchange) -> bool:
        if ex.method != method:
            return False
        if listing:
            return ex.path == "/api/v1/runs"
        m = RUN_PATH.match(ex.path)
        return bool(m) and (suffix is None or (m.group(2) or "") == suffix)

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


def status_is(value: str) -> Any:
    return lambda b: b.get("status") == value


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


def _remember_finished(ex: Exchange, body: dict[str, Any], state: dict[str, Any]) -> None:
    if body.get("status") in TERMINAL_P:
        state.setdefault("finished", set()).add(body.get("job_id"))


def _stream_or_status(ex: Exchange) -> bool:
    return (
        ex.method == "GET"
        and bool(RUN_PATH.match(ex.path))
        and (RUN_PATH.match(ex.path).group(2) or "") in ("", "/stream")
    )


def _sse_finished_after(ex: Exchange, state: dict[str, Any]) -> None:
    if (RUN_PATH.match(ex.path).group(2) or "") == "" and isinstance(ex.response_json, dict):
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


P: list[Breaker] = [
    Breaker("PRA-SUB-001", PRA, route("POST", listing=True), after=recode(202, 200)),
    Breaker(
        "PRA-SUB-002",
        PRA,
        route("POST", listing=True),
        after=body_when(202, lambda ex, b, s: b.update(status="succeeded")),
    ),
    Breaker(
        "PRA-SUB-003",
        PRA,
        route("POST", listing=True),
        after=lambda ex, s: ex.set_header("location", None, response=True),
    ),
    Breaker(
        "PRA-SUB-004",
        PRA,
        route("POST", listing=True),
        after=body_when(202, lambda ex, b, s: b.update(poll_url=b["poll_url"].replace("/runs/", "/jobs/"))),
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
        after=lambda ex, s: s.get("repeat") and setattr(ex, "status", 409),
    ),
    Breaker(
        "PRA-SUB-008I",
        PRA,
        route("POST", listing=True),
        before=lambda ex, s: isinstance(ex.request_json, dict) and ex.request_json.pop("idempotency_key", None),
    ),
    Breaker(
        "PRA-SUB-009",
        PRA,
        route("GET", None),
        after=body_when(
            200, lambda ex, b, s: "time" in str(b.get("error", "")).lower() and b.update(error="the agent stopped")
        ),
    ),
    Breaker("PRA-SUB-010", PRA, route("POST", listing=True), after=recode(422, 500, {"detail": "server error"})),
    Breaker(
        "PRA-SUB-011I",
        PRA,
        route("POST", listing=True),
        after=lambda ex, s: ex.status == 503 and ex.set_header("retry-after", None, response=True),
    ),
    Breaker(
        "PRA-SUB-012",
        PRA,
        route("POST", listing=True),
        before=lambda ex, s: isinstance(ex.request_json, dict) and ex.request_json.pop("webhook_url", None),
    ),
    Breaker(
        "PRA-STA-001", PRA, route("GET"), after=body_when(200, lambda ex, b, s: b.update(job_id=b["job_id"] + "x"))
    ),
    Breaker(
        "PRA-STA-002",
        PRA,
        route("GET"),
        after=body_when(200, lambda ex, b, s: b.get("status") == "succeeded" and b.update(status="done")),
    ),
    Breaker(
        "PRA-STA-003",
        PRA,
        route("GET"),
        after=body_when(200, lambda ex, b, s: b.get("status") == "running" and b.pop("progress", None)),
    ),
    Breaker(
        "PRA-STA-004",
        PRA,
        route("GET"),
        after=body_when(
            200,
            lambda ex, b, s: (
                isinstance(b.get("progress"), dict)
                and b["progress"].update(percentage=b["progress"].get("percentage", 0) + 101)
            ),
        ),
    ),
    Breaker(
        "PRA-STA-005",
        PRA,
        route("GET"),
        after=body_when(
            200, lambda ex, b, s: isinstance(b.get("progress"), dict) and b["progress"].update(current_step=3)
        ),
    ),
    Breaker("PRA-STA-006", PRA, route("GET"), after=body_when(200, lambda ex, b, s: b.update(created_at="yesterday"))),
    Breaker(
        "PRA-STA-007",
        PRA,
        route("GET"),
        after=body_when(200, lambda ex, b, s: b.get("status") == "running" and b.pop("started_at", None)),
    ),
    Breaker(
        "PRA-STA-008",
        PRA,
        route("GET"),
        after=body_when(200, lambda ex, b, s: b.get("status") == "running" and b.update(completed_at=b["created_at"])),
    ),
    Breaker(
        "PRA-STA-009",
        PRA,
        route("GET"),
        after=body_when(200, lambda ex, b, s: b.get("status") in ("queued", "running") and b.pop("retry_after", None)),
    ),
    Breaker(
        "PRA-STA-010",
        PRA,
        route("GET"),
        after=body_when(200, lambda ex, b, s: b.get("status") == "failed" and b.pop("error", None)),
    ),
    Breaker("PRA-STA-011", PRA, route("GET"), after=recode(404, 400, {"detail": "bad request"})),
    Breaker(
        "PRA-STA-012",
        PRA,
        route("GET"),
        after=body_when(200, lambda ex, b, s: b.update(created_at=re.sub(r"(Z|[+-]00:?00)$", "", b["created_at"]))),
    ),
    Breaker(
        "PRA-STA-013",
        PRA,
        route("GET"),
        after=body_when(200, lambda ex, b, s: b.get("started_at") and b.update(started_at="2000-01-01T00:00:00Z")),
    ),
    Breaker("PRA-STA-014", PRA, route("GET"), after=body_when(200, _terminal_flips)),
    Breaker("PRA-STA-015", PRA, route("GET"), after=body_when(200, _progress_regress)),
    Breaker(
        "PRA-RES-001",
        PRA,
        route("GET", "/result"),
        after=body_when(200, lambda ex, b, s: b.pop("duration_seconds", None)),
    ),
    Breaker("PRA-RES-002D", PRA, route("GET", "/result"), after=recode(400, 409)),
    Breaker("PRA-RES-002I", PRA, route("GET", "/result"), after=recode(409, 400)),
    Breaker(
        "PRA-RES-003D",
        PRA,
        route("GET", "/result"),
        after=body_when(400, lambda ex, b, s: "error" in b and setattr(ex, "status", 200)),
    ),
    Breaker(
        "PRA-RES-003I",
        PRA,
        route("GET", "/result"),
        after=lambda ex, s: (
            isinstance(ex.response_json, dict)
            and ex.status == 200
            and ex.response_json.get("status") in ("failed", "cancelled")
            and setattr(ex, "status", 400)
        ),
    ),
    Breaker("PRA-RES-004", PRA, route("GET", "/result"), after=recode(404, 400, {"detail": "bad request"})),
    Breaker("PRA-RES-005", PRA, route("GET", "/result"), after=body_when(200, lambda ex, b, s: b.update(result="x"))),
    Breaker(
        "PRA-CAN-001D",
        PRA,
        route("POST", "/cancel"),
        after=body_when(200, lambda ex, b, s: b.pop("cancelled_at", None)),
    ),
    Breaker(
        "PRA-CAN-001I",
        PRA,
        route("POST", "/cancel"),
        after=body_when(200, lambda ex, b, s: b.update(status="canceled")),
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
        lambda ex: route("POST", "/cancel")(ex) or route("DELETE")(ex),
        after=_cancelled_delete_refused,
    ),
    Breaker(
        "PRA-LST-001", PRA, route("GET", listing=True), after=body_when(200, lambda ex, b, s: b.pop("page_size", None))
    ),
    Breaker(
        "PRA-LST-002",
        PRA,
        route("GET", listing=True),
        after=body_when(200, lambda ex, b, s: [j.pop("created_at", None) for j in b.get("jobs", [])]),
    ),
    Breaker("PRA-LST-003", PRA, route("GET", listing=True), before=lambda ex, s: ex.set_query("status", None)),
    Breaker("PRA-LST-004", PRA, route("GET", listing=True), before=lambda ex, s: ex.set_query("session_id", None)),
    Breaker("PRA-LST-005", PRA, route("GET", listing=True), before=lambda ex, s: ex.set_query("page", None)),
    Breaker("PRA-LST-006D", PRA, route("GET", listing=True), after=recode(400, 422)),
    Breaker("PRA-LST-006I", PRA, route("GET", listing=True), after=recode(422, 400)),
    Breaker(
        "PRA-LST-007",
        PRA,
        lambda ex: (
            route("GET", listing=True)(ex)
            and ex.query_value("status") not in (None, "queued", "running", "succeeded", "failed", "cancelled")
        ),
        before=lambda ex, s: ex.set_query("status", None),
    ),
    Breaker(
        "PRA-SSE-001",
        PRA,
        route("GET", "/stream"),
        after=lambda ex, s: ex.streaming and ex.set_header("content-type", "text/plain", response=True),
    ),
    Breaker("PRA-SSE-002D", PRA, route("GET", "/stream"), chunk=_sse_no_done),
    Breaker("PRA-SSE-002I", PRA, route("GET", "/stream"), chunk=_sse_rename),
    Breaker("PRA-SSE-003", PRA, route("GET", "/stream"), chunk=_sse_terminal_twice),
    Breaker("PRA-SSE-004", PRA, route("GET", "/stream"), after=recode(404, 400, {"detail": "bad request"})),
    Breaker("PRA-SSE-005D", PRA, route("GET", "/stream"), after=recode(400, 200, {})),
    Breaker("PRA-SSE-005I", PRA, _stream_or_status, after=_sse_finished_after),
    Breaker("PRA-SSE-006", PRA, route("GET", "/stream"), chunk=_sse_progress_backwards),
    Breaker(
        "PRA-HLT-001",
        PRA,
        lambda ex: ex.path == "/health",
        after=body_when(200, lambda ex, b, s: b.update(status="ok")),
    ),
    Breaker(
        "PRA-STS-001D",
        PRA,
        lambda ex: ex.path == "/stats",
        after=body_when(200, lambda ex, b, s: b.pop("total_jobs", None)),
    ),
    Breaker(
        "PRA-STS-002D",
        PRA,
        lambda ex: ex.path == "/stats",
        after=body_when(200, lambda ex, b, s: b.update(total_jobs=0)),
    ),
    Breaker(
        "PRA-STS-001I",
        PRA,
        lambda ex: ex.path == "/stats",
        # 4.7.19 answers 500 here: neither that nor the executor object it meant to send
        after=recode({200, 500}, 200, {"jobs": 0}),
    ),
    Breaker("PRA-ERR-001", PRA, _bad_path_500, after=lambda ex, s: setattr(ex, "status", 500)),
    Breaker(
        "PRA-ERR-002",
        PRA,
        lambda ex: True,
        after=lambda ex, s: (
            400 <= ex.status < 500
            and isinstance(ex.response_json, dict)
            and "detail" in ex.response_json
            and ex.response_json.update(error=ex.response_json.pop("detail"))
        ),
    ),
    Breaker(
        "PRA-OAS-001",
        PRA,
        lambda ex: ex.method == "GET" and not ex.path.endswith("/stream"),
        after=lambda ex, s: ex.status == 200 and ex.set_header("content-type", "text/plain", response=True),
    ),
    Breaker("PRA-OAS-002", PRA, route("POST", listing=True), after=recode(422, 202, {"job_id": "x"})),
]

BREAKERS: list[Breaker] = [*K, *P]
KINETICA = BreakerSet(K, KineticaCodec())
PRAISONAI = BreakerSet(P)
