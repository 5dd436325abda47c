"""Control routes for the shared clock: read, advance, set, freeze, follow real time again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mockserver.clock import ClockError, clock_json
from mockserver.control import CONTROL_PREFIX
from mockserver.control.errors import ControlError, read_json_object
from mockserver.control.protocol import Controlled


def _instant(value: Any) -> float:
    """Seconds since the epoch, or an ISO 8601 date-time (UTC when it names no zone)."""
    if isinstance(value, bool):
        raise ControlError(f"field 'now' must be epoch seconds or an ISO 8601 date-time; got {value!r}")
    if isinstance(value, int | float) and value == value:
        return float(value)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ControlError(f"field 'now' is not an ISO 8601 date-time: {value!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    raise ControlError(f"field 'now' must be epoch seconds or an ISO 8601 date-time; got {value!r}")


def routes(mock: Controlled) -> list[Route]:
    clock = mock.clock

    async def read(request: Request) -> JSONResponse:
        return JSONResponse(clock_json(clock))

    async def advance(request: Request) -> JSONResponse:
        data = await read_json_object(request)
        if "seconds" not in data:
            raise ControlError("missing field 'seconds'")
        seconds = data["seconds"]
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ControlError(f"field 'seconds' must be a number; got {seconds!r}")
        try:
            clock.advance(seconds)
        except ClockError as exc:
            raise ControlError(str(exc)) from None
        return JSONResponse(clock_json(clock))

    async def set_now(request: Request) -> JSONResponse:
        data = await read_json_object(request)
        if "now" not in data:
            raise ControlError("missing field 'now'")
        try:
            clock.set(_instant(data["now"]))
        except ClockError as exc:
            raise ControlError(str(exc)) from None
        return JSONResponse(clock_json(clock))

    async def freeze(request: Request) -> JSONResponse:
        clock.freeze()
        return JSONResponse(clock_json(clock))

    async def unfreeze(request: Request) -> JSONResponse:
        clock.unfreeze()
        return JSONResponse(clock_json(clock))

    return [
        Route(f"{CONTROL_PREFIX}/clock", read, methods=["GET"]),
        Route(f"{CONTROL_PREFIX}/clock/advance", advance, methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/clock/set", set_now, methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/clock/freeze", freeze, methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/clock/unfreeze", unfreeze, methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/clock/real", unfreeze, methods=["POST"]),
    ]
