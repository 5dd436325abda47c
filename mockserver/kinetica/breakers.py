"""Kinetica's breakers: one per contract clause, how to make the mock violate exactly that statement.

The codec (`KineticaCodec`, on `mockserver.kinetica.wire`) decodes a request and an answer, in
either encoding, into their JSON form for the breakers: `ex.request_json` is the request record,
`ex.wrapper` the wrapper (without its payload) and `ex.data` the decoded response record (None on
error); it encodes them back after they have been tampered with. Bytes travel as latin-1 strings, so
breakers never care which encoding the client chose.

Each breaker is `Breaker(clause, "kinetica", applies, before=..., after=...)`: `applies` picks the
requests concerned, `before` rewrites the request (so the model never hears of an option), `after`
rewrites the answer. Keep each one minimal: a single wrong thing a real implementation might do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

from mockserver.control import CONTROL_PREFIX
from mockserver.kinetica import wire
from mockserver.misbehave import Breaker, BreakerSet, Exchange, fields_set, response_header
from mockserver.spec.loader import load_schema

KIN = "kinetica"
TERMINAL_K = {"complete", "error", "killed"}


# -- the codec ------------------------------------------------------------------------------------
def _media(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


class KineticaCodec:
    def decode_request(self, ex: Exchange) -> None:
        ex.endpoint = wire.endpoint_of(ex.path) or ""
        ex.encoding = wire.JSON if _media(ex.header("content-type")) == "application/json" else wire.BINARY
        if not ex.endpoint:
            return
        try:
            if ex.encoding == wire.JSON:
                ex.request_json = json.loads(ex.body)
            else:
                ex.request_json = wire.codec(ex.endpoint).read_request(ex.body)
        except Exception:  # an undecodable body is the model's to refuse; breakers see None
            ex.request_json = None

    def encode_request(self, ex: Exchange) -> None:
        if ex.request_json is None or not ex.endpoint:
            return
        if ex.encoding == wire.JSON:
            ex.body = json.dumps(ex.request_json).encode()
        else:
            ex.body = wire.codec(ex.endpoint).write_request(ex.request_json)

    def decode_response(self, ex: Exchange) -> None:
        encoding = wire.JSON if _media(ex.header("content-type", response=True)) == "application/json" \
            else wire.BINARY
        try:
            wrapper = wire.decode_wrapper(ex.response_body, encoding)
            payload = wrapper["data_str"] if encoding == wire.JSON else wrapper["data"]
            ex.wrapper = wire.to_json_form(wrapper)
            if wrapper.get("status") == "OK" and ex.endpoint:
                ex.data = wire.to_json_form(wire.decode_response_record(ex.endpoint, payload, encoding))
        except Exception:
            ex.wrapper = None
            ex.data = None

    def encode_response(self, ex: Exchange) -> None:
        if ex.wrapper is None:
            return
        wrapper = dict(ex.wrapper)
        if _media(ex.header("content-type", response=True)) == "application/json":
            if ex.data is not None:
                wrapper["data_str"] = json.dumps(ex.data)
            ex.response_body = json.dumps(wrapper).encode()
            return
        try:
            if ex.data is not None and ex.endpoint:
                wrapper["data"] = wire.codec(ex.endpoint).write_response(ex.data)
            elif isinstance(wrapper.get("data"), str):
                wrapper["data"] = wrapper["data"].encode("latin-1")
            else:
                wrapper["data"] = wrapper.get("data", b"")
            ex.response_body = wire.write_wrapper(wrapper)
        except Exception:  # a lie that does not fit the Avro record cannot be told in Avro: leave it
            pass


# -- answers ----------------------------------------------------------------------------------------
def ok(ex: Exchange) -> bool:
    return ex.wrapper is not None and ex.wrapper.get("status") == "OK" and isinstance(ex.data, dict)


def is_error(ex: Exchange) -> bool:
    return ex.wrapper is not None and ex.wrapper.get("status") == "ERROR"


def make_error(ex: Exchange, message: str, status: int = 400) -> None:
    ex.status = status
    ex.wrapper = {"status": "ERROR", "message": message, "data_type": "none", "data": "", "data_str": ""}
    ex.data = None


def make_ok(ex: Exchange, data: dict[str, Any], record: str) -> None:
    ex.status = 200
    ex.wrapper = {"status": "OK", "message": "", "data_type": record, "data": "", "data_str": ""}
    ex.data = data


# -- helpers ------------------------------------------------------------------------------------------
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


async def _sync_execute_after(ex: Exchange, state: dict[str, Any]) -> None:
    # Behave as if execute waited for the run: a long stretch of (virtual) time passes first.
    if ok(ex) and ex.control is not None:
        await ex.control("POST", f"{CONTROL_PREFIX}/clock/advance", {"seconds": 86_400})


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


def job_done(ex: Exchange) -> bool:
    """An OK /get/job answer about a DONE job."""
    return ok(ex) and ex.data.get("job_status") == "DONE"


def errors_answered_with(status: int) -> Callable[[Exchange, dict[str, Any]], None]:
    def after(ex: Exchange, state: dict[str, Any]) -> None:
        if is_error(ex):
            ex.status = status

    after.__name__ = f"errors_answered_with_{status}"
    return after


def _json_wrapper_without_data(ex: Exchange, state: dict[str, Any]) -> None:
    if ex.wrapper is not None and ex.encoding == "json":
        ex.wrapper.pop("data", None)


def _status_ok_misspelt(ex: Exchange, state: dict[str, Any]) -> None:
    if ok(ex):
        ex.wrapper["status"] = "Ok"  # type: ignore[index]


def _message_on_success(ex: Exchange, state: dict[str, Any]) -> None:
    if ok(ex):
        ex.wrapper["message"] = "success"  # type: ignore[index]


def _data_type_generic(ex: Exchange, state: dict[str, Any]) -> None:
    if ex.wrapper is not None:
        ex.wrapper["data_type"] = "response"


def _data_not_empty(ex: Exchange, state: dict[str, Any]) -> None:
    if ex.wrapper is not None:
        ex.wrapper["data"] = "-"


def _create_error_made_ok(ex: Exchange, state: dict[str, Any]) -> None:
    if is_error(ex):
        name = ex.request_json.get("proc_name", "") if isinstance(ex.request_json, dict) else ""
        make_ok(ex, {"proc_name": name, "info": {}}, "create_proc_response")


def _execute_error_made_ok(ex: Exchange, state: dict[str, Any]) -> None:
    if is_error(ex):
        make_ok(ex, {"run_id": "0", "info": {}}, "execute_proc_response")


def _default_max_output_lines(ex: Exchange, state: dict[str, Any]) -> None:
    if isinstance(ex.request_json, dict):
        ex.request_json.setdefault("options", {})["max_output_lines"] = "10"


def _ghost_run(ex: Exchange, data: dict[str, Any], state: dict[str, Any]) -> None:
    if data["statuses"]:
        data["statuses"]["ghost"] = {"0": "running"}


def _unknown_run_is_error(ex: Exchange, state: dict[str, Any]) -> None:
    if ok(ex) and not ex.data.get("overall_statuses"):
        make_error(ex, "run not found")


def _first_run_left_out(data: dict[str, Any], run_id: str, state: dict[str, Any]) -> None:
    if len(data["overall_statuses"]) > 1 and run_id == sorted(data["overall_statuses"])[0]:
        for member in data.values():
            if isinstance(member, dict) and member is not data.get("info"):
                member.pop(run_id, None)


def _tables_forgotten(data: dict[str, Any], run_id: str, state: dict[str, Any]) -> None:
    data["input_table_names"][run_id] = []
    data["output_table_names"][run_id] = []


def _running_rolls_up_as_none(data: dict[str, Any], run_id: str, state: dict[str, Any]) -> None:
    if "running" in data["statuses"][run_id].values():
        data["overall_statuses"][run_id] = "none"


def _stderr_left_out(data: dict[str, Any], run_id: str, state: dict[str, Any]) -> None:
    for output in data["output"][run_id].values():
        output.pop("stderr", None)


def _timings_as_text(data: dict[str, Any], run_id: str, state: dict[str, Any]) -> None:
    for timing in data["timings"][run_id].values():
        timing.update({k: str(v) for k, v in timing.items()})
        timing["x"] = "1"


def _done_job_without_response(ex: Exchange, state: dict[str, Any]) -> None:
    if job_done(ex):
        ex.data.update(job_response="", job_response_str="")


def _done_job_in_the_other_encoding(ex: Exchange, state: dict[str, Any]) -> None:
    if job_done(ex):
        ex.data["response_encoding"] = "json" if ex.data.get("response_encoding") == "binary" else "binary"


def error_answer(message: str) -> Callable[[Exchange, dict[str, Any]], None]:
    """An `after` hook: the answer becomes the ERROR wrapper with `message`."""

    def after(ex: Exchange, state: dict[str, Any]) -> None:
        make_error(ex, message)

    return after


def _empty_ok_answer(ex: Exchange, state: dict[str, Any]) -> None:
    make_ok(ex, {}, "none")


def _proc_exists_flipped(ex: Exchange, data: dict[str, Any], state: dict[str, Any]) -> None:
    data["proc_exists"] = not data.get("proc_exists")


def _short_core_version(ex: Exchange, data: dict[str, Any], state: dict[str, Any]) -> None:
    data["property_map"]["version.gpudb_core_version"] = "7.2"


def _system_status_not_json(ex: Exchange, data: dict[str, Any], state: dict[str, Any]) -> None:
    data["status_map"]["system"] = "running"


def _other_proc_name(ex: Exchange, data: dict[str, Any], state: dict[str, Any]) -> None:
    data["proc_name"] += "_x"


def _modes_swapped(ex: Exchange, data: dict[str, Any], state: dict[str, Any]) -> None:
    data["execution_modes"] = ["nondistributed" if m == "distributed" else "distributed"
                               for m in data.get("execution_modes", [])]


def _options_forgotten(ex: Exchange, data: dict[str, Any], state: dict[str, Any]) -> None:
    data.update(options=[{} for _ in data.get("options", [])], info={})


def _other_run_id(ex: Exchange, data: dict[str, Any], state: dict[str, Any]) -> None:
    data["run_id"] += "-"


def _other_proc_name_per_run(data: dict[str, Any], run_id: str, state: dict[str, Any]) -> None:
    data["proc_names"][run_id] = "x"


def _extra_param(data: dict[str, Any], run_id: str, state: dict[str, Any]) -> None:
    data["params"][run_id]["extra"] = "1"


def _columns_forgotten(data: dict[str, Any], run_id: str, state: dict[str, Any]) -> None:
    data["input_column_names"][run_id] = {}


def _run_options_forgotten(data: dict[str, Any], run_id: str, state: dict[str, Any]) -> None:
    data["options"][run_id] = {}


def _complete_misspelt(data: dict[str, Any], run_id: str, state: dict[str, Any]) -> None:
    _set_segments(data, run_id, "complete", "completed")


def _errors_complete(data: dict[str, Any], run_id: str, state: dict[str, Any]) -> None:
    _set_segments(data, run_id, "error", "complete")


def _messages_blank(data: dict[str, Any], run_id: str, state: dict[str, Any]) -> None:
    data["messages"][run_id] = {k: "" for k in data["messages"][run_id]}


def _results_empty(data: dict[str, Any], run_id: str, state: dict[str, Any]) -> None:
    data["results"][run_id] = {k: {} for k in data["results"][run_id]}


def _asked_run_reported_killed(ex: Exchange, data: dict[str, Any], state: dict[str, Any]) -> None:
    data["run_ids"] = [ex.request_json["run_id"]]


def _first_kill_unreported(ex: Exchange, data: dict[str, Any], state: dict[str, Any]) -> None:
    data["run_ids"] = data["run_ids"][1:]


def _ghost_kill_reported(ex: Exchange, data: dict[str, Any], state: dict[str, Any]) -> None:
    data["run_ids"] = [*data["run_ids"], "x"]


def _job_status_lowercase(ex: Exchange, data: dict[str, Any], state: dict[str, Any]) -> None:
    data["job_status"] = data["job_status"].lower()


# -- option values outside their documented list ----------------------------------------------------
@cache
def _documented_values(endpoint: str) -> dict[str, frozenset[str]]:
    """Per option, the values its page lists ("The supported values are: ..."), lower-cased."""
    operation = endpoint.strip("/").replace("/", "_")
    try:
        schema = load_schema(f"kinetica/{operation}.request.json")
    except FileNotFoundError:
        return {}
    options = schema.get("properties", {}).get("options", {}).get("properties", {})
    return {name: frozenset(str(v).lower() for v in sub["enum"]) for name, sub in options.items()
            if isinstance(sub, dict) and "enum" in sub}


def ignore_undocumented_values(ex: Exchange, state: dict[str, Any]) -> None:
    """Option values outside their documented list dropped, as if not given (also LAT-KIN-OPTION-VALUES)."""
    request = ex.request_json if isinstance(ex.request_json, dict) else None
    options = request.get("options") if request else None
    if not isinstance(options, dict):
        return
    listed = _documented_values(ex.endpoint)
    for name, value in list(options.items()):
        if name in listed and isinstance(value, str) and value and value.lower() not in listed[name]:
            del options[name]  # as if the option had not been given


BREAKERS: list[Breaker] = [
    Breaker(
        "KIN-WIRE-001",
        KIN,
        lambda ex: True,
        after=_json_wrapper_without_data,
    ),
    Breaker("KIN-WIRE-002", KIN, lambda ex: True, after=_status_ok_misspelt),
    Breaker("KIN-WIRE-003", KIN, lambda ex: True, after=_message_on_success),
    Breaker(
        "KIN-WIRE-004",
        KIN,
        lambda ex: True,
        after=_data_type_generic,
    ),
    Breaker(
        "KIN-WIRE-005",
        KIN,
        lambda ex: ex.encoding == "json",
        after=_data_not_empty,
    ),
    Breaker("KIN-WIRE-006", KIN, lambda ex: True, after=_data_str_on_error),
    Breaker("KIN-WIRE-007", KIN, _avro_only, after=_garble_avro),
    Breaker(
        "KIN-WIRE-008",
        KIN,
        lambda ex: _avro_only(ex) and ex.endpoint == "/has/proc",
        after=on_data(_proc_exists_flipped),
    ),
    Breaker(
        "KIN-WIRE-009",
        KIN,
        lambda ex: True,
        after=errors_answered_with(500),
    ),
    Breaker(
        "KIN-WIRE-010",
        KIN,
        lambda ex: ex.request_json is None and bool(ex.endpoint),
        after=_empty_ok_answer,
    ),
    Breaker(
        "KIN-SYS-001",
        KIN,
        at("/show/system/properties"),
        after=on_data(_short_core_version),
    ),
    Breaker(
        "KIN-SYS-002",
        KIN,
        at("/show/system/status"),
        after=on_data(_system_status_not_json),
    ),
    Breaker(
        "KIN-PRC-001",
        KIN,
        at("/create/proc"),
        after=on_data(_other_proc_name),
    ),
    Breaker("KIN-PRC-002", KIN, at("/has/proc"), after=on_data(fields_set(proc_exists=True))),
    Breaker(
        "KIN-PRC-003",
        KIN,
        at("/show/proc"),
        after=on_data(_modes_swapped),
    ),
    Breaker("KIN-PRC-004", KIN, at("/delete/proc", "/has/proc"), after=_remember_deleted),
    Breaker(
        "KIN-PRC-005",
        KIN,
        at("/create/proc"),
        after=_create_error_made_ok,
    ),
    Breaker(
        "KIN-PRC-006",
        KIN,
        at("/delete/proc", "/show/proc"),
        after=errors_answered_with(500),
    ),
    Breaker("KIN-EXE-001", KIN, at("/execute/proc"), after=_sync_execute_after),
    Breaker(
        "KIN-EXE-002",
        KIN,
        at("/execute/proc"),
        after=_execute_error_made_ok,
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
        after=error_answer("params is required"),
    ),
    Breaker("KIN-EXE-005", KIN, at("/execute/proc"), before=drop_option("run_tag")),
    Breaker("KIN-EXE-006", KIN, at("/show/proc/status"), after=each_run(_output_tail_reversed)),
    Breaker(
        "KIN-EXE-007",
        KIN,
        lambda ex: ex.endpoint == "/execute/proc" and "max_output_lines" not in options_of(ex),
        before=_default_max_output_lines,
    ),
    Breaker(
        "KIN-EXE-008",
        KIN,
        at("/show/proc"),
        after=on_data(_options_forgotten),
    ),
    Breaker(
        "KIN-EXE-009", KIN, at("/execute/proc"), after=on_data(_other_run_id)
    ),
    Breaker(
        "KIN-EXE-010",
        KIN,
        lambda ex: ex.endpoint == "/execute/proc" and "cache_input" in options_of(ex),
        after=error_answer("cache_input is not supported"),
    ),
    Breaker(
        "KIN-SPS-001",
        KIN,
        at("/show/proc/status"),
        after=on_data(_ghost_run),
    ),
    Breaker(
        "KIN-SPS-002",
        KIN,
        lambda ex: ex.endpoint == "/show/proc/status" and run_id_given(ex),
        after=_unknown_run_is_error,
    ),
    Breaker(
        "KIN-SPS-003",
        KIN,
        lambda ex: ex.endpoint == "/show/proc/status" and not run_id_given(ex),
        after=each_run(_first_run_left_out),
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
        "KIN-SPS-007", KIN, at("/show/proc/status"), after=each_run(_other_proc_name_per_run)
    ),
    Breaker(
        "KIN-SPS-008", KIN, at("/show/proc/status"), after=each_run(_extra_param)
    ),
    Breaker(
        "KIN-SPS-009",
        KIN,
        at("/show/proc/status"),
        after=each_run(_tables_forgotten),
    ),
    Breaker(
        "KIN-SPS-010",
        KIN,
        at("/show/proc/status"),
        after=each_run(_columns_forgotten),
    ),
    Breaker("KIN-SPS-011", KIN, at("/show/proc/status"), after=each_run(_run_options_forgotten)),
    Breaker(
        "KIN-SPS-012",
        KIN,
        at("/show/proc/status"),
        after=each_run(_complete_misspelt),
    ),
    Breaker(
        "KIN-SPS-013",
        KIN,
        at("/show/proc/status"),
        after=each_run(_running_rolls_up_as_none),
    ),
    Breaker("KIN-SPS-014", KIN, at("/show/proc/status"), after=each_run(_flip_finished_back)),
    Breaker(
        "KIN-SPS-015",
        KIN,
        at("/show/proc/status"),
        after=each_run(_errors_complete),
    ),
    Breaker(
        "KIN-SPS-016",
        KIN,
        at("/show/proc/status"),
        after=each_run(_messages_blank),
    ),
    Breaker(
        "KIN-SPS-017",
        KIN,
        at("/show/proc/status"),
        after=each_run(_results_empty),
    ),
    Breaker(
        "KIN-SPS-018",
        KIN,
        at("/show/proc/status"),
        after=each_run(_stderr_left_out),
    ),
    Breaker(
        "KIN-SPS-019",
        KIN,
        lambda ex: ex.endpoint == "/show/proc/status" and ex.encoding == "json",
        after=each_run(_timings_as_text),
    ),
    Breaker("KIN-SPS-020", KIN, at("/show/proc/status"), after=each_run(_killed_completes)),
    Breaker(
        "KIN-KIL-001",
        KIN,
        lambda ex: ex.endpoint == "/kill/proc" and run_id_given(ex),
        after=on_data(fields_set(run_ids=[])),
    ),
    Breaker(
        "KIN-KIL-002",
        KIN,
        lambda ex: ex.endpoint == "/kill/proc" and run_id_given(ex),
        after=on_data(_asked_run_reported_killed),
    ),
    Breaker(
        "KIN-KIL-003",
        KIN,
        lambda ex: ex.endpoint == "/kill/proc" and not run_id_given(ex) and not options_of(ex).get("run_tag"),
        after=on_data(_first_kill_unreported),
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
        "KIN-KIL-007", KIN, at("/kill/proc"), after=on_data(_ghost_kill_reported)
    ),
    Breaker("KIN-JOB-001", KIN, at("/create/job"), after=_mangle_job_ids),
    Breaker("KIN-JOB-002", KIN, at("/get/job"), after=on_data(fields_set(endpoint="/some/endpoint"))),
    Breaker(
        "KIN-JOB-003", KIN, at("/get/job"), after=on_data(_job_status_lowercase)
    ),
    Breaker(
        "KIN-JOB-004",
        KIN,
        lambda ex: ex.endpoint == "/get/job",
        after=_done_job_without_response,
    ),
    Breaker("KIN-JOB-005", KIN, at("/get/job"), after=on_data(fields_set(status_map={}))),
    Breaker("KIN-JOB-006", KIN, at("/get/job"), after=on_data(fields_set(running=False))),
    Breaker("KIN-JOB-007", KIN, at("/get/job"), after=on_data(fields_set(progress=150))),
    Breaker("KIN-JOB-008", KIN, at("/get/job"), after=on_data(fields_set(successful=True))),
    Breaker(
        "KIN-JOB-009",
        KIN,
        at("/get/job"),
        after=_done_job_in_the_other_encoding,
    ),
    Breaker(
        "KIN-JOB-010",
        KIN,
        lambda ex: ex.endpoint == "/get/job" and "job_tag" in options_of(ex),
        after=error_answer("job_tag is not accepted"),
    ),
    Breaker(
        "KIN-JOB-011",
        KIN,
        at("/get/job"),
        after=errors_answered_with(500),
    ),
    Breaker(
        "KIN-OAS-001",
        KIN,
        lambda ex: ex.encoding == "json",
        after=response_header("content-type", "text/plain"),
    ),
    # Lenient where the schema is strict (an ERROR under 200 is a latitude now, LAT-KIN-ERROR-STATUS).
    Breaker("KIN-OAS-002", KIN, lambda ex: bool(ex.endpoint), before=ignore_undocumented_values),
]


# -- the clauses the latitude review and the history replay added (issue 9) ----------------------------
def _progress_falls(ex: Exchange, job: dict[str, Any], state: dict[str, Any]) -> None:
    """Progress reads 50 while the job runs, then falls back to 10 once it has ended."""
    job["progress"] = 50 if job.get("job_status") == "RUNNING" else 10


def _forget_reported_finished_runs(data: dict[str, Any], run_id: str, state: dict[str, Any]) -> None:
    """A server that lists a finished run once and then forgets it, without clear_complete."""
    seen = state.setdefault("reported", set())
    if run_id in seen:
        for member in data.values():
            if isinstance(member, dict) and member is not data.get("info"):
                member.pop(run_id, None)
    elif data["overall_statuses"].get(run_id) in TERMINAL_K:
        seen.add(run_id)


def _listing_all(ex: Exchange) -> bool:
    return ex.endpoint == "/show/proc/status" and not run_id_given(ex) and "clear_complete" not in options_of(ex)


BREAKERS += [
    Breaker("KIN-JOB-012", KIN, at("/get/job"), after=on_data(_progress_falls)),
    Breaker("KIN-SPS-021", KIN, _listing_all, after=each_run(_forget_reported_finished_runs)),
]

KINETICA = BreakerSet(BREAKERS, KineticaCodec())
