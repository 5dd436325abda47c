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

from mockserver.control.errors import ControlError, read_json_object

if TYPE_CHECKING:
    from mockserver.runtime import Mock


def routes(mock: Mock) -> list[Route]:
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
        Route("/_mock/vary", show, methods=["GET"]),
        Route("/_mock/vary", replace, methods=["PUT"]),
        Route("/_mock/vary", clear, methods=["DELETE"]),
    ]
