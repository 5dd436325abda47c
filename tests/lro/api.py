"""A third API, kept with the tests: a minimal long-running-operation API that registers itself.

Nothing outside this folder names it: importing this module (or listing it in `MOCKSERVER_APIS`)
gives it `mockserver serve --lro-port`, the control plane (state, an action, faults, journal,
misbehaviour), a scenario section, the `lro_mock` fixture and a conformance-suite target.
"""

from __future__ import annotations

from typing import Any

from mockserver.misbehave import Breaker, BreakerSet, Exchange
from mockserver.registry import ActionError, ActionParam, ApiContext, ApiPart, ApiSpec, ControlAction, register
from tests.lro.app import create_lro_app
from tests.lro.model import LroModel, OperationDone, OperationNotFound


def build(context: ApiContext) -> ApiPart:
    model = LroModel(context.clock, context.scenario)
    return ApiPart(model, create_lro_app(model))


def cancel(model: LroModel, number: str | int) -> dict[str, Any]:
    try:
        return model.cancel(int(number))
    except (ValueError, OperationNotFound):
        raise ActionError(f"no operation {number!r}", 404) from None
    except OperationDone as exc:
        raise ActionError(str(exc), 409) from None


def is_read(ex: Exchange) -> bool:
    return ex.method == "GET" and ex.path.startswith("/v1/operations/")


def finished_reads_unfinished(ex: Exchange, state: dict[str, Any]) -> None:
    """LRO-OP-001 broken: a finished operation still reads `done: false`."""
    if isinstance(ex.response_json, dict) and ex.response_json.get("done"):
        ex.response_json = {"name": ex.response_json["name"], "done": False}


def breakers() -> BreakerSet:
    return BreakerSet([Breaker("LRO-OP-001", "lro", is_read, after=finished_reads_unfinished)])


SPEC = register(ApiSpec(
    name="lro",
    title="LRO",
    default_port=8090,
    build=build,
    clause_prefix="LRO",
    suite_target="tests.lro.target:LroTarget",
    scenario_module="tests.lro.scenario",
    actions=(ControlAction("cancel", "operations/{number}/cancel", "Cancel an operation", cancel,
                           (ActionParam("number", "operation number"),),
                           errors={"404": "no such operation", "409": "it has finished"}),),
    breakers=breakers,
))
