"""Control routes for HTTP fault rules: list, add, read one, delete one, clear."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mockserver.control import CONTROL_PREFIX
from mockserver.control.errors import ControlError, read_json_object
from mockserver.control.protocol import Controlled
from mockserver.faults import FaultRuleError


def routes(mock: Controlled) -> list[Route]:
    rules = mock.faults

    async def list_rules(request: Request) -> JSONResponse:
        return JSONResponse({"faults": rules.list()})

    async def add(request: Request) -> JSONResponse:
        data = await read_json_object(request)
        try:
            rule_id = rules.add(data)
        except FaultRuleError as exc:
            raise ControlError(str(exc)) from None
        return JSONResponse(rules.get(rule_id), status_code=201)

    async def read_one(request: Request) -> JSONResponse:
        rule = rules.get(request.path_params["fault_id"])
        if rule is None:
            raise ControlError(f"no fault rule {request.path_params['fault_id']!r}", 404)
        return JSONResponse(rule)

    async def remove(request: Request) -> JSONResponse:
        fault_id = request.path_params["fault_id"]
        if not rules.remove(fault_id):
            raise ControlError(f"no fault rule {fault_id!r}", 404)
        return JSONResponse({"removed": [fault_id]})

    async def clear(request: Request) -> JSONResponse:
        removed = [rule["id"] for rule in rules.list()]
        rules.clear()
        return JSONResponse({"removed": removed})

    return [
        Route(f"{CONTROL_PREFIX}/faults", list_rules, methods=["GET"]),
        Route(f"{CONTROL_PREFIX}/faults", add, methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/faults", clear, methods=["DELETE"]),
        Route(f"{CONTROL_PREFIX}/faults/{{fault_id}}", read_one, methods=["GET"]),
        Route(f"{CONTROL_PREFIX}/faults/{{fault_id}}", remove, methods=["DELETE"]),
    ]
