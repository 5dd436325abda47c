"""Control routes for the APIs' own actions (kill a run, cancel a job, ...): each registered API
declares its actions in its spec, and each is served at `POST /_mock/<api>/<path>`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mockserver import registry
from mockserver.control import CONTROL_PREFIX
from mockserver.control.errors import read_json_object
from mockserver.control.protocol import Controlled


def action_path(api: str, action: registry.ControlAction) -> str:
    return f"{CONTROL_PREFIX}/{api}/{action.path}"


def routes(mock: Controlled) -> list[Route]:
    def endpoint(api: str, action: registry.ControlAction) -> Any:
        async def run(request: Request) -> JSONResponse:
            arguments: dict[str, Any] = {}
            if action.body is not None:  # only the members the action declares
                body = await read_json_object(request, required=False)
                arguments = {k: v for k, v in body.items() if k in action.body.get("properties", {})}
            return JSONResponse(mock.act(api, action.name, **arguments, **request.path_params))

        return run

    return [Route(action_path(spec.name, action), endpoint(spec.name, action), methods=["POST"])
            for spec in registry.specs() for action in spec.actions]
