"""The control plane: one Starlette app whose routes all live under `/_mock/`.

Every route is a thin HTTP face on the `Mock`'s Python API, so whatever a page or script does over
HTTP a test can do in Python, and the other way round.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from mockserver.control import CONTROL_PREFIX, actions, clock, faults, journal, misbehave, scenario, state, vary
from mockserver.control.errors import ControlError, on_control_error, on_http_exception
from mockserver.control.openapi import control_openapi
from mockserver.control.protocol import Controlled


def control_routes(mock: Controlled) -> list[BaseRoute]:
    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(control_openapi())

    return [
        *state.routes(mock),
        *misbehave.routes(mock),
        *clock.routes(mock),
        *scenario.routes(mock),
        *faults.routes(mock),
        *journal.routes(mock),
        *actions.routes(mock),
        *vary.routes(mock),
        Route(f"{CONTROL_PREFIX}/openapi.json", openapi, methods=["GET"]),
    ]


def create_control_app(mock: Controlled, *, extra_routes: list[BaseRoute] | None = None) -> Starlette:
    """`extra_routes` is where later parts (the inspector page) plug in under `/_mock/`."""
    return Starlette(
        routes=[*control_routes(mock), *(extra_routes or [])],
        exception_handlers={ControlError: on_control_error, HTTPException: on_http_exception},
    )
