"""Control routes for the shared clock: read, advance, set, freeze, follow real time again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mockserver.clock import Clock, ClockError
from mockserver.control.errors import ControlError, read_json_object

if TYPE_CHECKING:
    from mockserver.runtime import Mock


def clock_json(clock: Clock) -> dict[str, Any]:
    state = clock.state()
    return {**state.to_dict(), "iso": datetime.fromtimestamp(state.now, UTC).isoformat()}


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


def routes(mock: Mock) -> list[Route]:
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
        Route("/_mock/clock", read, methods=["GET"]),
        Route("/_mock/clock/advance", advance, methods=["POST"]),
        Route("/_mock/clock/set", set_now, methods=["POST"]),
        Route("/_mock/clock/freeze", freeze, methods=["POST"]),
        Route("/_mock/clock/unfreeze", unfreeze, methods=["POST"]),
        Route("/_mock/clock/real", unfreeze, methods=["POST"]),
    ]
