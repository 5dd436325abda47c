"""The composition: one `Mock` (clock, scenario, journal, faults, auth, API models) and its ASGI apps.

The APIs come from the registry (`mockserver.registry`): a `Mock` builds one part (model + app) per
API it serves and never names one. Every API port gets the same stack, assembled in one place
(`Mock.assemble`), outermost first:

    guard -> CORS -> journal -> the API's OpenAPI document -> control router
        /_mock/...  -> the control plane (one app shared by every port)
        otherwise   -> faults -> misbehaviour -> latitude choices -> [recorder] -> the API's app

The recorder is there only with a state file (`Mock(state=...)`, mockserver.durable): it writes each
request that changed the model to the file before the answer starts.

The guard (`mockserver.guard`: Host, Origin, credentials, body limit and timeout, unencodable text)
covers the control plane and the inspector as it covers the API. The control plane is answered
before any API middleware, so faults and misbehaviour only ever see API requests.

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
import hashlib
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import registry
from mockserver.auth import AuthConfig, json_detail_rejection
from mockserver.client_time import ClientTime, client_time
from mockserver.clock import Clock, clock_json
from mockserver.control import CONTROL_PREFIX, is_control_path
from mockserver.control.app import create_control_app
from mockserver.control.errors import ControlError
from mockserver.cors import CorsMiddleware, CorsPolicy, PreflightLog
from mockserver.durable import Durable, Recorder
from mockserver.faults import FaultMiddleware, FaultRules
from mockserver.grading import CLIENT_HEADER, Verdict, assert_well_behaved, grade
from mockserver.guard import DEFAULT_BODY_TIMEOUT_S, DEFAULT_MAX_BODY_BYTES, Guard, GuardConfig, HostPolicy
from mockserver.inspector import inspector_routes
from mockserver.journal import Journal, JournalMiddleware
from mockserver.json_ready import json_ready
from mockserver.misbehave import BreakerSet, Misbehaviour, MisbehaviourMiddleware
from mockserver.openapi_route import OpenApiRoute
from mockserver.replaying import DEFAULT_SPEED, checked_speed, load_replay
from mockserver.resources import fixtures_dir
from mockserver.retention import Retention
from mockserver.scenario import Scenario, ScenarioError, ScenarioStore
from mockserver.server import bind, uvicorn_config
from mockserver.slow_clients import DEFAULT_HEADER_TIMEOUT_S, header_timeout_protocol
from mockserver.state import StateFile
from mockserver.vary import Latitude, LatitudeSet, Variation, VariationError

PROFILES = ("impl", "docs")

MockError = ControlError  # what the Python API raises for an operation that cannot be done


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


def preset_summary(path: Path) -> str:
    """One line about a preset: its `description`, else the first sentence of its leading comment."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for line in lines:
        if line.startswith("description:"):
            return line.partition(":")[2].strip().strip("'\"")
    comment = []
    for line in lines:
        if not line.startswith("#"):
            break
        comment.append(line.lstrip("#").strip())
    text = " ".join(comment)
    match = re.search(r"\.(\s|$)", text)
    return (text[:match.start()] if match else text).strip()


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


def with_settings(scenario: Scenario, settings: Mapping[str, Any], specs: Iterable[registry.ApiSpec]) -> Scenario:
    """The scenario with the settings given at start (`segments=4`, `--segments 4`) written into the
    sections of the APIs that take them (each spec's `scenario_settings`).

    Applies to the scenario the mock starts with (and returns to on reset); a scenario loaded later
    brings its own values.
    """
    document = dict(scenario.raw)
    for spec in specs:
        given = {key: settings[name] for name, key in spec.scenario_settings.items()
                 if settings.get(name) is not None}
        if given:
            document[spec.name] = {**dict(document.get(spec.name) or {}), **given}
    return Scenario.from_dict(document, source=scenario.source)


def _scenario_error_json(exc: ScenarioError) -> dict[str, Any]:
    return {"file": exc.source, "line": exc.line, "reason": exc.reason, "message": str(exc)}


def _scenario_error(exc: ScenarioError) -> MockError:
    return MockError(str(exc), 400, file=exc.source, line=exc.line, reason=exc.reason)


def _cassette_identity(path: str | Path, speed: float) -> dict[str, Any]:
    """What a state file keeps of the cassette a mock replays: it must be the same at restart."""
    try:
        digest: str | None = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        digest = None  # unreadable: load_replay says why, in its own words
    return {"cassette": str(Path(path).resolve()), "sha256": digest, "speed": float(speed)}


# -- the mock ---------------------------------------------------------------------------------------
class Mock:
    """Everything one mock holds; the control plane and tests both drive it through this API."""

    def __init__(self, apis: Iterable[str] | None = None, *, scenario: str | Path | Scenario | None = None,
                 segments: int | None = None, frozen_clock: bool = False, clock: Clock | None = None,
                 auth: AuthConfig | None = None, profile: str = "impl", journal_capacity: int = 1000,
                 journal_max_body: int = 16 * 1024, allow_loopback_webhooks: bool = False,
                 cors_origins: Iterable[str] | None = None, misbehave: Iterable[str] = (),
                 vary: Mapping[str, str] | None = None,
                 api_options: Mapping[str, Mapping[str, Any]] | None = None,
                 max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, body_timeout: float = DEFAULT_BODY_TIMEOUT_S,
                 header_timeout: float = DEFAULT_HEADER_TIMEOUT_S, allowed_hosts: Iterable[str] = (),
                 webhook_allow: Iterable[str] = (), max_runs: int | None = None,
                 retain_seconds: float | None = None, state: str | Path | None = None,
                 replay: str | Path | None = None, replay_speed: float = DEFAULT_SPEED) -> None:
        """`apis`: names from the registry (default: every registered API).
        `cors_origins`: the origins browsers may call from; None (default) = any page on
        localhost / 127.0.0.1, `["*"]` = any origin, `[]` = no CORS headers at all.
        `misbehave`: contract clause ids to break on purpose (the conformance suite's self-test);
        settable later through /_mock/misbehave, and kept across resets.
        `vary`: latitude choices (`{"LAT-KIN-ERROR-STATUS": "200"}`, see mockserver.vary): the mock
        then answers as another correct implementation would; settable later through /_mock/vary
        (but for the start-only ones), and kept across resets.
        `api_options`: per API, keyword arguments for its model.
        `max_body_bytes`, `body_timeout`, `header_timeout`, `allowed_hosts`: the door (`mockserver.guard`).
        `webhook_allow`: networks (CIDR) webhooks may reach beyond public addresses.
        `max_runs`, `retain_seconds`: per API, forget the oldest finished runs beyond that many
        stored, or that long after they finished (default: keep every run, as the real servers do).
        `state`: a state file (mockserver.state; created if missing): every acknowledged change is
        written there, and a mock started on it again answers as before (StateError if it cannot
        be used). Not with `clock`: the file holds the clock.
        `replay`, `replay_speed`: a cassette whose recorded runs and jobs the models replay, at this
        speed (mockserver.replaying); raises ReplayError for a file that cannot be replayed."""
        known = {spec.name: spec for spec in registry.specs()}
        self.apis = tuple(dict.fromkeys(apis if apis is not None else known))
        unknown = [api for api in self.apis if api not in known]
        if unknown or not self.apis:
            raise ValueError(f"unknown API(s) {unknown}; choose from {sorted(known)}")
        if profile not in PROFILES:
            raise ValueError(f"profile must be one of {PROFILES}; got {profile!r}")
        if segments is not None and segments < 1:
            raise ValueError(f"segments must be at least 1; got {segments}")
        self.specs = {api: known[api] for api in self.apis}
        retention = Retention(max_runs, retain_seconds)
        self.latitude_sets: dict[str, LatitudeSet] = {}
        for api, spec in self.specs.items():
            latitude_set = spec.latitudes()
            if latitude_set is not None:
                self.latitude_sets[api] = latitude_set
        self.variation = Variation([lat for ls in self.latitude_sets.values() for lat in ls.latitudes], vary)
        self.durable: Durable | None = None
        if state is not None:
            if clock is not None:
                raise ValueError("give either a clock or a state file (which holds the clock), not both")
            made_for = {
                "apis": list(self.apis), "profile": profile,
                "replay": None if replay is None else _cassette_identity(replay, replay_speed),
                "retention": (None if max_runs is None and retain_seconds is None
                              else {"max_runs": max_runs, "retain_seconds": retain_seconds}),
                "start_only": {lat: choice for lat, choice in sorted(self.variation.choices.items())
                               if lat in self.start_only_latitudes} or None}
            file = StateFile(state)
            try:
                self.durable = Durable(file, made_for=made_for, frozen_clock=frozen_clock)
                clock = self.durable.start_clock(frozen_clock)
            except BaseException:
                file.close()
                raise
        try:
            self.clock = clock if clock is not None else Clock(frozen=frozen_clock)
            self._started_frozen = self.clock.frozen if self.durable is None else self.durable.started_frozen
            started_from: Path | None = None
            if scenario is None:
                started = Scenario.default()
            elif isinstance(scenario, Scenario):
                started = scenario
            else:
                started_from = resolve_scenario(scenario)
                started = Scenario.from_file(started_from)
            adjust = None
            settings: dict[str, Any] = {}
            for latitude_set in self.latitude_sets.values():  # start-only choices that are Mock settings
                if latitude_set.settings is not None:
                    settings.update(latitude_set.settings(self.variation.choice))
            if segments is not None:
                settings["segments"] = segments
            if any(value is not None for value in settings.values()):
                specs = list(known.values())

                def adjust(loaded: Scenario) -> Scenario:
                    return with_settings(loaded, settings, specs)

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
            self.profile = profile
            contexts = {api: registry.ApiContext(
                self.clock, self.scenario, profile=profile, allow_loopback_webhooks=allow_loopback_webhooks,
                options=dict((api_options or {}).get(api, {})), max_body_bytes=max_body_bytes,
                webhook_allow=tuple(webhook_allow),
                latitude_choices={lat: self.variation.choice(lat) for lat in self.start_only_latitudes},
                retention=retention)
                for api in self.specs}
            self.parts: dict[str, registry.ApiPart] = {api: spec.build(contexts[api])
                                                       for api, spec in self.specs.items()}
            self.replaying: Path | None = None
            self.replayed: dict[str, str] = {}   # per API, what the recording holds ("3 runs")
            if replay is not None:
                speed = checked_speed(replay_speed)
                for api, exchanges in load_replay(replay, self.apis).items():
                    hook = self.specs[api].replay
                    assert hook is not None   # load_replay refuses an API without one
                    self.replayed[api] = hook(self.parts[api].model, exchanges, speed)
                self.replaying = Path(replay)
            # Each API's OpenAPI document, served on its port (`ApiSpec.openapi_path`).
            self.openapi: dict[str, dict[str, Any]] = {
                api: document for api, spec in self.specs.items()
                if (document := spec.openapi(contexts[api])) is not None}
            self.breakers: dict[str, BreakerSet] = {}
            for api, spec in self.specs.items():
                found = spec.breakers()
                if found is not None:
                    self.breakers[api] = found
            self.misbehaviour = Misbehaviour(misbehave, available=[c for found in self.breakers.values()
                                                                   for c in found.clauses])
            self.control = create_control_app(self, extra_routes=inspector_routes())
            self._apps: dict[str, ASGIApp] = {}
            # The one place each API's startup runs (its app's lifespan does nothing of it).
            if self.durable is not None:
                self.durable.attach(self.clock, self.scenario, self.parts, self.specs)
                self.durable.restore()
                self.durable.startup()
            else:
                for api, spec in self.specs.items():  # what each API's server does when it starts
                    if spec.startup is not None:
                        spec.startup(self.parts[api].model)
        except BaseException:  # a failed start leaves no state file open (nor locked)
            self.close()
            raise

    def close(self) -> None:
        """Release what the mock holds outside memory: its state file (closed and unlocked, so another
        mock may open it). Idempotent; a mock with a state file is not to be used after."""
        if self.durable is not None:
            self.durable.close()

    # -- the models -------------------------------------------------------------------------------
    def model(self, api: str) -> Any:
        part = self.parts.get(api)
        if part is None:
            raise MockError(f"this mock does not serve the {api} API", 404)
        return part.model

    # -- ASGI -------------------------------------------------------------------------------------
    def asgi(self, api: str) -> ASGIApp:
        """The app for one API port (built once): middleware, control plane and the API itself."""
        if api not in self.parts:
            raise ValueError(f"this mock does not serve {api!r}; it serves {list(self.parts)}")
        if api not in self._apps:
            self._apps[api] = self.assemble(api)
        return self._apps[api]

    def assemble(self, api: str) -> ASGIApp:
        """One port's whole stack (see the module's docstring): the one place where it is put together."""
        part = self.parts[api]
        served: ASGIApp = part.app
        if self.durable is not None:
            # Innermost: what the model was asked, after every rewrite, is what restores the same.
            served = Recorder(served, self.durable, api=api, model=part.model, clock=self.clock)
        bare = served
        if api in self.latitude_sets:
            # Innermost: a latitude choice is part of the implementation, which misbehaviour then breaks.
            served = MisbehaviourMiddleware(served, self.variation, api=api,
                                            breakers=self.latitude_sets[api].rewrites)
        if api in self.breakers:
            # Innermost, so the journal records the broken answers clients see.
            served = MisbehaviourMiddleware(served, self.misbehaviour, api=api, breakers=self.breakers[api],
                                            control=self.control)
        served = FaultMiddleware(served, self.faults, api=api, clock=self.clock)
        app: ASGIApp = ControlRouter(self.control, served, bypass=bare, idle=self._quiet)
        if api in self.openapi:
            app = OpenApiRoute(app, self.specs[api].openapi_path, self.openapi[api])
        app = JournalMiddleware(app, self.journal, api=api)
        # CORS sees every request the guard lets in: a preflight is answered before faults could
        # refuse it, and every answer (an injected 503) carries the CORS headers a page needs to
        # read it. The guard passes preflights, and adds those headers to its own refusals.
        if self.cors.enabled:
            app = CorsMiddleware(app, self.cors, self.preflights, api=api, clock_now=self.clock.now)
        # The guard is outermost: it journals its own refusals, and notes the socket (its Host check
        # and the faults that break a connection need it) before any layer wraps `send`.
        return Guard(app, self.guard, error_body=part.error_body or json_detail_rejection,
                     unauthorized=part.reject or json_detail_rejection, journal=self.journal, api=api)

    def _quiet(self) -> bool:
        """No fault rule, clause breaker or latitude choice is on: those layers would only pass on."""
        return not self.faults.active and not self.misbehaviour.ids and not self.variation.ids

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
        if self.durable is not None:
            self.durable.reset()

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
            "state_file": str(self.durable.file.path) if self.durable is not None else None,
        }
        for api, part in self.parts.items():
            snapshot = getattr(part.model, "snapshot", None)
            state[api] = snapshot() if snapshot is not None else {}
        return state

    # -- latitudes ---------------------------------------------------------------------------------
    @property
    def start_only_latitudes(self) -> frozenset[str]:
        return frozenset(lat for ls in self.latitude_sets.values() for lat in ls.start_only)

    def vary_info(self) -> dict[str, Any]:
        info = self.variation.describe()
        info["start_only"] = sorted(self.start_only_latitudes)
        return info

    def set_vary(self, choices: Mapping[str, str]) -> dict[str, Any]:
        """Replace the latitude choices in force. The start-only ones cannot change on a running mock."""
        try:
            wanted = self.variation.check(choices)
        except VariationError as exc:
            raise MockError(str(exc), 400) from None
        moved = sorted(lat for lat in self.start_only_latitudes
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
                "version": self.scenario.version, "scenario": json_ready(current.raw),
                "watching": str(watching) if watching is not None else None,
                "reload_error": _scenario_error_json(error) if error is not None else None}

    def _scenario_change(self, change: Callable[[], object]) -> None:
        if self.durable is not None:
            self.durable.scenario_change(change)
        else:
            change()

    def load_scenario_text(self, text: str, source: str = "<control plane>") -> dict[str, Any]:
        try:
            self._scenario_change(lambda: self.scenario.load_text(text, source=source))
        except ScenarioError as exc:
            raise _scenario_error(exc) from None
        return self.scenario_info()

    def load_scenario_file(self, path: str | Path) -> dict[str, Any]:
        try:
            self._scenario_change(lambda: self.scenario.load_file(path))
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
    def act(self, api: str, action: str, /, **arguments: Any) -> dict[str, Any]:
        """Run one of an API's control actions (its spec lists them), e.g.
        `mock.act("kinetica", "kill_run", run_id="3")`; MockError when it cannot be done."""
        model = self.model(api)
        declared = self.specs[api].action(action)
        if declared is None:
            raise MockError(f"the {api} API has no action {action!r}", 404)
        try:
            if self.durable is not None:
                return self.durable.act(api, action, arguments, lambda: declared.run(model, **arguments))
            return declared.run(model, **arguments)
        except registry.ActionError as exc:
            raise MockError(exc.message, exc.status) from None

    # -- grading the client -----------------------------------------------------------------------
    def client_time(self) -> contextlib.AbstractContextManager[ClientTime]:
        """A block in which the client's `time.sleep`/`asyncio.sleep` move this mock's clock
        (`mockserver.client_time`): an hour of polling in milliseconds, its real intervals journaled."""
        return client_time(self.clock)

    def verdicts(self, api: str | None = None, *, ignore: Iterable[str] = (),
                 client_header: str = CLIENT_HEADER) -> list[Verdict]:
        """How each client behaved, rule by rule, from the journal (`mockserver.grading`)."""
        rules = {name: spec.client_rules() for name, spec in self.specs.items() if api in (None, name)}
        return grade(self.journal.raw(), rules, client_header=client_header, ignore=ignore)

    def assert_well_behaved_client(self, api: str | None = None, *, ignore: Iterable[str] = (),
                                   client_header: str = CLIENT_HEADER) -> None:
        """AssertionError with every finding and its exchanges, unless every verdict passed.
        `ignore` names rules to leave out (e.g. `{"PRA-CLIENT-STOP"}`)."""
        assert_well_behaved(self.verdicts(api, client_header=client_header), ignore=ignore)


class ControlRouter:
    """Send `/_mock/...` to the control plane and everything else (and lifespan) to the API's stack;
    while `idle()` says that stack's switchable layers (faults, misbehaviour, latitude choices) are
    all off, an HTTP request goes straight to `bypass`, the app below them: each layer would only pass
    it on, a coroutine apiece on every poll."""

    def __init__(self, control: ASGIApp, api: ASGIApp, *, bypass: ASGIApp | None = None,
                 idle: Callable[[], bool] | None = None) -> None:
        self.control = control
        self.api = api
        self.bypass = bypass if bypass is not None and idle is not None else api
        self.idle = idle if bypass is not None and idle is not None else (lambda: False)

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not a coroutine: it hands back the chosen app's own (one frame fewer on every request).
        if scope["type"] == "http":
            if is_control_path(scope["path"]):
                return self.control(scope, receive, send)
            if self.idle():
                return self.bypass(scope, receive, send)
        return self.api(scope, receive, send)


# -- serving on real sockets ------------------------------------------------------------------------
class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to whoever runs several of them together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class BindError(OSError):
    """An API's port could not be listened on (in use, not allowed, an address not of this machine)."""

    def __init__(self, api: str, host: str, port: int, reason: OSError) -> None:
        super().__init__(reason.errno, f"cannot listen for the {registry.get(api).title} API on "
                                       f"{host}:{port}: {reason.strerror or reason}")
        self.api, self.host, self.port = api, host, port


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
              graceful_seconds: int = 3) -> list[Listener]:
    """One bound socket and one uvicorn server per API of the mock."""
    mock.faults.serving()
    made: list[Listener] = []
    try:
        for api in mock.apis:
            port = ports.get(api, 0)
            try:
                sock = bind(host, port)
            except OSError as exc:
                raise BindError(api, host, port, exc) from exc
            config = uvicorn_config(mock.asgi(api), log_level=log_level, graceful_seconds=graceful_seconds,
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

    # -- grading the client -----------------------------------------------------------------------
    def client_time(self) -> contextlib.AbstractContextManager[ClientTime]:
        """`Mock.client_time`; the server thread keeps sleeping in real time."""
        ident = self._thread.ident
        return client_time(self.clock, exclude_threads=() if ident is None else (ident,))

    def verdicts(self, api: str | None = None, *, ignore: Iterable[str] = (),
                 client_header: str = CLIENT_HEADER) -> list[Verdict]:
        return self.mock.verdicts(api, ignore=ignore, client_header=client_header)

    def assert_well_behaved_client(self, api: str | None = None, *, ignore: Iterable[str] = (),
                                   client_header: str = CLIENT_HEADER) -> None:
        self.mock.assert_well_behaved_client(api, ignore=ignore, client_header=client_header)

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
        self.mock.close()

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def latitudes() -> list[Latitude]:
    """Every latitude the registered APIs let the mock vary (mockserver.vary)."""
    return [lat for spec in registry.specs() if (found := spec.latitudes()) is not None for lat in found.latitudes]
