"""The inspector: one static page (HTML + JS + CSS, no build step, nothing fetched from elsewhere)
served under the control plane at `/_mock/inspector`.

The page only reads and drives the control plane's public API (`/_mock/state`, `/_mock/journal`,
`/_mock/clock/...`, `/_mock/scenario...`, the action routes), so a script can do all it does.
"""

from __future__ import annotations

from importlib import resources

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from mockserver.control import CONTROL_PREFIX
from mockserver.control.errors import ControlError

PAGE = f"{CONTROL_PREFIX}/inspector"
# The page's own files: name -> media type. Nothing else is served from the package.
ASSETS: dict[str, str] = {
    "index.html": "text/html; charset=utf-8",
    "inspector.js": "text/javascript; charset=utf-8",
    "inspector.css": "text/css; charset=utf-8",
}
# Edits to the files show on the next load; the page is tiny, so caching buys nothing.
NO_CACHE = {"Cache-Control": "no-cache"}


def asset(name: str) -> bytes:
    return resources.files(__package__).joinpath(name).read_bytes()


def inspector_routes() -> list[BaseRoute]:
    async def page(request: Request) -> Response:
        return Response(asset("index.html"), media_type=ASSETS["index.html"], headers=NO_CACHE)

    async def file(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS or name == "index.html":
            raise ControlError(f"the inspector has no file {name!r}", 404)
        return Response(asset(name), media_type=ASSETS[name], headers=NO_CACHE)

    async def to_page(request: Request) -> Response:
        return RedirectResponse(PAGE, status_code=307)

    return [
        Route(PAGE, page, methods=["GET"]),
        Route(PAGE + "/", to_page, methods=["GET"]),
        Route(PAGE + "/{name}", file, methods=["GET"]),
        # The CLI prints `<url>/_mock/` as the control plane's address: a browser opened there lands
        # on the page.
        Route(CONTROL_PREFIX, to_page, methods=["GET"]),
        Route(CONTROL_PREFIX + "/", to_page, methods=["GET"]),
    ]
