"""The misbehaviour switch (the conformance suite's self-test, see mockserver.misbehave):

    GET    /_mock/misbehave                    -> {"clauses": [...], "available": [...]}
    POST   /_mock/misbehave {"clauses": [...]} -> replace the set (an id without a breaker: 400)
    DELETE /_mock/misbehave                    -> clear it
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mockserver.control import CONTROL_PREFIX
from mockserver.control.errors import ControlError
from mockserver.control.protocol import Controlled

SWITCH_PATH = f"{CONTROL_PREFIX}/misbehave"


def routes(mock: Controlled) -> list[Route]:
    misbehaviour = mock.misbehaviour

    def answer() -> JSONResponse:
        return JSONResponse({"clauses": sorted(misbehaviour.ids), "available": misbehaviour.available or []})

    async def read(request: Request) -> JSONResponse:
        return answer()

    async def replace(request: Request) -> JSONResponse:
        try:
            data: Any = json.loads(await request.body() or b"{}")
            clauses = data["clauses"]
            if not isinstance(clauses, list) or not all(isinstance(c, str) for c in clauses):
                raise ValueError("field 'clauses' must be an array of clause ids")
        except (ValueError, KeyError, TypeError) as exc:
            raise ControlError(f"expected {{\"clauses\": [ids]}}: {exc}") from None
        unknown = misbehaviour.unknown(clauses)
        if unknown:
            raise ControlError(f"no misbehaviour for {unknown}", available=misbehaviour.available or [])
        misbehaviour.set(clauses)
        return answer()

    async def clear(request: Request) -> JSONResponse:
        misbehaviour.clear()
        return answer()

    return [
        Route(SWITCH_PATH, read, methods=["GET"]),
        Route(SWITCH_PATH, replace, methods=["POST"]),
        Route(SWITCH_PATH, clear, methods=["DELETE"]),
    ]
