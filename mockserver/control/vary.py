"""The latitude switch (see mockserver.vary): which open choices the mock makes differently.

    GET    /_mock/vary                                  -> {"choices": {...}, "latitudes": [...]}
    PUT    /_mock/vary {"choices": {"LAT-...": "..."}}   -> replace the choices in force
    DELETE /_mock/vary                                  -> back to every default
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mockserver.control import CONTROL_PREFIX
from mockserver.control.errors import ControlError, read_json_object

if TYPE_CHECKING:
    from mockserver.control.protocol import Controlled


def routes(mock: Controlled) -> list[Route]:
    async def show(request: Request) -> JSONResponse:
        return JSONResponse(mock.vary_info())

    async def replace(request: Request) -> JSONResponse:
        data = await read_json_object(request)
        choices = data.get("choices")
        if not isinstance(choices, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                    for k, v in choices.items()):
            raise ControlError('expected {"choices": {"LATITUDE-ID": "choice", ...}}')
        return JSONResponse(mock.set_vary(choices))

    async def clear(request: Request) -> JSONResponse:
        return JSONResponse(mock.set_vary({}))

    return [
        Route(f"{CONTROL_PREFIX}/vary", show, methods=["GET"]),
        Route(f"{CONTROL_PREFIX}/vary", replace, methods=["PUT"]),
        Route(f"{CONTROL_PREFIX}/vary", clear, methods=["DELETE"]),
    ]
