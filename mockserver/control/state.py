"""Control routes for the whole mock: reset and a state snapshot."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mockserver.control import CONTROL_PREFIX
from mockserver.control.protocol import Controlled


def routes(mock: Controlled) -> list[Route]:
    async def reset(request: Request) -> JSONResponse:
        mock.reset()
        return JSONResponse(mock.snapshot())

    async def state(request: Request) -> JSONResponse:
        return JSONResponse(mock.snapshot())

    return [
        Route(f"{CONTROL_PREFIX}/reset", reset, methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/state", state, methods=["GET"]),
    ]
