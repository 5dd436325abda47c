"""Control routes for the request journal: list with filters, clear."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mockserver.control import CONTROL_PREFIX
from mockserver.control.errors import ControlError
from mockserver.control.protocol import Controlled

FILTERS = ("path", "method", "status", "since", "api", "limit")


def routes(mock: Controlled) -> list[Route]:
    journal = mock.journal

    async def list_entries(request: Request) -> JSONResponse:
        query = request.query_params
        unknown = sorted(set(query) - set(FILTERS))
        if unknown:
            raise ControlError(f"unknown journal filter(s): {', '.join(unknown)}; "
                               f"known: {', '.join(FILTERS)}")
        since = limit = None
        try:
            if "since" in query:
                since = float(query["since"])
        except ValueError:
            raise ControlError(f"since must be a mock-clock instant in seconds; got {query['since']!r}") from None
        if "limit" in query:
            if not query["limit"].isdigit():
                raise ControlError(f"limit must be a non-negative integer; got {query['limit']!r}")
            limit = int(query["limit"])
        try:
            entries = journal.entries(path=query.get("path"), method=query.get("method"),
                                      status=query.get("status"), since=since, api=query.get("api"),
                                      limit=limit)
        except ValueError as exc:
            raise ControlError(str(exc)) from None
        return JSONResponse({"entries": entries, "capacity": journal.capacity})

    async def clear(request: Request) -> JSONResponse:
        return JSONResponse({"removed": journal.clear()})

    return [
        Route(f"{CONTROL_PREFIX}/journal", list_entries, methods=["GET"]),
        Route(f"{CONTROL_PREFIX}/journal", clear, methods=["DELETE"]),
    ]
