"""Control routes for the whole mock: reset, a state snapshot, and the actions an inspector offers
(kill a Kinetica run, fail a segment now, cancel a Kinetica job, cancel a PraisonAI run)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mockserver.control.errors import ControlError, read_json_object

if TYPE_CHECKING:
    from mockserver.runtime import Mock


def routes(mock: Mock) -> list[Route]:
    async def reset(request: Request) -> JSONResponse:
        mock.reset()
        return JSONResponse(mock.snapshot())

    async def state(request: Request) -> JSONResponse:
        return JSONResponse(mock.snapshot())

    async def kill_run(request: Request) -> JSONResponse:
        return JSONResponse(mock.kill_kinetica_run(request.path_params["run_id"]))

    async def fail_segment(request: Request) -> JSONResponse:
        data = await read_json_object(request, required=False)
        message = data.get("message")
        if message is not None and not isinstance(message, str):
            raise ControlError(f"field 'message' must be a string; got {message!r}")
        raw_segment = request.path_params["segment"]
        if not raw_segment.isdigit():
            raise ControlError(f"segment must be a 0-based index; got {raw_segment!r}")
        return JSONResponse(mock.fail_kinetica_segment(request.path_params["run_id"], int(raw_segment),
                                                       message))

    async def cancel_job(request: Request) -> JSONResponse:
        return JSONResponse(mock.cancel_kinetica_job(request.path_params["job_id"]))

    async def cancel_praisonai_run(request: Request) -> JSONResponse:
        return JSONResponse(mock.cancel_praisonai_run(request.path_params["job_id"]))

    return [
        Route("/_mock/reset", reset, methods=["POST"]),
        Route("/_mock/state", state, methods=["GET"]),
        Route("/_mock/kinetica/runs/{run_id}/kill", kill_run, methods=["POST"]),
        Route("/_mock/kinetica/runs/{run_id}/segments/{segment}/fail", fail_segment, methods=["POST"]),
        Route("/_mock/kinetica/jobs/{job_id}/cancel", cancel_job, methods=["POST"]),
        Route("/_mock/praisonai/runs/{job_id}/cancel", cancel_praisonai_run, methods=["POST"]),
    ]
