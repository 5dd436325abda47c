"""Typed Kinetica requests: what the model is asked, read out of the decoded Avro-field records.

The records carry options as strings (`"true"`, `"10"`) and behaviour hints inside `params`; this
module turns them into typed values, or raises `KineticaError` with the message a client sees, so
the model never parses a string option. The model takes these; the HTTP side makes them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.kinetica.errors import KineticaError
from mockserver.kinetica.scenario import Behaviour, Duration, generated_lines

DEFAULT_MAX_OUTPUT_LINES = 100
EXECUTION_MODES = ("distributed", "nondistributed")


# -- option values --------------------------------------------------------------------------------
def bool_option(options: Mapping[str, str], key: str, default: bool = False) -> bool:
    raw = options.get(key)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise KineticaError(f"option {key} must be 'true' or 'false', not {raw!r}")
    return value == "true"


def int_option(options: Mapping[str, str], key: str, default: int | None, *, minimum: int = 0) -> int | None:
    raw = options.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise KineticaError(f"option {key} must be an integer, not {raw!r}") from None
    if value < minimum:
        raise KineticaError(f"option {key} must be at least {minimum}, not {value}")
    return value


def _name(record: Mapping[str, Any]) -> str:
    name: str = record["proc_name"]
    if not name.strip():
        raise KineticaError("proc_name must not be empty")
    return name


# -- behaviour hints in execute_proc params --------------------------------------------------------
@dataclass(frozen=True)
class Hints:
    """The hints a test (or the conformance suite) puts in params; they win over scenario rules."""

    duration_s: float | None = None
    fail_segments: frozenset[int] | str | None = None
    fail_message: str | None = None
    hang: bool | None = None
    stdout: tuple[str, ...] | None = None
    stderr: tuple[str, ...] | None = None
    results: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Hints:
        duration = None
        if params.get("duration_ms", "") != "":
            raw = params["duration_ms"]
            try:
                duration = float(raw) / 1000.0
            except ValueError:
                raise KineticaError(f"param duration_ms must be a number of milliseconds, not {raw!r}") from None
            if not duration >= 0 or math.isinf(duration):
                raise KineticaError(f"param duration_ms must be >= 0, not {raw!r}")
        fail: frozenset[int] | str | None = None
        if params.get("fail_segments", "").strip():
            raw = params["fail_segments"].strip()
            if raw.lower() == "all":
                fail = "all"
            else:
                try:
                    fail = frozenset(int(p) for p in raw.split(",") if p.strip())
                except ValueError:
                    raise KineticaError(
                        f"param fail_segments must be 'all' or comma-separated segment numbers, not {raw!r}"
                    ) from None
        hang = None
        if params.get("hang", "") != "":
            hang = bool_option(params, "hang")
        return cls(duration_s=duration, fail_segments=fail, fail_message=params.get("fail_message"),
                   hang=hang, stdout=_lines_hint(params, "stdout"), stderr=_lines_hint(params, "stderr"),
                   results={k[len("result_"):]: v for k, v in params.items()
                            if k.startswith("result_") and len(k) > len("result_")})

    def over(self, base: Behaviour) -> Behaviour:
        return Behaviour(
            segments=base.segments,
            duration=Duration.seconds(self.duration_s) if self.duration_s is not None else base.duration,
            failure=base.failure,
            hang=self.hang if self.hang is not None else base.hang,
            stdout=self.stdout if self.stdout is not None else base.stdout,
            stderr=self.stderr if self.stderr is not None else base.stderr,
            results={**(base.results or {}), **self.results},
        )


def _lines_hint(params: Mapping[str, str], stream: str) -> tuple[str, ...] | None:
    raw = params.get(f"{stream}_lines")
    if raw is None or raw == "":
        return None
    if raw.strip().isdigit():
        return generated_lines(stream, int(raw))
    return tuple(raw.split("\n"))


# -- the requests -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProcDefinition:
    """A proc as /create/proc defines it and /show/proc shows it back (never changed once made)."""

    name: str
    execution_mode: str
    files: dict[str, bytes]
    command: str
    args: list[str]
    options: dict[str, str]

    @property
    def distributed(self) -> bool:
        return self.execution_mode == "distributed"


@dataclass(frozen=True)
class CreateProc:
    proc: ProcDefinition
    max_concurrency_per_node: int | None  # None: the scenario's

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> CreateProc:
        name = _name(record)
        mode = record["execution_mode"] or "distributed"
        if mode not in EXECUTION_MODES:
            raise KineticaError(f"execution_mode must be 'distributed' or 'nondistributed', not {mode!r}")
        options = dict(record["options"])
        return cls(ProcDefinition(name, mode, dict(record["files"]), record["command"], list(record["args"]), options),
                   int_option(options, "max_concurrency_per_node", None))


@dataclass(frozen=True)
class ShowProc:
    name: str  # "": every proc
    include_files: bool

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> ShowProc:
        return cls(record["proc_name"], bool_option(record["options"], "include_files"))


def proc_name(record: Mapping[str, Any]) -> str:
    """The proc named by /has/proc or /delete/proc."""
    name: str = record["proc_name"]
    if not name:
        raise KineticaError("proc_name must not be empty")
    return name


@dataclass(frozen=True)
class ExecuteProc:
    name: str
    params: dict[str, str]
    bin_params: dict[str, bytes]
    input_table_names: list[str]
    input_column_names: dict[str, list[str]]
    output_table_names: list[str]
    options: dict[str, str]
    run_tag: str
    execute_at_startup: bool
    max_output_lines: int
    hints: Hints

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> ExecuteProc:
        name = proc_name(record)
        options = dict(record["options"])
        at_startup = bool_option(options, "execute_at_startup")
        lines = int_option(options, "max_output_lines", DEFAULT_MAX_OUTPUT_LINES)
        assert lines is not None
        return cls(name, dict(record["params"]), dict(record["bin_params"]), list(record["input_table_names"]),
                   {t: list(c) for t, c in record["input_column_names"].items()},
                   list(record["output_table_names"]), options, options.get("run_tag", ""), at_startup, lines,
                   Hints.parse(record["params"]))


@dataclass(frozen=True)
class ShowProcStatus:
    run_id: str  # "": every run
    run_tag: str
    clear_complete: bool

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> ShowProcStatus:
        options = record["options"]
        return cls(record["run_id"], options.get("run_tag", ""), bool_option(options, "clear_complete"))


@dataclass(frozen=True)
class KillProc:
    run_id: str  # "": every run
    run_tag: str
    clear_execute_at_startup: bool

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> KillProc:
        options = record["options"]
        return cls(record["run_id"], options.get("run_tag", ""), bool_option(options, "clear_execute_at_startup"))


@dataclass(frozen=True)
class CreateJob:
    endpoint: str
    encoding: str  # "binary" or "json": how the inner request came, and how its answer goes
    tag: str       # "": the mock picks one
    payload: bytes

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> CreateJob:
        endpoint = record["endpoint"]
        if not endpoint:
            raise KineticaError("endpoint must not be empty")
        encoding = record["request_encoding"].lower() or "binary"
        if encoding == "snappy":
            raise KineticaError("request_encoding 'snappy' is not supported by this mock")
        if encoding not in ("binary", "json"):
            raise KineticaError(f"request_encoding must be 'binary' or 'json', not {encoding!r}")
        payload = record["data"] if encoding == "binary" else record["data_str"].encode("utf-8")
        return cls(endpoint, encoding, record["options"].get("job_tag", ""), payload)


@dataclass(frozen=True)
class GetJob:
    job_id: int
    tag: str  # when given, the job is looked up by tag

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> GetJob:
        return cls(record["job_id"], record["options"].get("job_tag", ""))
