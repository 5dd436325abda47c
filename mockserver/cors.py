"""CORS for browser clients: which origins may call the mock, and a log of the preflights it answered.

The default lets any page served from this machine in (`http://localhost:*`, `http://127.0.0.1:*`,
`http://[::1]:*`), which is what a dev server (Vite, Next, ...) needs; an explicit list replaces it
(`--cors-origin`, repeatable), `*` allows every origin, and an empty list turns CORS off (no CORS
headers at all, as a server without CORS configured answers).

The headers are Starlette's `CORSMiddleware` (pure ASGI); `CorsMiddleware` wraps it to remember each
preflight and its verdict, because a refused preflight is the one failure a browser hides from the
page's own code: the inspector shows them.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Any port on the loopback names a browser uses for a dev server on this machine.
LOCALHOST_ORIGINS = r"http://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?"
# Request headers browser clients of the two APIs send beyond the CORS-safelisted ones.
ALLOW_HEADERS: tuple[str, ...] = (
    "Authorization", "Content-Type", "Accept", "Idempotency-Key", "Last-Event-ID", "Cache-Control",
    "X-Requested-With",
)
# Response headers a page may read: where a new PraisonAI run lives, and how long to back off.
EXPOSE_HEADERS: tuple[str, ...] = ("Location", "Retry-After")
ALLOW_METHODS: tuple[str, ...] = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MAX_AGE_S = 600


class CorsConfigError(ValueError):
    """An origin that a browser would never send (a path, a missing scheme, ...)."""


def normalize_origin(origin: str) -> str:
    """`scheme://host[:port]`, without a trailing slash; `*` stays `*`."""
    value = origin.strip()
    if value == "*":
        return value
    parts = urlsplit(value.rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query or parts.fragment:
        raise CorsConfigError(f"a CORS origin is scheme://host[:port] (e.g. http://localhost:5173), "
                              f"or * for any; got {origin!r}")
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass(frozen=True)
class CorsPolicy:
    """Which origins may call the mock. `origins=None`: any localhost origin; `()`: CORS off."""

    origins: tuple[str, ...] | None = None
    allow_headers: tuple[str, ...] = ALLOW_HEADERS
    expose_headers: tuple[str, ...] = EXPOSE_HEADERS

    @classmethod
    def from_origins(cls, origins: Iterable[str] | None) -> CorsPolicy:
        if origins is None:
            return cls()
        return cls(origins=tuple(dict.fromkeys(normalize_origin(o) for o in origins)))

    @property
    def enabled(self) -> bool:
        return self.origins != ()

    def allows(self, origin: str) -> bool:
        if self.origins is None:
            return re.fullmatch(LOCALHOST_ORIGINS, origin) is not None
        return "*" in self.origins or origin in self.origins

    def describe(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "origins": list(self.origins) if self.origins is not None else ["http://localhost:*",
                                                                            "http://127.0.0.1:*",
                                                                            "http://[::1]:*"],
            "allow_headers": list(self.allow_headers),
            "expose_headers": list(self.expose_headers),
        }

    def middleware(self, app: ASGIApp) -> CORSMiddleware:
        origins = self.origins or ()
        return CORSMiddleware(
            app,
            allow_origins=origins,
            allow_origin_regex=LOCALHOST_ORIGINS if self.origins is None else None,
            allow_methods=ALLOW_METHODS,
            allow_headers=self.allow_headers,
            # Credentials on: a page may send cookies or use `credentials: "include"`; the origin is
            # then echoed back instead of `*`, as the Fetch standard requires.
            allow_credentials=True,
            # A page opened from a LAN address calling 127.0.0.1 triggers Chrome's private-network check.
            allow_private_network=True,
            expose_headers=self.expose_headers,
            max_age=MAX_AGE_S,
        )


class PreflightLog:
    """The last preflights answered: origin, method and headers asked for, and the verdict."""

    def __init__(self, capacity: int = 50) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._seq = 0

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._seq += 1
            self._entries.append({"id": self._seq, **entry})

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class CorsMiddleware:
    """Starlette's CORS layer, plus a record of every preflight it answers (and whether it refused)."""

    def __init__(self, app: ASGIApp, policy: CorsPolicy, log: PreflightLog, *, api: str | None = None,
                 clock_now: Any = None) -> None:
        self.app = app
        self.inner = policy.middleware(app)
        self.log = log
        self.api = api
        self.clock_now = clock_now

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] == "http" and not _has_origin(scope["headers"]):
            # Not a cross-origin request: all Starlette's layer would do is say that the answer varies
            # with Origin, after parsing every header; on the hot path of every poll, done here, and
            # the app's own coroutine handed back (no frame of ours on the way).
            return self.app(scope, receive, _varying_on_origin(send))
        return self._cross_origin(scope, receive, send)

    async def _cross_origin(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "OPTIONS":
            await self.inner(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if "origin" not in headers or "access-control-request-method" not in headers:
            await self.inner(scope, receive, send)
            return
        answer: dict[str, Any] = {"status": None, "body": b""}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body":
                answer["body"] += message.get("body", b"")
            await send(message)

        await self.inner(scope, receive, capture)
        allowed = answer["status"] == 200
        self.log.record({
            "api": self.api,
            "path": scope["path"],
            "origin": headers["origin"],
            "method": headers["access-control-request-method"],
            "headers": headers.get("access-control-request-headers", ""),
            "allowed": allowed,
            "status": answer["status"],
            "reason": "" if allowed else answer["body"].decode("utf-8", "replace"),
            "mock_time": self.clock_now() if self.clock_now is not None else None,
        })


def _has_origin(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, _ in headers:  # noqa: SIM110 (a loop, not any(): no generator on every request)
        if name == b"origin":
            return True
    return False


def _varying_on_origin(send: Send) -> Send:
    """`Vary: Origin` added to the answer, joined to any Vary it has, as Starlette's layer does."""

    def sending(message: Message) -> Awaitable[None]:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers") or ())
            # ASGI header names are lower case; a Vary is rare, so look for one only once.
            if any(name == b"vary" for name, _ in headers):
                varies = [i for i, (name, _) in enumerate(headers) if name == b"vary"]
                joined = b", ".join([*(headers[i][1] for i in varies), b"Origin"])
                headers[varies[0]] = (b"vary", joined)
                for i in reversed(varies[1:]):
                    del headers[i]
            else:
                headers.append((b"vary", b"Origin"))
            message = {**message, "headers": headers}
        return send(message)  # the server's own coroutine, awaited by the app: no frame of ours

    return sending
