"""The LRO API over HTTP: `POST /v1/operations`, `GET /v1/operations/{n}`, `POST /v1/operations/{n}:cancel`."""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.lro.model import LroModel, OperationDone, OperationNotFound


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": status, "message": message}}, status_code=status)


def _number(request: Request) -> int | None:
    raw = request.path_params["number"]
    return int(raw) if raw.isdigit() else None


def create_lro_app(model: LroModel) -> Starlette:
    async def start(request: Request) -> JSONResponse:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return _error(400, "the body must be JSON")
        seconds = body.get("seconds") if isinstance(body, dict) else None
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int | float)):
            return _error(400, "seconds must be a number")
        return JSONResponse(model.start(seconds), status_code=201)

    async def read(request: Request) -> JSONResponse:
        number = _number(request)
        try:
            return JSONResponse(model.get(number if number is not None else -1))
        except OperationNotFound:
            return _error(404, "no such operation")

    async def cancel(request: Request) -> JSONResponse:
        number = _number(request)
        try:
            return JSONResponse(model.cancel(number if number is not None else -1))
        except OperationNotFound:
            return _error(404, "no such operation")
        except OperationDone as exc:
            return _error(409, str(exc))

    return Starlette(routes=[
        Route("/v1/operations", start, methods=["POST"]),
        Route("/v1/operations/{number}", read, methods=["GET"]),
        Route("/v1/operations/{number}:cancel", cancel, methods=["POST"]),
    ])
