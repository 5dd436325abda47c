"""Before any test: is the target usable at all? One clear sentence instead of a page of failures.

Checks, in order, each ending the run with one line and exit code 2 when it fails: the options that
must go together, the `--contract-header` values, the URL's form, that something answers there, and
that what answers speaks the chosen API (each API's `contract_tests/<api>/speaks.py` says how to ask:
Kinetica's five-key response wrapper from `POST /show/system/status`, PraisonAI's `GET /health`). The
whole check stays under five seconds, a target that does not answer included.

Light (the standard library and `mockserver.apis`): the plugin imports this in every pytest run, and
the `contract-tests` script runs it before pytest starts.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from mockserver import apis
from mockserver.cli_parser import DISTRIBUTION

__all__ = ["PreflightError", "check_options", "check_suite_installed", "check_target", "parse_headers"]

# What the suite imports beyond the base install (the `[conformance]` extra): import name, package.
SUITE_MODULES = {"pytest": "pytest", "hypothesis": "hypothesis", "schemathesis": "schemathesis",
                 "httpx_sse": "httpx-sse"}

# RFC 9110 token characters: what a header name may be made of.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# Visible ASCII, space and tab: what a header value can carry on the wire without surprises.
_VALUE = re.compile(r"^[\t\x20-\x7e]*$")


class PreflightError(ValueError):
    """The run cannot start: the message is the one line the user sees."""


def check_suite_installed() -> None:
    """The base install has the mock and its fixtures; the suite needs the `[conformance]` extra."""
    missing = [package for name, package in SUITE_MODULES.items() if importlib.util.find_spec(name) is None]
    if missing:
        raise PreflightError(f"the conformance suite needs {', '.join(missing)}: "
                             f"pip install '{DISTRIBUTION}[conformance]'")


def parse_headers(values: Sequence[str] | None) -> dict[str, str]:
    """`--contract-header` values ('Name: value') as a dict; a malformed one is a PreflightError."""
    headers: dict[str, str] = {}
    for raw in values or []:
        name, sep, value = raw.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not name:
            raise PreflightError(f"--contract-header expects 'Name: value', got {raw!r}")
        if not _TOKEN.match(name):
            raise PreflightError(f"--contract-header {raw!r}: {name!r} is not a valid header name")
        if not _VALUE.match(value):
            raise PreflightError(f"--contract-header {raw!r}: the value holds a control or non-ASCII character")
        headers[name] = value
    return headers


def check_options(api: str | None, base_url: str | None, headers: Sequence[str] | None) -> dict[str, str]:
    """What needs no network: options that go together, header and URL forms. Returns the headers."""
    parsed = parse_headers(headers)
    if api is not None and api not in (known := apis.names()):
        raise PreflightError(f"--contract-api: no API {api!r}; choose from {', '.join(known)}")
    if base_url is None:
        return parsed
    if not api:
        raise PreflightError(f"--contract-base-url needs --contract-api {'|'.join(apis.names())}")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        example = getattr(_probe(api), "EXAMPLE_URL", "http://127.0.0.1:8080")
        raise PreflightError(f"--contract-base-url {base_url!r} is not an http:// or https:// URL (e.g. {example})")
    try:
        parts.port  # noqa: B018 (raises on a port that is not a number in 0..65535)
    except ValueError:
        raise PreflightError(f"--contract-base-url {base_url!r} has an invalid port") from None
    if not parts.hostname:
        raise PreflightError(f"--contract-base-url {base_url!r} has no host")
    return parsed


class _Client:
    """Two small requests with the standard library: httpx would import anyio before pytest marks that
    plugin's package for assertion rewriting, and pytest would warn about it."""

    def __init__(self, base: str, headers: dict[str, str], wait: float) -> None:
        self.base, self.headers, self.wait = base, headers, wait

    def send(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """The HTTP status and the JSON body (None when the body is not JSON)."""
        import json
        import urllib.error
        import urllib.request

        data = None if body is None else json.dumps(body).encode()
        headers = {**self.headers, **({"Content-Type": "application/json"} if data is not None else {})}
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.wait) as response:
                status, raw = response.status, response.read(1 << 20)
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read(1 << 20)
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, None


def _probe(api: str) -> ModuleType | None:
    """The API's `contract_tests/<api>/speaks.py` (what asks whether a target speaks it), if it has one."""
    try:
        return importlib.import_module(f"contract_tests.{api}.speaks")
    except ModuleNotFoundError:
        return None


def _speaks(api: str, client: _Client) -> tuple[bool, int, str]:
    """Whether the target answers like `api`, its HTTP status, and if not, what it answered. An API
    without a probe is taken at its word once anything answers."""
    probe = _probe(api)
    if probe is None:
        status, _ = client.send("GET", "/", None)
        return True, status, ""
    speaks: Callable[[Callable[[str, str, Any], tuple[int, Any]]], tuple[bool, int, str]] = probe.speaks
    return speaks(client.send)


def check_target(api: str, base_url: str, headers: dict[str, str], *, wait: float = 1.5) -> None:
    """Something answers at `base_url` within `wait` seconds per phase (connect, then the answer)
    and it speaks `api`; otherwise a PreflightError. A closed port fails at once."""
    import http.client  # here, not at the top: a pytest run that probes no URL should not pay for it

    name = getattr(_probe(api), "TITLE", api)
    client = _Client(base_url.rstrip("/"), headers, wait)
    try:
        ok, status, answer = _speaks(api, client)
    except TimeoutError:
        raise PreflightError(f"{base_url} did not answer within {wait:g} s "
                             f"(is the {name} server up and is this its address?)") from None
    except (OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        if isinstance(reason, TimeoutError):
            raise PreflightError(f"{base_url} did not answer within {wait:g} s "
                                 f"(is the {name} server up and is this its address?)") from None
        raise PreflightError(f"cannot reach {base_url}: {reason} "
                             f"(is the {name} server up and is this its address?)") from None
    if ok:
        return
    if status in (401, 403):
        raise PreflightError(f"{base_url} refused the credentials: {answer} "
                             "(pass them with --contract-header 'Authorization: ...')")
    hint = f"is this a {name} server?"
    for other in apis.names():
        probe = _probe(other) if other != api else None
        try:
            if probe is not None and probe.speaks(client.send)[0]:
                hint = f"it answers like a {probe.TITLE} server: wrong port, or --contract-api {other}?"
                break
        except (OSError, http.client.HTTPException):
            continue
    raise PreflightError(f"{base_url} does not speak the {name} API: {answer} ({hint})")
