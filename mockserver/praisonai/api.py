"""PraisonAI as the registry sees it: model, app, scenario section, port, control actions, breakers."""

from __future__ import annotations

from typing import Any

from mockserver.auth import json_detail_rejection
from mockserver.cassette import RecordedExchange
from mockserver.grading import ClientRule
from mockserver.misbehave import BreakerSet
from mockserver.praisonai.app import create_praisonai_app
from mockserver.praisonai.breakers import PRAISONAI
from mockserver.praisonai.models import ID_COUNTERS, PraisonAIModel, RunFinished
from mockserver.praisonai.variations import JOB_ID, PRAISONAI_LATITUDES
from mockserver.registry import ActionError, ActionParam, ApiContext, ApiPart, ApiSpec, ControlAction, register


def build(context: ApiContext) -> ApiPart:
    model = PraisonAIModel(context.clock, context.scenario, profile=context.profile,
                           allow_loopback_webhooks=context.allow_loopback_webhooks,
                           webhook_allow=context.webhook_allow,
                           job_id_format=context.latitude_choices.get(JOB_ID, "run_hex"),
                           retention=context.retention, **context.options)
    return ApiPart(model, create_praisonai_app(model), json_detail_rejection)


def cancel_run(model: PraisonAIModel, job_id: str) -> dict[str, Any]:
    """Cancel a queued or running run; 404 if unknown, 409 if it has already finished."""
    try:
        view = model.cancel(job_id)
    except LookupError:
        raise ActionError(f"no PraisonAI run {job_id!r}", 404) from None
    except RunFinished as exc:
        raise ActionError(str(exc), 409) from None
    return {"job_id": job_id, "cancelled": True, "status": view.status}


def replay(model: PraisonAIModel, exchanges: list[RecordedExchange], speed: float) -> str:
    """Recorded runs become plans (mockserver/praisonai/replay.py), loaded on first use."""
    from mockserver.praisonai.replay import install

    return install(model, exchanges, speed)


def breakers() -> BreakerSet:
    return PRAISONAI


def client_rules() -> tuple[ClientRule, ...]:
    """How a client of this API should poll and stop (mockserver/praisonai/grading.py), loaded on first use."""
    from mockserver.praisonai.grading import RULES

    return RULES


def openapi_document(context: ApiContext) -> dict[str, Any] | None:
    from mockserver.praisonai.openapi_profile import document

    return document(context.profile) or None


SPEC = register(ApiSpec(
    name="praisonai",
    title="PraisonAI",
    default_port=8005,
    build=build,
    clause_prefix="PRA",
    suite_target="contract_tests.praisonai.client:PraisonTarget",
    proxy_observer="mockserver.praisonai.observer:PraisonAIObserver",
    scenario_module="mockserver.praisonai.scenario",
    actions=(
        ControlAction("cancel_run", "runs/{job_id}/cancel", "Cancel a PraisonAI run", cancel_run,
                      (ActionParam("job_id", "PraisonAI run (job) id"),),
                      errors={"400": "the action does not apply", "404": "no such id, or that API is not served",
                              "409": "the run has already finished"}),
    ),
    breakers=breakers,
    openapi=openapi_document,
    latitudes=lambda: PRAISONAI_LATITUDES,
    client_rules=client_rules,
    replay=replay,
    id_counters=ID_COUNTERS,
))
