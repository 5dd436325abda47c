"""Kinetica's latitudes and, for each non-default choice, the rewrite that makes it (see mockserver.vary).

Each rewrite answers as another correct Kinetica would: it changes only what the pages and the gpudb
client leave open. The catalog with sources is `contract_tests.latitudes`; ids and choices match.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mockserver.kinetica.breakers import KineticaCodec, at, ignore_undocumented_values, job_done, ok
from mockserver.kinetica.wire import BINARY, codec, decode_response_record, to_json_form, wrap_binary, wrap_json
from mockserver.misbehave import Breaker, BreakerSet, Exchange
from mockserver.vary import Latitude, LatitudeSet, reversed_keys

__all__ = ["KINETICA_LATITUDES", "LATITUDES", "VARIATIONS"]

KIN = "kinetica"

ERROR_STATUS = "LAT-KIN-ERROR-STATUS"
JOB_RESPONSE = "LAT-KIN-JOB-RESPONSE"
JOB_ENCODING = "LAT-KIN-JOB-ENCODING"
OPTION_VALUES = "LAT-KIN-OPTION-VALUES"
SEGMENTS = "LAT-KIN-SEGMENTS"
RUN_ID = "LAT-KIN-RUN-ID"
JOB_ID = "LAT-KIN-JOB-ID"
MESSAGES = "LAT-KIN-MESSAGES"
INFO = "LAT-KIN-INFO"
KEY_ORDER = "LAT-KIN-KEY-ORDER"
ROLLUP = "LAT-KIN-ROLLUP"
KILL_SETTLE = "LAT-KIN-KILL-SETTLE"
JOB_ERROR_PAYLOAD = "LAT-KIN-JOB-ERROR-PAYLOAD"

LATITUDES = (
    Latitude(ERROR_STATUS, KIN, ("400", "200", "422"), "the HTTP status of an ERROR answer"),
    Latitude(JOB_RESPONSE, KIN, ("record", "wrapper"),
             "what a DONE job's job_response(_str) holds: the endpoint's record, or its whole wrapper"),
    Latitude(JOB_ENCODING, KIN, ("as-submitted", "json"), "the encoding a binary-submitted job answers in"),
    Latitude(OPTION_VALUES, KIN, ("refuse", "ignore"), "an option value outside its documented list"),
    Latitude(SEGMENTS, KIN, ("4", "1", "7"), "how many data segments a distributed run has"),
    Latitude(RUN_ID, KIN, ("sequence", "uuid"), "the format of run ids"),
    Latitude(JOB_ID, KIN, ("sequence", "large"), "the values of job ids"),
    Latitude(MESSAGES, KIN, ("mock", "reworded"), "the wording of error messages"),
    Latitude(INFO, KIN, ("empty", "extra"), "what the `info` maps of answers carry"),
    Latitude(KEY_ORDER, KIN, ("record", "reversed"), "the order of keys in JSON objects"),
    Latitude(ROLLUP, KIN, ("finished-first", "error-early"),
             "which overall status shows while segments disagree"),
    Latitude(KILL_SETTLE, KIN, ("at-once", "after-a-moment"), "whether a kill shows at once"),
    Latitude(JOB_ERROR_PAYLOAD, KIN, ("empty", "filled"), "whether an ERROR job carries its endpoint's answer"),
)


def _start_settings(choice: Callable[[str], str]) -> dict[str, Any]:
    """The Mock settings a start-only choice makes: the data-segment count (the default: the scenario's)."""
    segments = choice(SEGMENTS)
    return {} if segments == LATITUDES[4].default else {"segments": int(segments)}


# -- helpers ---------------------------------------------------------------------------------------
def _everywhere(ex: Exchange) -> bool:
    return bool(ex.endpoint)


# -- ERROR under another HTTP status ---------------------------------------------------------------
def _error_status(status: int) -> Callable[[Exchange, dict[str, Any]], None]:
    def rewrite(ex: Exchange, state: dict[str, Any]) -> None:
        if ex.wrapper is not None and ex.wrapper.get("status") == "ERROR" and ex.status == 400:
            ex.status = status
    return rewrite


# -- what a job's response holds --------------------------------------------------------------------
def _wrap_job_response(ex: Exchange, state: dict[str, Any]) -> None:
    """The whole JSON wrapper of the endpoint's answer in job_response_str (binary: the Avro wrapper)."""
    if not job_done(ex):
        return
    job = ex.data
    record = codec(job["endpoint"]).response_name
    if job.get("response_encoding") == "json" and job.get("job_response_str"):
        job["job_response_str"] = wrap_json("OK", "", record, job["job_response_str"]).decode("ascii")
    elif job.get("response_encoding") == "binary" and job.get("job_response"):
        payload = job["job_response"].encode("latin-1")
        job["job_response"] = wrap_binary("OK", "", record, payload).decode("latin-1")


def _job_in_json(ex: Exchange, state: dict[str, Any]) -> None:
    """A binary-submitted job answers in JSON all the same."""
    if not job_done(ex) or ex.data.get("response_encoding") != "binary":
        return
    job = ex.data
    record = decode_response_record(job["endpoint"], job["job_response"].encode("latin-1"), BINARY)
    job.update(response_encoding="json", job_response="", job_response_str=json.dumps(to_json_form(record)))


# -- id formats --------------------------------------------------------------------------------------
_RUN_PREFIX = "3f2a9c1e-7b4d-4e8a-9c6f-"  # a UUID whose last group carries the mock's run id


def _uuid_run_id(run_id: str) -> str:
    return f"{_RUN_PREFIX}{int(run_id):012d}" if run_id.isdigit() else run_id


def _mock_run_id(value: str) -> str:
    tail = value[len(_RUN_PREFIX):]
    return str(int(tail)) if value.startswith(_RUN_PREFIX) and tail.isdigit() else value


_RUN_ID_FIELDS = ("run_id",)
_RUN_ID_MAPS = ("overall_statuses", "statuses", "messages", "params", "bin_params", "input_table_names",
                "input_column_names", "output_table_names", "options", "output", "timings", "results",
                "bin_results", "proc_names")


def _run_ids_in(ex: Exchange, state: dict[str, Any]) -> None:
    request = ex.request_json
    if isinstance(request, dict) and isinstance(request.get("run_id"), str):
        request["run_id"] = _mock_run_id(request["run_id"])


def _run_ids_out(ex: Exchange, state: dict[str, Any]) -> None:
    data = ex.data
    if not ok(ex):
        return
    for name in _RUN_ID_FIELDS:
        if isinstance(data.get(name), str):
            data[name] = _uuid_run_id(data[name])
    if isinstance(data.get("run_ids"), list):
        data["run_ids"] = [_uuid_run_id(r) for r in data["run_ids"]]
    if ex.endpoint == "/show/proc/status":
        for name in _RUN_ID_MAPS:
            if isinstance(data.get(name), dict):
                data[name] = {_uuid_run_id(k): v for k, v in data[name].items()}
    if ex.endpoint == "/show/proc" and isinstance(data.get("options"), list):
        for options in data["options"]:
            if isinstance(options, dict) and options.get("auto_start_run_id"):
                options["auto_start_run_id"] = ",".join(
                    _uuid_run_id(r) for r in options["auto_start_run_id"].split(","))


_JOB_OFFSET = 7_340_000_000_000  # large, not starting at 1: still a long, as the record says


def _job_ids_in(ex: Exchange, state: dict[str, Any]) -> None:
    request = ex.request_json
    if isinstance(request, dict) and isinstance(request.get("job_id"), int) and request["job_id"] > _JOB_OFFSET:
        request["job_id"] -= _JOB_OFFSET


def _job_ids_out(ex: Exchange, state: dict[str, Any]) -> None:
    if ok(ex) and isinstance(ex.data.get("job_id"), int):
        ex.data["job_id"] += _JOB_OFFSET


# -- wording, info maps, key order --------------------------------------------------------------------
def _reword(ex: Exchange, state: dict[str, Any]) -> None:
    if ex.wrapper is not None and ex.wrapper.get("status") == "ERROR" and ex.wrapper.get("message"):
        ex.wrapper["message"] = f"Request refused ({ex.endpoint or ex.path}): {ex.wrapper['message']}"


def _extra_info(ex: Exchange, state: dict[str, Any]) -> None:
    if ok(ex) and isinstance(ex.data.get("info"), dict):
        ex.data["info"] = {**ex.data["info"], "server_note": "answered by a variation of the mock"}


def _reverse_key_order(ex: Exchange, state: dict[str, Any]) -> None:
    if ex.encoding != "json":
        return  # Avro records have one field order: the schema's
    if ex.wrapper is not None:
        ex.wrapper = reversed_keys(ex.wrapper)
    if ok(ex):
        ex.data = reversed_keys(ex.data)


# -- rollups, kills and failed jobs --------------------------------------------------------------------
def _error_early(ex: Exchange, state: dict[str, Any]) -> None:
    """A run shows `error` as soon as one segment failed, while others still run."""
    if not ok(ex):
        return
    for run_id, segments in ex.data.get("statuses", {}).items():
        if "error" in segments.values() and ex.data["overall_statuses"].get(run_id) == "running":
            ex.data["overall_statuses"][run_id] = "error"


def _kill_takes_a_moment(ex: Exchange, state: dict[str, Any]) -> None:
    """A killed run still shows running (its killed segments too) at the first status answer after the kill."""
    if not ok(ex):
        return
    settling: set[str] = state.setdefault("settling", set())
    if ex.endpoint == "/kill/proc":
        settling.update(ex.data.get("run_ids", []))
        return
    for run_id in [r for r in ex.data.get("overall_statuses", {}) if r in settling]:
        settling.discard(run_id)
        if ex.data["overall_statuses"][run_id] == "killed":
            ex.data["overall_statuses"][run_id] = "running"
            segments = ex.data["statuses"].get(run_id, {})
            segments.update({seg: "running" for seg, status in segments.items() if status == "killed"})


def _fill_error_payload(ex: Exchange, state: dict[str, Any]) -> None:
    """An ERROR job carries, as JSON, the ERROR answer its endpoint gave."""
    if ok(ex) and ex.data.get("job_status") == "ERROR":
        message = ex.data.get("status_map", {}).get("error_message", "")
        ex.data.update(response_encoding="json", job_response="", job_response_str=json.dumps(
            {"status": "ERROR", "message": message, "data_type": "none", "data": "", "data_str": ""}))


def _variation(latitude: str, choice: str, applies: Callable[[Exchange], bool] = _everywhere, **hooks: Any) -> Breaker:
    return Breaker(f"{latitude}={choice}", KIN, applies, **hooks)


VARIATIONS = (
    _variation(ERROR_STATUS, "200", after=_error_status(200)),
    _variation(ERROR_STATUS, "422", after=_error_status(422)),
    # The encoding first: a job answered in JSON is then wrapped in JSON.
    _variation(JOB_ENCODING, "json", at("/get/job"), after=_job_in_json),
    _variation(JOB_RESPONSE, "wrapper", at("/get/job"), after=_wrap_job_response),
    _variation(OPTION_VALUES, "ignore", before=ignore_undocumented_values),
    _variation(RUN_ID, "uuid", at("/execute/proc", "/show/proc/status", "/kill/proc", "/show/proc"),
               before=_run_ids_in, after=_run_ids_out),
    _variation(JOB_ID, "large", at("/create/job", "/get/job"), before=_job_ids_in, after=_job_ids_out),
    _variation(MESSAGES, "reworded", after=_reword),
    _variation(INFO, "extra", after=_extra_info),
    _variation(KEY_ORDER, "reversed", after=_reverse_key_order),
    _variation(ROLLUP, "error-early", at("/show/proc/status"), after=_error_early),
    _variation(KILL_SETTLE, "after-a-moment", at("/kill/proc", "/show/proc/status"), after=_kill_takes_a_moment),
    _variation(JOB_ERROR_PAYLOAD, "filled", at("/get/job"), after=_fill_error_payload),
)


KINETICA_LATITUDES = LatitudeSet(LATITUDES, BreakerSet(VARIATIONS, KineticaCodec()),
                                 start_only=frozenset({SEGMENTS}), settings=_start_settings)
