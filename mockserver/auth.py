"""Optional authentication: which credentials a mock requires, and how a 401 body looks.

Off unless a Basic user/password or a Bearer token is configured; then a request must carry one of
the configured credentials in `Authorization`, or it gets 401 with a `WWW-Authenticate` challenge and
a body in the API's own error shape (each API passes its `Rejection`). The check itself is made at
the door of every port, control plane and inspector included (`mockserver.guard`); CORS preflights
(which browsers send without credentials) pass.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # kept light: the API registry (and so the pytest plugin) imports this module
    from starlette.types import Scope

# (content type, body) of the 401 answer, given the request's scope and a reason.
Rejection = Callable[["Scope", str], tuple[bytes, bytes]]


class AuthConfigError(ValueError):
    """Credentials given in a form that cannot be used."""


@dataclass(frozen=True)
class AuthConfig:
    basic: tuple[str, str] | None = None
    bearer: str | None = None

    def __post_init__(self) -> None:
        if self.basic is not None:
            user, password = self.basic
            if not user or ":" in user:
                raise AuthConfigError("the Basic user name must be non-empty and contain no ':'")
            if not isinstance(password, str):
                raise AuthConfigError("the Basic password must be a string")
        if self.bearer is not None and (not self.bearer or any(c.isspace() for c in self.bearer)):
            raise AuthConfigError("the Bearer token must be non-empty and contain no whitespace")

    @classmethod
    def from_options(cls, basic: str | None = None, bearer: str | None = None) -> AuthConfig:
        """From command-line forms: `USER:PASS` and `TOKEN`."""
        pair = None
        if basic is not None:
            user, sep, password = basic.partition(":")
            if not sep:
                raise AuthConfigError("--auth-basic takes USER:PASS")
            pair = (user, password)
        return cls(basic=pair, bearer=bearer)

    @property
    def enabled(self) -> bool:
        return self.basic is not None or self.bearer is not None

    def accepts(self, authorization: bytes | None) -> bool:
        if not self.enabled:
            return True
        if not authorization:
            return False
        scheme, _, credentials = authorization.strip().partition(b" ")
        scheme = scheme.lower()
        credentials = credentials.strip()
        if scheme == b"basic" and self.basic is not None:
            try:
                decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return False
            user, sep, password = decoded.partition(":")
            # Both compared in constant time, and both always compared.
            user_ok = hmac.compare_digest(user.encode(), self.basic[0].encode())
            password_ok = hmac.compare_digest(password.encode(), self.basic[1].encode())
            return bool(sep) and user_ok and password_ok
        if scheme == b"bearer" and self.bearer is not None:
            return hmac.compare_digest(credentials, self.bearer.encode())
        return False

    def challenge(self) -> bytes:
        schemes = []
        if self.basic is not None:
            schemes.append('Basic realm="mockserver"')
        if self.bearer is not None:
            schemes.append('Bearer realm="mockserver"')
        return ", ".join(schemes).encode()

    def describe(self) -> dict[str, object]:
        """What is configured, without the secrets (for the control plane)."""
        return {"enabled": self.enabled, "basic": self.basic is not None, "bearer": self.bearer is not None}


def json_detail_rejection(scope: Scope, reason: str) -> tuple[bytes, bytes]:
    """The `{"detail": ...}` shape FastAPI-style servers (PraisonAI) answer with."""
    return b"application/json", json.dumps({"detail": reason}).encode()
