"""The API registry: every API the mock serves is one package that registers one `ApiSpec`.

A spec says everything the shared machinery needs to know about its API: how to build its model
and ASGI app, its scenario section, default port, control actions, breakers, latitudes,
the rules its clients are graded by, the prefix of its contract clause ids, and the conformance suite's target class and
fixture name. `Mock`, the control plane, the CLI, the inspector's data and the pytest plugin loop
over the registry and never name an API.

Where specs come from (`specs()` looks once per process, then on every `register`):
- every subpackage of `mockserver` that has an `api` module (`mockserver/<api>/api.py`);
- modules named by the `mockserver.apis` entry point group (APIs shipped by other distributions);
- modules listed in `MOCKSERVER_APIS` (comma-separated), e.g. an API kept with a project's tests.
Each such module calls `register(SPEC)` when imported.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mockserver.apis import builtin_names, extra_modules
from mockserver.ids import IdCounter
from mockserver.retention import Retention

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from mockserver.auth import Rejection
    from mockserver.cassette import RecordedExchange
    from mockserver.clock import Clock
    from mockserver.grading import ClientRule
    from mockserver.misbehave import BreakerSet
    from mockserver.scenario import ScenarioStore
    from mockserver.vary import LatitudeSet

__all__ = [
    "ActionError",
    "ActionParam",
    "ApiContext",
    "ApiPart",
    "ApiSpec",
    "ControlAction",
    "get",
    "names",
    "register",
    "registered",
    "registered_names",
    "specs",
    "unregister",
]


# -- what an API contributes --------------------------------------------------------------------------
@dataclass(frozen=True)
class ApiContext:
    """What a spec's `build` gets from the mock: the shared clock and scenario, and settings."""

    clock: Clock
    scenario: ScenarioStore
    profile: str = "impl"
    allow_loopback_webhooks: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)  # this API's own, from Mock(api_options=...)
    max_body_bytes: int | None = None            # the door's limit, for an app that reads bodies itself
    webhook_allow: tuple[str, ...] = ()          # networks (CIDR) webhooks may reach beyond public ones
    latitude_choices: Mapping[str, str] = field(default_factory=dict)  # start-only choices in force
    retention: Retention = field(default_factory=Retention)  # when finished runs are forgotten


@dataclass
class ApiPart:
    """One API inside a mock: its model (HTTP-free) and the ASGI app that serves it."""

    model: Any
    app: ASGIApp
    # In this API's own error shape (None: FastAPI's `{"detail": ...}`, mockserver.auth.json_detail_rejection):
    reject: Rejection | None = None      # the body of a 401
    error_body: Rejection | None = None  # any other refusal at the door


class ActionError(Exception):
    """A control action that cannot be done: `message`, answered with HTTP `status`."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class ActionParam:
    name: str
    description: str
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})


@dataclass(frozen=True)
class ControlAction:
    """An operation on one API's model offered by the control plane (what the inspector's buttons do).

    Served at `POST /_mock/<api>/<path>`, and from Python as `mock.act(api, name, **arguments)`.
    `run(model, **arguments)` gets the path parameters (as text over HTTP) and, when the action takes
    a body, its JSON members; it answers JSON-ready data or raises `ActionError`.
    """

    name: str
    path: str
    summary: str
    run: Callable[..., dict[str, Any]]
    parameters: tuple[ActionParam, ...] = ()
    body: Mapping[str, Any] | None = None  # JSON Schema of an optional JSON object body
    errors: Mapping[str, str] = field(default_factory=dict)  # status -> when (OpenAPI)


def _no_breakers() -> BreakerSet | None:
    return None


def _no_latitudes() -> LatitudeSet | None:
    return None


def _no_client_rules() -> tuple[ClientRule, ...]:
    return ()


def _no_document(context: ApiContext) -> dict[str, Any] | None:
    return None


# Give a model the plans of a recorded session: (model, the API's exchanges, replay speed) -> what
# was found, for people ("3 runs").
ReplayHook = Callable[[Any, "list[RecordedExchange]", float], str]


@dataclass(frozen=True)
class ApiSpec:
    """One API, as the shared machinery sees it."""

    name: str                                   # `kinetica`: CLI `--kinetica-port`, `Mock(apis=[...])`
    title: str                                  # `Kinetica`: for people
    default_port: int
    build: Callable[[ApiContext], ApiPart]      # a fresh model and the app serving it
    clause_prefix: str                          # contract clause ids of this API start with it
    suite_target: str = ""                      # "module:Class", the conformance suite's Target
    proxy_observer: str = ""                    # "module:Class", the proxy's judge of its traffic
    scenario_module: str | None = None          # imported to register the API's scenario section
    scenario_settings: Mapping[str, str] = field(default_factory=dict)  # Mock setting -> section key
    actions: tuple[ControlAction, ...] = ()
    breakers: Callable[[], BreakerSet | None] = _no_breakers  # loaded on first use
    latitudes: Callable[[], LatitudeSet | None] = _no_latitudes  # choices the contract leaves open
    client_rules: Callable[[], tuple[ClientRule, ...]] = _no_client_rules  # how its clients should behave
    # The API's OpenAPI document for this mock (its profile, say), served on its port at
    # `openapi_path` with `servers` naming that port; None: not served. Must not collide with the API.
    openapi: Callable[[ApiContext], dict[str, Any] | None] = _no_document
    openapi_path: str = "/openapi.json"
    # What the API's server does when it starts (Kinetica: its auto-start runs begin), given the
    # model: called once when a mock starts (after a state file is restored) and recorded in that file.
    startup: Callable[[Any], object] | None = None
    # Its process-wide id counters by name (mockserver.ids): a state file keeps where each stood.
    id_counters: Mapping[str, IdCounter] = field(default_factory=dict)
    # `mockserver serve --replay`: installs recorded runs' plans in a fresh model (mockserver.replaying);
    # None: this API cannot replay a cassette.
    replay: ReplayHook | None = None

    @property
    def fixture(self) -> str:
        """The pytest fixture of a running mock of this API (the plugin finds it without importing the API)."""
        return f"{self.name}_mock"

    def action(self, name: str) -> ControlAction | None:
        return next((a for a in self.actions if a.name == name), None)


# -- the registry -------------------------------------------------------------------------------------
_SPECS: dict[str, ApiSpec] = {}
_LOCK = threading.RLock()
_discovered = False


def register(spec: ApiSpec) -> ApiSpec:
    """Add (or replace) an API. Called by the API's module when it is imported."""
    with _LOCK:
        _SPECS[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    with _LOCK:
        _SPECS.pop(name, None)


@contextmanager
def registered(spec: ApiSpec) -> Iterator[ApiSpec]:
    """`spec` registered for the duration of a `with` block (tests)."""
    register(spec)
    try:
        yield spec
    finally:
        unregister(spec.name)


def _discover() -> None:
    global _discovered
    with _LOCK:
        if _discovered:
            return
        _discovered = True
        for module in [f"mockserver.{name}.api" for name in builtin_names()] + extra_modules():
            importlib.import_module(module)


def registered_names() -> tuple[str, ...]:
    """The names of the APIs registered so far (no discovery)."""
    with _LOCK:
        return tuple(_SPECS)


def specs() -> list[ApiSpec]:
    """Every registered API, built-in ones in name order first."""
    _discover()
    with _LOCK:
        return list(_SPECS.values())


def names() -> tuple[str, ...]:
    return tuple(spec.name for spec in specs())


def get(name: str) -> ApiSpec:
    for spec in specs():
        if spec.name == name:
            return spec
    raise KeyError(f"no API {name!r}; registered: {', '.join(names()) or 'none'}")
