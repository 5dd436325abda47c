"""Kinetica as the registry sees it: model, app, scenario section, port, control actions, breakers."""

from __future__ import annotations

from typing import Any

from starlette.types import Scope

from mockserver.cassette import RecordedExchange
from mockserver.grading import ClientRule
from mockserver.kinetica.app import DEFAULT_MAX_BODY_BYTES, create_kinetica_app, error_body
from mockserver.kinetica.breakers import KINETICA
from mockserver.kinetica.models import ID_COUNTERS, KineticaError, KineticaModel
from mockserver.kinetica.variations import KINETICA_LATITUDES
from mockserver.misbehave import BreakerSet
from mockserver.registry import ActionError, ActionParam, ApiContext, ApiPart, ApiSpec, ControlAction, register
from mockserver.spec.loader import load_schema


def rejection(scope: Scope, reason: str) -> tuple[bytes, bytes]:
    """Kinetica's ERROR wrapper in the request's encoding (the gpudb client reads only the status)."""
    return error_body(scope, f"Unauthorized access: {reason}")


def build(context: ApiContext) -> ApiPart:
    model = KineticaModel(context.clock, context.scenario, retention=context.retention, **context.options)
    app = create_kinetica_app(model, max_body_bytes=context.max_body_bytes or DEFAULT_MAX_BODY_BYTES)
    return ApiPart(model, app, rejection, error_body)


# -- control actions --------------------------------------------------------------------------------
def _known_run(model: KineticaModel, run_id: str) -> None:
    if run_id not in model.runs():
        raise ActionError(f"no Kinetica run {run_id!r}", 404)


def _segment_index(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ActionError(f"segment must be a 0-based index; got {value!r}")


def kill_run(model: KineticaModel, run_id: str) -> dict[str, Any]:
    _known_run(model, run_id)
    try:
        killed = model.kill_run(run_id)
    except KineticaError as exc:
        raise ActionError(str(exc)) from None
    return {"run_id": run_id, "killed": bool(killed)}


def fail_segment(model: KineticaModel, run_id: str, segment: int | str, message: str | None = None,
                 ) -> dict[str, Any]:
    if message is not None and not isinstance(message, str):
        raise ActionError(f"field 'message' must be a string; got {message!r}")
    index = _segment_index(segment)
    _known_run(model, run_id)
    try:
        failed = model.fail_segment_now(run_id, index, message if message is not None
                                        else f"segment {index} failed on request")
    except KineticaError as exc:
        raise ActionError(str(exc)) from None
    return {"run_id": run_id, "segment": index, "failed": bool(failed)}


def cancel_job(model: KineticaModel, job_id: int | str) -> dict[str, Any]:
    try:
        number = int(job_id)
    except (TypeError, ValueError):
        raise ActionError(f"a Kinetica job id is an integer; got {job_id!r}") from None
    try:
        cancelled = model.cancel_job(number)
    except KineticaError as exc:
        raise ActionError(str(exc), 404) from None
    return {"job_id": number, "cancelled": bool(cancelled)}


def restart(model: KineticaModel) -> dict[str, Any]:
    """A database restart: runs and jobs are gone, procs stay, their auto-start runs begin."""
    return {"started": model.restart()}


def openapi_document(context: ApiContext) -> dict[str, Any] | None:
    try:
        return load_schema("openapi/kinetica.json")
    except FileNotFoundError:  # an installation without schemas/
        return None


def replay(model: KineticaModel, exchanges: list[RecordedExchange], speed: float) -> str:
    """Recorded runs and jobs become plans (mockserver/kinetica/replay.py), loaded on first use."""
    from mockserver.kinetica.replay import install

    return install(model, exchanges, speed)


def breakers() -> BreakerSet:
    return KINETICA


_RUN_ID = ActionParam("run_id", "Kinetica run id")
_ERRORS = {"400": "the action does not apply", "404": "no such id, or that API is not served"}

def client_rules() -> tuple[ClientRule, ...]:
    """How a client of this API should poll and stop (mockserver/kinetica/grading.py), loaded on first use."""
    from mockserver.kinetica.grading import RULES

    return RULES


SPEC = register(ApiSpec(
    name="kinetica",
    title="Kinetica",
    default_port=9191,  # the gpudb client's
    build=build,
    clause_prefix="KIN",
    suite_target="contract_tests.kinetica.client:KineticaTarget",
    proxy_observer="mockserver.kinetica.observer:KineticaObserver",
    scenario_module="mockserver.kinetica.scenario",
    scenario_settings={"segments": "segments"},
    actions=(
        ControlAction("kill_run", "runs/{run_id}/kill", "Kill a Kinetica run now", kill_run,
                      (_RUN_ID,), errors=_ERRORS),
        ControlAction("fail_segment", "runs/{run_id}/segments/{segment}/fail",
                      "Make a running segment fail now", fail_segment,
                      (_RUN_ID, ActionParam("segment", "0-based data segment index",
                                            {"type": "integer", "minimum": 0})),
                      body={"type": "object", "properties": {"message": {"type": "string"}}},
                      errors=_ERRORS),
        ControlAction("cancel_job", "jobs/{job_id}/cancel", "Cancel a Kinetica job", cancel_job,
                      (ActionParam("job_id", "Kinetica job id"),), errors=_ERRORS),
        ControlAction("restart", "restart", "Restart the database: runs and jobs are gone, procs stay, "
                      "and their execute_at_startup runs begin", restart, errors=_ERRORS),
    ),
    id_counters=ID_COUNTERS,
    startup=KineticaModel.startup,  # execute_at_startup runs begin when the "database" starts
    breakers=breakers,
    latitudes=lambda: KINETICA_LATITUDES,
    client_rules=client_rules,
    replay=replay,
    openapi=openapi_document,  # /openapi.json is no Kinetica endpoint's suffix
))
