"""The composition: one `Mock` (clock, scenario, journal, faults, auth, API models) and its ASGI apps.

Every API port gets the same stack, outermost first:

    expose_transport -> guard -> CORS -> journal -> faults -> (/_mock control plane | the API's app)

The guard (`mockserver.guard`: Host, Origin, credentials, body limit and timeout, unencodable text)
covers the control plane and the inspector as it covers the API.

`Mock.asgi(api)` is usable in-process (`httpx.ASGITransport`) and under uvicorn alike. `MockServer`
serves a `Mock` on real sockets (one port per API), all in one event loop on one background thread,
so that requests to different ports (and the control plane on either) never touch the models from two
threads at once.

Reset: models, journal and fault rules are emptied, the scenario goes back to the one the mock started
with, and the clock goes back to the *mode* it started in (frozen or following real time). Its instant
stays where it is: time never moves backwards, or finished runs would un-finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.auth import AuthConfig, Rejection, json_detail_rejection
from mockserver.clock import Clock
from mockserver.control import ControlError, create_control_app
from mockserver.control.clock import clock_json
from mockserver.cors import CorsMiddleware, CorsPolicy, PreflightLog
from mockserver.faults import FaultMiddleware, FaultRules, expose_transport
from mockserver.guard import DEFAULT_BODY_TIMEOUT_S, DEFAULT_MAX_BODY_BYTES, Guard, GuardConfig, HostPolicy
from mockserver.inspector import inspector_routes
from mockserver.journal import Journal, JournalMiddleware
from mockserver.kinetica import variations as kinetica_variations
from mockserver.misbehave import Misbehaviour, MisbehaviourMiddleware
from mockserver.praisonai import variations as praisonai_variations
from mockserver.resources import fixtures_dir
from mockserver.scenario import Scenario, ScenarioError, ScenarioStore
from mockserver.server import bind
from mockserver.slow_clients import DEFAULT_HEADER_TIMEOUT_S, header_timeout_protocol
from mockserver.vary import Variation, VariationError

# Latitudes each API leaves open, and the rewrites that make their non-default choices (mockserver.vary).
LATITUDES = (*kinetica_variations.LATITUDES, *praisonai_variations.LATITUDES)
VARIATIONS = (*kinetica_variations.VARIATIONS, *praisonai_variations.VARIATIONS)
# Choices read once, when the mock is built (the model or the start scenario takes them).
START_ONLY_LATITUDES = frozenset({kinetica_variations.SEGMENTS, praisonai_variations.JOB_ID})

APIS: tuple[str, ...] = ("kinetica", "praisonai")
DEFAULT_PORTS: dict[str, int] = {"kinetica": 9191, "praisonai": 8005}
CONTROL_PREFIX = "/_mock"
PROFILES = ("impl", "docs")

MockError = ControlError  # what the Python API raises for an operation that cannot be done


@dataclass
class ApiPart:
    """One API inside a mock: its model (HTTP-free) and the ASGI app that serves it."""

    model: Any
    app: ASGIApp
    reject: Rejection = json_detail_rejection  # the body of a 401 in this API's own error shape
    errors: tuple[type[Exception], ...] = ()  # the model's logical errors (answered 4xx, not 500)
    error_body: Rejection = json_detail_rejection  # any other refusal at the door, in that shape


ApiFactory = Callable[["Mock"], ApiPart]


# -- the APIs ---------------------------------------------------------------------------------------
def _kinetica_rejection(scope: Scope, reason: str) -> tuple[bytes, bytes]:
    """Kinetica's ERROR wrapper in the request's encoding (the gpudb client reads only the status)."""
    from mockserver.kinetica.app import error_body

    return error_body(scope, f"Unauthorized access: {reason}")


def kinetica_part(mock: Mock) -> ApiPart:
    from mockserver.kinetica.app import create_kinetica_app, error_body
    from mockserver.kinetica.models import KineticaError, KineticaModel

    model = KineticaModel(mock.clock, mock.scenario, **mock.kinetica_options)
    app = create_kinetica_app(model, max_body_bytes=mock.guard.max_body_bytes)
    return ApiPart(model, app, _kinetica_rejection, (KineticaError,), error_body)


def praisonai_part(mock: Mock) -> ApiPart:
    from mockserver.praisonai.app import create_praisonai_app
    from mockserver.praisonai.models import PraisonAIModel, RunFinished

    model = PraisonAIModel(mock.clock, mock.scenario, profile=mock.profile, **mock.praisonai_options)
    return ApiPart(model, create_praisonai_app(model), json_detail_rejection, (RunFinished,))


DEFAULT_FACTORIES: dict[str, ApiFactory] = {"kinetica": kinetica_part, "praisonai": praisonai_part}


# -- scenarios --------------------------------------------------------------------------------------
def scenario_presets() -> dict[str, Path]:
    """Preset name -> file: every YAML file under `fixtures/`, named by its path without the suffix
    (`kinetica/failing_segment`)."""
    try:
        root = fixtures_dir()
    except FileNotFoundError:
        return {}
    found = [*root.rglob("*.yaml"), *root.rglob("*.yml")]
    return {path.relative_to(root).with_suffix("").as_posix(): path for path in sorted(found)}


def find_preset(name: str) -> Path | None:
    """A preset by its full name, or by its file's stem alone when only one preset has that stem."""
    presets = scenario_presets()
    if name in presets:
        return presets[name]
    by_stem = [path for key, path in presets.items() if key.rsplit("/", 1)[-1] == name]
    return by_stem[0] if len(by_stem) == 1 else None


def resolve_scenario(name_or_path: str | Path) -> Path:
    """A scenario file: an existing path, or the name of a preset in `fixtures/`."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    preset = find_preset(str(name_or_path))
    if preset is not None:
        return preset
    known = ", ".join(sorted(scenario_presets())) or "none"
    raise ScenarioError(f"no such scenario file or preset (presets: {known})", source=str(name_or_path))


def with_segments(scenario: Scenario, segments: int) -> Scenario:
    """The scenario with its Kinetica segment count replaced (what `--segments N` does at start).

    Applies to the scenario the mock starts with (and returns to on reset); a scenario loaded later
    brings its own count.
    """
    document = dict(scenario.raw)
    document["kinetica"] = {**dict(document.get("kinetica") or {}), "segments": segments}
    return Scenario.from_dict(document, source=scenario.source)


def _scenario_error_json(exc: ScenarioError) -> dict[str, Any]:
    return {"file": exc.source, "line": exc.line, "reason": exc.reason, "message": str(exc)}


def _scenario_error(exc: ScenarioError) -> MockError:
    return MockError(str(exc), 400, file=exc.source, line=exc.line, reason=exc.reason)


# -- the mock ---------------------------------------------------------------------------------------
class Mock:
    """Everything one mock holds; the control plane and tests both drive it through this API."""

    def __init__(self, apis: Iterable[str] = APIS, *, scenario: str | Path | Scenario | None = None,
                 segments: int | None = None, frozen_clock: bool = False, clock: Clock | None = None,
                 auth: AuthConfig | None = None, profile: str = "impl", journal_capacity: int = 1000,
                 journal_max_body: int = 16 * 1024, allow_loopback_webhooks: bool = False,
                 cors_origins: Iterable[str] | None = None, misbehave: Iterable[str] = (),
                 vary: Mapping[str, str] | None = None,
                 factories: Mapping[str, ApiFactory] | None = None,
                 max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, body_timeout: float = DEFAULT_BODY_TIMEOUT_S,
                 header_timeout: float = DEFAULT_HEADER_TIMEOUT_S, allowed_hosts: Iterable[str] = (),
                 webhook_allow: Iterable[str] = ()) -> None:
        """`cors_origins`: the origins browsers may call from; None (default) = any page on
        localhost / 127.0.0.1, `["*"]` = any origin, `[]` = no CORS headers at all.
        `max_body_bytes`, `body_timeout`, `header_timeout`, `allowed_hosts`: the door (`mockserver.guard`).
        `webhook_allow`: networks (CIDR) PraisonAI webhooks may reach beyond public addresses.
        `misbehave`: contract clause ids to break on purpose (the conformance suite's self-test);
        settable later through /_mock/misbehave, and kept across resets.
        `vary`: latitude choices (`{"LAT-KIN-ERROR-STATUS": "200"}`, see mockserver.vary): the mock
        then answers as another correct implementation would; settable later through /_mock/vary
        (but for the start-only ones), and kept across resets."""
        self.apis = tuple(dict.fromkeys(apis))
        factories = {**DEFAULT_FACTORIES, **(factories or {})}
        unknown = [api for api in self.apis if api not in factories]
        if unknown or not self.apis:
            raise ValueError(f"unknown API(s) {unknown}; choose from {sorted(factories)}")
        if profile not in PROFILES:
            raise ValueError(f"profile must be one of {PROFILES}; got {profile!r}")
        self.variation = Variation(LATITUDES, vary)
        if segments is None:
            segments = kinetica_variations.segments_for(self.variation.choice(kinetica_variations.SEGMENTS))
        if segments is not None and segments < 1:
            raise ValueError(f"segments must be at least 1; got {segments}")
        self.clock = clock if clock is not None else Clock(frozen=frozen_clock)
        self._started_frozen = self.clock.frozen
        started_from: Path | None = None
        if scenario is None:
            started = Scenario.default()
        elif isinstance(scenario, Scenario):
            started = scenario
        else:
            started_from = resolve_scenario(scenario)
            started = Scenario.from_file(started_from)
        adjust = None
        if segments is not None:
            count = segments

            def adjust(loaded: Scenario) -> Scenario:
                return with_segments(loaded, count)

            started = adjust(started)
        # A scenario from a file is watched: edits on disk apply without a restart (hot reload).
        self.scenario = ScenarioStore(started, path=started_from, adjust=adjust)
        self.journal = Journal(capacity=journal_capacity, max_body=journal_max_body, clock_now=self.clock.now)
        self.faults = FaultRules()
        self.auth = auth if auth is not None else AuthConfig()
        self.cors = CorsPolicy.from_origins(cors_origins)
        # -- hostile input: the door of every port (mockserver/guard.py) --
        self.guard = GuardConfig(max_body_bytes=max_body_bytes, body_timeout=body_timeout,
                                 hosts=HostPolicy.from_names(allowed_hosts), auth=self.auth, cors=self.cors)
        self.header_timeout = header_timeout
        self.preflights = PreflightLog()
        self.misbehaviour = Misbehaviour(misbehave)
        self.profile = profile
        self.kinetica_options: dict[str, Any] = {}
        self.praisonai_options: dict[str, Any] = {
            "allow_loopback_webhooks": allow_loopback_webhooks, "webhook_allow": tuple(webhook_allow),
            "job_id_format": self.variation.choice(praisonai_variations.JOB_ID)}
        self.parts: dict[str, ApiPart] = {api: factories[api](self) for api in self.apis}
        self.control = create_control_app(self, extra_routes=inspector_routes())
        self._apps: dict[str, ASGIApp] = {}

    # -- the models -------------------------------------------------------------------------------
    def model(self, api: str) -> Any:
        part = self.parts.get(api)
        if part is None:
            raise MockError(f"this mock does not serve the {api} API", 404)
        return part.model

    @property
    def kinetica(self) -> Any:
        return self.parts["kinetica"].model if "kinetica" in self.parts else None

    @property
    def praisonai(self) -> Any:
        return self.parts["praisonai"].model if "praisonai" in self.parts else None

    # -- ASGI -------------------------------------------------------------------------------------
    def asgi(self, api: str) -> ASGIApp:
        """The app for one API port (built once): middleware, control plane and the API itself."""
        if api not in self.parts:
            raise ValueError(f"this mock does not serve {api!r}; it serves {list(self.parts)}")
        if api not in self._apps:
            part = self.parts[api]
            # Innermost: a latitude choice is part of the implementation, which misbehaviour then breaks.
            api_app = MisbehaviourMiddleware(part.app, self.variation, api=api, breakers=VARIATIONS,
                                             serves_switch=False)
            app: ASGIApp = _ControlRouter(self.control, api_app)
            # Inside journal and faults: the journal records the broken answers clients see.
            app = MisbehaviourMiddleware(app, self.misbehaviour, api=api)
            app = FaultMiddleware(app, self.faults, api=api)
            app = JournalMiddleware(app, self.journal, api=api)
            # CORS sees every request the guard lets in: a preflight is answered before faults could
            # refuse it, and every answer (an injected 503) carries the CORS headers a page needs to
            # read it. The guard passes preflights, and adds those headers to its own refusals.
            if self.cors.enabled:
                app = CorsMiddleware(app, self.cors, self.preflights, api=api, clock_now=self.clock.now)
            # -- hostile input: the guard is outermost (it journals its own refusals) --
            app = Guard(app, self.guard, error_body=part.error_body, unauthorized=part.reject,
                        journal=self.journal, api=api)
            self._apps[api] = expose_transport(app)
        return self._apps[api]

    # -- whole-mock operations --------------------------------------------------------------------
    def reset(self) -> None:
        self.faults.clear()
        self.journal.clear()
        self.preflights.clear()
        self.scenario.reset()
        if self._started_frozen and not self.clock.frozen:
            self.clock.freeze()
        elif not self._started_frozen and self.clock.frozen:
            self.clock.unfreeze()
        for part in self.parts.values():
            reset = getattr(part.model, "reset", None)
            if reset is not None:
                reset()

    def snapshot(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "apis": list(self.apis),
            "clock": clock_json(self.clock),
            "scenario": self.scenario_info(),
            "faults": self.faults.list(),
            "journal": {"size": len(self.journal), "capacity": self.journal.capacity},
            "auth": self.auth.describe(),
            "profile": self.profile,
            "vary": self.variation.choices,
            "cors": {**self.cors.describe(), "preflights": self.preflights.list()},
        }
        for api, part in self.parts.items():
            snapshot = getattr(part.model, "snapshot", None)
            state[api] = snapshot() if snapshot is not None else {}
        return state

    # -- latitudes ---------------------------------------------------------------------------------
    def vary_info(self) -> dict[str, Any]:
        info = self.variation.describe()
        info["start_only"] = sorted(START_ONLY_LATITUDES)
        return info

    def set_vary(self, choices: Mapping[str, str]) -> dict[str, Any]:
        """Replace the latitude choices in force. The start-only ones cannot change on a running mock."""
        try:
            wanted = self.variation.check(choices)
        except VariationError as exc:
            raise MockError(str(exc), 400) from None
        moved = sorted(lat for lat in START_ONLY_LATITUDES
                       if wanted.get(lat) != self.variation.choices.get(lat))
        if moved:
            raise MockError(f"{', '.join(moved)} can only be chosen when the mock starts "
                            "(Mock(vary=...), mockserver serve --vary)", 409)
        self.variation.set(wanted)
        return self.vary_info()

    # -- scenario ---------------------------------------------------------------------------------
    def scenario_info(self) -> dict[str, Any]:
        # Asking about the scenario looks at its file at once (models look at most every 0.5 s).
        self.scenario.check_now()
        current = self.scenario.current
        watching = self.scenario.watching
        error = self.scenario.reload_error
        return {"name": current.name, "source": current.source, "seed": current.seed,
                "version": self.scenario.version, "scenario": _plain(current.raw),
                "watching": str(watching) if watching is not None else None,
                "reload_error": _scenario_error_json(error) if error is not None else None}

    def load_scenario_text(self, text: str, source: str = "<control plane>") -> dict[str, Any]:
        try:
            self.scenario.load_text(text, source=source)
        except ScenarioError as exc:
            raise _scenario_error(exc) from None
        return self.scenario_info()

    def load_scenario_file(self, path: str | Path) -> dict[str, Any]:
        try:
            self.scenario.load_file(path)
        except ScenarioError as exc:
            raise _scenario_error(exc) from None
        return self.scenario_info()

    def load_scenario_preset(self, name: str) -> dict[str, Any]:
        preset = find_preset(name)
        if preset is None:
            known = ", ".join(sorted(scenario_presets())) or "none"
            raise MockError(f"no scenario preset {name!r}; presets: {known}", 404)
        return self.load_scenario_file(preset)

    def scenario_presets(self) -> list[str]:
        return sorted(scenario_presets())

    # -- actions (what the inspector's buttons do) ------------------------------------------------
    def kill_kinetica_run(self, run_id: str) -> dict[str, Any]:
        model = self.model("kinetica")
        self._known_run(model, run_id)
        killed = self._act("kinetica", model.kill_run, run_id)
        return {"run_id": run_id, "killed": bool(killed)}

    def fail_kinetica_segment(self, run_id: str, segment: int, message: str | None = None) -> dict[str, Any]:
        model = self.model("kinetica")
        self._known_run(model, run_id)
        failed = self._act("kinetica", model.fail_segment_now, run_id, segment,
                       message if message is not None else f"segment {segment} failed on request")
        return {"run_id": run_id, "segment": segment, "failed": bool(failed)}

    def cancel_kinetica_job(self, job_id: str | int) -> dict[str, Any]:
        model = self.model("kinetica")
        try:
            number = int(job_id)
        except (TypeError, ValueError):
            raise MockError(f"a Kinetica job id is an integer; got {job_id!r}", 400) from None
        cancelled = self._act("kinetica", model.cancel_job, number, status=404)
        return {"job_id": number, "cancelled": bool(cancelled)}

    def cancel_praisonai_run(self, job_id: str) -> dict[str, Any]:
        """Cancel a queued or running run; 404 if unknown, 409 if it has already finished."""
        view = self._act("praisonai", self.model("praisonai").cancel, job_id, status=409,
                         not_found=f"no PraisonAI run {job_id!r}")
        return {"job_id": job_id, "cancelled": True, "status": getattr(view, "status", "cancelled")}

    def _act(self, api: str, action: Callable[..., Any], *args: Any, status: int = 400,
             not_found: str | None = None) -> Any:
        """Run a model action; the model's logical errors become `status` answers, lookups 404."""
        try:
            return action(*args)
        except LookupError as exc:
            raise MockError(not_found or _message(exc), 404) from None
        except self.parts[api].errors as exc:
            raise MockError(_message(exc), status) from None

    @staticmethod
    def _known_run(model: Any, run_id: str) -> None:
        if run_id not in model.runs():
            raise MockError(f"no Kinetica run {run_id!r}", 404)


def _message(exc: Exception) -> str:
    # KeyError's str() adds quotes; every other exception's first argument is its message.
    return str(exc.args[0]) if exc.args else type(exc).__name__


def _plain(value: Any) -> Any:
    """The raw scenario document as JSON-ready data."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


class _ControlRouter:
    """Send `/_mock/...` to the control plane and everything else (and lifespan) to the API."""

    def __init__(self, control: ASGIApp, api: ASGIApp) -> None:
        self.control = control
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path.startswith(CONTROL_PREFIX) and (len(path) == 6 or path[6] == "/"):
                await self.control(scope, receive, send)
                return
        await self.api(scope, receive, send)


# -- serving on real sockets ------------------------------------------------------------------------
class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to whoever runs several of them together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


@dataclass
class Listener:
    api: str
    sock: socket.socket
    server: uvicorn.Server

    @property
    def url(self) -> str:
        host, port = self.sock.getsockname()[:2]
        return f"http://{host}:{port}"


def listeners(mock: Mock, host: str, ports: Mapping[str, int], *, log_level: str = "warning",
              graceful_seconds: float = 3.0) -> list[Listener]:
    """One bound socket and one uvicorn server per API of the mock."""
    mock.faults.serving()
    made: list[Listener] = []
    try:
        for api in mock.apis:
            sock = bind(host, ports.get(api, 0))
            config = uvicorn.Config(mock.asgi(api), log_level=log_level, lifespan="on", access_log=False,
                                    timeout_graceful_shutdown=graceful_seconds,
                                    http=header_timeout_protocol(mock.header_timeout))  # slow clients
            made.append(Listener(api, sock, _QuietServer(config)))
    except BaseException:
        for listener in made:
            listener.sock.close()
        raise
    return made


async def serve_all(found: list[Listener]) -> None:
    await asyncio.gather(*(listener.server.serve(sockets=[listener.sock]) for listener in found))


def request_exit(mock: Mock, found: list[Listener]) -> None:
    # Requests held by a hang fault would keep uvicorn waiting: let them go first.
    mock.faults.release_hangs(stopping=True)
    for listener in found:
        listener.server.should_exit = True


class MockServer:
    """A `Mock` on real sockets at 127.0.0.1, one port per API (port 0 picks a free one)."""

    def __init__(self, mock: Mock | None = None, *, host: str = "127.0.0.1",
                 ports: Mapping[str, int] | None = None, log_level: str = "warning",
                 **mock_options: Any) -> None:
        if mock is not None and mock_options:
            raise TypeError("give either a Mock or options to build one, not both")
        self.mock = mock if mock is not None else Mock(**mock_options)
        self.host = host
        self._listeners = listeners(self.mock, host, ports or {}, log_level=log_level)
        self._thread = threading.Thread(target=self._run, name="mockserver", daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            asyncio.run(serve_all(self._listeners))
        except BaseException as exc:  # reported by start()
            self._error = exc

    # -- where ------------------------------------------------------------------------------------
    @property
    def urls(self) -> dict[str, str]:
        return {listener.api: listener.url for listener in self._listeners}

    @property
    def url(self) -> str:
        """The first API's URL (Kinetica's when both are served)."""
        return self._listeners[0].url

    @property
    def control_url(self) -> str:
        return self.url + CONTROL_PREFIX

    # -- what -------------------------------------------------------------------------------------
    @property
    def clock(self) -> Clock:
        return self.mock.clock

    @property
    def scenario(self) -> ScenarioStore:
        return self.mock.scenario

    @property
    def journal(self) -> Journal:
        return self.mock.journal

    @property
    def faults(self) -> FaultRules:
        return self.mock.faults

    def reset(self) -> None:
        self.mock.reset()

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self, timeout: float = 10.0) -> MockServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not all(listener.server.started for listener in self._listeners):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the mock did not start on {self.urls} within {timeout}s"
                                   + (f": {self._error!r}" if self._error else ""))
            time.sleep(0.005)  # start-up handshake with a real thread, not waiting on mock state
        return self

    def stop(self, timeout: float = 10.0) -> None:
        request_exit(self.mock, self._listeners)
        if self._thread.is_alive():
            self._thread.join(timeout)
        for listener in self._listeners:
            listener.sock.close()

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
