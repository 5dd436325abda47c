"""The control plane's one error shape: `{"error": "..."}` with a 4xx status."""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mockserver.excerpt import MAX_ECHO_CHARS, excerpt


class ControlError(Exception):
    """Raised by a control route to answer `{"error": message}` with `status`."""

    def __init__(self, message: str, status: int = 400, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.extra = extra


def error_response(message: str, status: int, **extra: Any) -> JSONResponse:
    # Messages quote the input (`got ...`): never all of it.
    return JSONResponse({"error": excerpt(message, 4 * MAX_ECHO_CHARS), **extra}, status_code=status)


async def on_control_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ControlError)
    return error_response(exc.message, exc.status, **exc.extra)


async def on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"no control route {request.method} {request.url.path}"
    elif exc.status_code == 405:
        message = f"method {request.method} not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    return error_response(message, exc.status_code)


async def read_json_object(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object; an empty body is `{}` when `required` is false."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise ControlError("the request body must be a JSON object")
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ControlError(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ControlError("the request body must be a JSON object")
    return data

