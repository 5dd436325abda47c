"""What the suite talks to, and what it can make that target do.

A `Target` is a base URL plus what was learned by asking it: whether it exposes the mock's control
plane under `/_mock/` and may use it (the embedded mock, or a URL given with
`--contract-allow-control`: then time is virtual, the suite resets the target and freezes and
advances its clock instead of waiting; otherwise the target is live even when it has a control
plane, e.g. a `mockserver serve` someone is using), and whether it honours the behaviour hints
(`duration_ms`, `fail_segments`, ... for Kinetica; `mock_steps`, `mock_fail`, ... for PraisonAI).
Against a live target time is real: hinted durations stay short, waits poll until
`--contract-timeout`, what cannot be made to happen is skipped with the reason, and the suite
touches only the objects it created, deleting them afterwards.

Every HTTP exchange is recorded so that a failing check can show the request, the response and a
curl command that reproduces it.
"""

from __future__ import annotations

import contextlib
import json
import shlex
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

import httpx
import pytest

from contract_tests.preflight import parse_headers
from mockserver.journal import REDACTED, is_secret_header

T = TypeVar("T")

CONTROL_PREFIX = "/_mock"


# -- recording ---------------------------------------------------------------------------------------
@dataclass
class Exchange:
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: bytes = b""

    def curl(self) -> str:
        parts = ["curl", "-sS", "-X", self.method]
        for name, value in self.request_headers.items():
            if name.lower() in {"host", "content-length", "accept-encoding", "connection", "user-agent",
                                "accept"}:
                continue
            # A report is shared: credentials never go into it (fill them in to reproduce).
            parts += ["-H", f"{name}: {REDACTED if is_secret_header(name) else value}"]
        if self.request_body:
            if _is_text(self.request_body):
                parts += ["--data-raw", self.request_body.decode("utf-8")]
            else:  # Avro: reproduce byte for byte through a here-string of the hex
                hexed = self.request_body.hex()
                return (f"printf '%s' {hexed} | xxd -r -p | " + shlex.join(parts)
                        + " --data-binary @- " + shlex.quote(self.url))
        return shlex.join([*parts, self.url])

    def describe_request(self) -> str:
        return f"{self.method} {self.url}\n{_show(self.request_body)}"

    def describe_response(self) -> str:
        ctype = self.response_headers.get("content-type", "")
        return f"HTTP {self.status} {ctype}\n{_show(self.response_body)}"

    def to_dict(self) -> dict[str, Any]:
        return {"request": self.describe_request(), "response": self.describe_response(),
                "curl": self.curl()}


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _show(data: bytes, limit: int = 1500) -> str:
    text = data.decode("utf-8") if _is_text(data) else f"<{len(data)} bytes binary: {data[:64].hex()}...>"
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


class Recorder:
    """The exchanges of the current test, newest last (bounded: long state machines talk a lot)."""

    # The recorder that took the latest exchange (reset by the plugin before each test), so that a
    # failure can show its evidence even when the test holds its target in no fixture argument.
    latest: Recorder | None = None

    def __init__(self, keep: int = 50) -> None:
        self.keep = keep
        self.exchanges: list[Exchange] = []

    def clear(self) -> None:
        self.exchanges = []

    def add(self, exchange: Exchange) -> None:
        Recorder.latest = self
        self.exchanges.append(exchange)
        if len(self.exchanges) > self.keep:
            del self.exchanges[: len(self.exchanges) - self.keep]

    def last(self, n: int = 3) -> list[Exchange]:
        return self.exchanges[-n:]


# -- the target --------------------------------------------------------------------------------------
@dataclass
class TargetConfig:
    api: str
    base_url: str
    profile: str = "impl"
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0
    embedded: bool = False
    # A target given by URL is someone's server: its state and clock are the user's unless allowed.
    allow_control: bool = False


@dataclass(frozen=True)
class StatelessClauses:
    """The clauses an API's Schemathesis checks report against (each API's target names its own)."""

    no_server_error: str       # no input, valid or not, is answered with a 5xx
    documented_answers: str    # status codes, content types and bodies as the OpenAPI document says
    accepted_invalid: str      # (advisory) input the schema forbids is refused


class Target:
    """A server under test, whatever it is: the embedded mock, `mockserver serve`, or a live one."""

    clauses: StatelessClauses  # set by each API's target class

    def __init__(self, config: TargetConfig) -> None:
        self.config = config
        self.api = config.api
        self.profile = config.profile
        self.base_url = config.base_url.rstrip("/")
        self.headers = dict(config.headers)
        self.timeout = config.timeout
        self.recorder = Recorder()
        self.http = httpx.Client(headers=self.headers, timeout=httpx.Timeout(30.0, connect=10.0),
                                 follow_redirects=False)
        self._control_url: str | bool | None = False  # False: not probed yet
        self._found_frozen: bool | None = None  # the clock mode found, restored on close
        self._hints: bool | None = None
        self._hint_reason = ""
        self._probe_error: AssertionError | None = None
        self.run_token = uuid.uuid4().hex[:8]
        self._counter = 0

    def close(self) -> None:
        """Leave a shared target's clock running or frozen as it was found (the embedded mock stops)."""
        if self._found_frozen is False and not self.config.embedded and self._control_url:
            with contextlib.suppress(Exception):
                self.control("POST", "/clock/unfreeze")
        self.http.close()

    # -- HTTP with recording -------------------------------------------------------------------
    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        full = url if url.startswith("http") else self.base_url + url
        request = self.http.build_request(method, full, **kwargs)
        exchange = Exchange(method, str(request.url), dict(request.headers), request.read())
        self.recorder.add(exchange)
        try:
            response = self.http.send(request)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            # A keep-alive connection the server closed just as it was reused: the request never
            # reached the application, so sending it again on a fresh connection is safe.
            response = self.http.send(request)
        exchange.status = response.status_code
        exchange.response_headers = dict(response.headers)
        exchange.response_body = response.content
        return response

    def record_stream(self, method: str, url: str, headers: dict[str, str], status: int,
                      response_headers: dict[str, str], body: bytes) -> None:
        """Streams are read by other clients (httpx-sse); this puts them in the record all the same."""
        exchange = Exchange(method, url, headers, b"", status, response_headers, body)
        self.recorder.add(exchange)

    # -- what the target can do ----------------------------------------------------------------
    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def control_url(self) -> str | None:
        """The control plane's root (`.../_mock`), or None when the target has none."""
        if self._control_url is False:
            self._control_url = None
            if not (self.config.embedded or self.config.allow_control):
                return None  # not ours to drive: treated as live (see the module docstring)
            for root in dict.fromkeys([self.base_url, self.origin]):
                try:
                    response = self.http.get(root + CONTROL_PREFIX + "/clock", timeout=5.0)
                    body = response.json() if response.status_code == 200 else None
                except (httpx.HTTPError, ValueError):
                    continue
                if isinstance(body, dict) and isinstance(body.get("now"), int | float):
                    self._control_url = root + CONTROL_PREFIX
                    self._found_frozen = bool(body.get("frozen"))
                    break
        return self._control_url  # type: ignore[return-value]

    @property
    def has_control(self) -> bool:
        return self.control_url is not None

    @property
    def live(self) -> bool:
        return not self.has_control

    def control(self, method: str, path: str, body: Any = None) -> Any:
        if self.control_url is None:
            raise RuntimeError("the target has no control plane")
        response = self.http.request(method, self.control_url + path,
                                     json=body if body is not None else None)
        if response.status_code >= 400:
            raise RuntimeError(f"control plane {method} {path}: HTTP {response.status_code} {response.text}")
        return response.json() if response.content else None

    def prepare_test(self) -> None:
        """Before each test: a fresh mock with its clock standing still (no-op on live targets)."""
        self.recorder.clear()
        if self.has_control:
            self.control("POST", "/reset")
            self.control("POST", "/clock/freeze")

    def cleanup(self) -> None:
        """After each test: remove what it made on the target (each API knows how)."""

    @contextlib.contextmanager
    def one_test(self) -> Iterator[Self]:
        """The target for one test: prepared before it, cleaned up after it."""
        self.prepare_test()
        try:
            yield self
        finally:
            self.cleanup()

    # -- time ----------------------------------------------------------------------------------
    @property
    def unit(self) -> float:
        """The length of 'one step' of a hinted run, in seconds: virtual time is free, real time is not."""
        return 10.0 if self.has_control else 0.4

    def pass_time(self, seconds: float) -> None:
        """Let `seconds` go by on the target: advance its clock, or (live) really wait."""
        if seconds <= 0:
            return
        if self.has_control:
            self.control("POST", "/clock/advance", {"seconds": seconds})
        else:
            time.sleep(seconds)

    def wait_for(self, probe: Callable[[], T], done: Callable[[T], bool], *, what: str,
                 budget: float | None = None, step: float | None = None) -> T:
        """Call `probe` until `done(result)`, moving time on between calls.

        Virtual targets move their clock by `step` up to `budget` virtual seconds (hangs show up as
        a failure, not a stuck test); live targets poll in real time until `--contract-timeout`.
        """
        if self.has_control:
            budget = budget if budget is not None else 100 * self.unit
            step = step if step is not None else self.unit / 2
        else:
            budget = self.timeout
            step = min(step or 0.1, 0.5)
        spent = 0.0
        start = time.monotonic()
        while True:
            value = probe()
            if done(value):
                return value
            if self.has_control:
                if spent >= budget:
                    raise AssertionError(f"expected {what} within {budget:g} virtual seconds; last: {value!r}")
                self.pass_time(step)
                spent += step
            else:
                if time.monotonic() - start > budget:
                    raise AssertionError(f"expected {what} within --contract-timeout={budget:g}s; "
                                         f"last: {value!r}")
                time.sleep(step)  # live target: real time is the only time there is

    # -- behaviour hints -----------------------------------------------------------------------
    def hints_honoured(self) -> bool:
        """Whether runs can be told what to do. A probe that trips over a contract violation is not
        "no hint support": that violation fails every test that needs hints, with its message."""
        if self._hints is None:
            try:
                self._hints = bool(self._probe_hints())
            except AssertionError as exc:
                self._hints, self._probe_error = False, exc
            except Exception as exc:  # the target cannot be driven this way: skip, saying why
                self._hints, self._hint_reason = False, f"hint probe failed: {exc!r}"
        if self._probe_error is not None:
            pytest.fail(f"the behaviour-hint probe met a contract violation: {self._probe_error}")
        return self._hints

    def _probe_hints(self) -> bool:
        raise NotImplementedError

    def require_hints(self) -> None:
        if not self.hints_honoured():
            pytest.skip(f"the target does not honour the behaviour hints ({self._hint_reason or 'probe'})")

    def require_control(self, why: str) -> None:
        if not self.has_control:
            allow = "" if self.config.allow_control else " (with --contract-allow-control when the target has one)"
            pytest.skip(f"needs the mock's control plane{allow}: {why}")

    def unique(self, stem: str) -> str:
        self._counter += 1
        return f"ct_{stem}_{self.run_token}_{self._counter}"


# One parser of `--contract-header` values, shared with the preflight (which runs first).
parse_header_option = parse_headers


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr)
