"""Control routes for the scenario: read the one in force, load or replace it, list presets.

A new scenario comes as YAML text, as a JSON document (JSON is YAML), or as the name of a preset in
`fixtures/` (`?preset=NAME`). One that does not validate is refused with its file, line and reason,
and the scenario in force stays.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mockserver.control import CONTROL_PREFIX
from mockserver.control.errors import ControlError
from mockserver.control.protocol import Controlled


def routes(mock: Controlled) -> list[Route]:
    async def read(request: Request) -> JSONResponse:
        return JSONResponse(mock.scenario_info())

    async def load(request: Request) -> JSONResponse:
        preset = request.query_params.get("preset")
        body = await request.body()
        if preset is not None:
            if body.strip():
                raise ControlError("give either a scenario in the body or ?preset=NAME, not both")
            mock.load_scenario_preset(preset)
        else:
            if not body.strip():
                raise ControlError("the body must hold a scenario (YAML or JSON), or use ?preset=NAME")
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise ControlError("the scenario must be UTF-8 text") from None
            mock.load_scenario_text(text, source=request.query_params.get("source", "<control plane>"))
        return JSONResponse(mock.scenario_info())

    async def presets(request: Request) -> JSONResponse:
        return JSONResponse({"presets": mock.scenario_presets()})

    return [
        Route(f"{CONTROL_PREFIX}/scenario", read, methods=["GET"]),
        Route(f"{CONTROL_PREFIX}/scenario", load, methods=["PUT", "POST"]),
        Route(f"{CONTROL_PREFIX}/scenario/presets", presets, methods=["GET"]),
    ]
