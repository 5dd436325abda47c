"""The proxy's inspector page: the violations as they are found, on the proxy's own port.

A static page (HTML and a script, the mock inspector's stylesheet) that reads `GET /_mock/violations`
once a second: nothing the page shows is more than the route says, so a script can do all it does.
"""

from __future__ import annotations

from importlib import resources

from mockserver.control import CONTROL_PREFIX

__all__ = ["PAGE", "page_file"]

PAGE = CONTROL_PREFIX + "/inspector"
# path -> (package, file name, media type): nothing else is served from the packages.
_FILES = {
    PAGE: (__package__ + ".inspector", "violations.html", "text/html; charset=utf-8"),
    PAGE + "/violations.js": (__package__ + ".inspector", "violations.js", "text/javascript; charset=utf-8"),
    PAGE + "/inspector.css": ("mockserver.inspector", "inspector.css", "text/css; charset=utf-8"),
}


def page_file(path: str) -> tuple[bytes, str] | None:
    """The page's file at `path` (its bytes and media type), or None for any other path."""
    found = _FILES.get(path)
    if found is None:
        return None
    package, name, media_type = found
    return resources.files(package).joinpath(name).read_bytes(), media_type
