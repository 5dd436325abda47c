"""State that survives a restart: what a mock writes to its state file, and how it reads it back.

`Durable` joins a `StateFile` (mockserver.state) to one mock's clock, scenario and API parts, and
never names an API. It records, each in the file before the answer goes out:

- API requests that changed their model (`Recorder`, the innermost pure-ASGI layer of each port: a
  read that changed nothing, such as the poll of a finished run, never touches SQLite; a model
  without a `version` counter has every request recorded);
- control actions (`Mock.act`), each API's `startup` (what it does when the mock starts), model
  events outside any request (a model with `redo_event` gets an `on_event` hook: PraisonAI's
  webhook deliveries), and the scenario in force whenever it changed since the last entry;
- the clock's mode and offset on every move, in `meta`.

Each operation is *pinned* (`Clock.pin`, in both clock modes) to one instant, so that the instant
recorded is the one every `now()` inside it saw, whoever moves the clock meanwhile: a request at its
last body chunk (where the id counters and the model's version are read too), an action or a
startup when it runs. At start, `restore()` moves a frozen clock to each entry's instant and
performs it again on the fresh models (requests through the API's own app, `perform_request`), with
the id counters where they stood: the same ids, statuses, results and timings come back. Then the
clock is put back in its stored mode and the counters past every id ever handed out.

What the log was recorded against must be the same at start (`made_for`: APIs, profile, the cassette
replayed and its speed, retention, start-only latitude choices); a mock started otherwise is
refused with one line, before anything is written. "Replay" is the cassette's word
(mockserver.replaying); the state log is *restored*.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver import ids, registry
from mockserver.cassette import redact_query
from mockserver.clock import Clock
from mockserver.journal import is_secret_header
from mockserver.json_ready import json_ready
from mockserver.read_ahead import ReadAhead
from mockserver.scenario import Scenario, ScenarioStore
from mockserver.state import Entry, StateError, StateFile

__all__ = ["Durable", "Recorder", "made_for_description", "perform_request"]

# What the file records a mock was started with, and must be started with again.
MADE_FOR = ("apis", "profile", "replay", "retention", "start_only")


def made_for_description(key: str, value: Any) -> str:
    """One setting of `MADE_FOR`, for people."""
    if key == "apis":
        return f"serving {', '.join(value)}"
    if key == "profile":
        return f"with the {value!r} profile"
    if key == "replay":
        return ("replaying no cassette" if value is None else
                f"replaying {value['cassette']} (sha256 {str(value['sha256'])[:12]}) at {value['speed']:g}x speed")
    if key == "retention":
        return ("keeping every run" if value is None else
                f"keeping at most {value['max_runs']} runs for {value['retain_seconds']} s after they finish")
    if key == "start_only":
        return ("with the default start-only latitudes" if value is None else
                "with start-only latitudes " + ", ".join(f"{k}={v}" for k, v in sorted(value.items())))
    return f"{key} {value!r}"


def _run(make: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a coroutine to its end from synchronous code, also when this thread runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(make())
        return
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(make())
        except BaseException as exc:  # re-raised in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=target, name="mockserver-restore")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


class Durable:
    """One mock's state file: recording as it goes, restoring at start.

    `made_for` holds the `MADE_FOR` settings the mock is started with (None: the default); a file
    with history must have been written with the same ones (the APIs in any order), else StateError.
    A new file is stamped with them only once the mock has started (`restore`)."""

    def __init__(self, file: StateFile, *, made_for: Mapping[str, Any], frozen_clock: bool) -> None:
        self.file = file
        self.made_for = {key: made_for.get(key) for key in MADE_FOR}
        self._new = file.meta("apis") is None
        if not self._new:
            for key in MADE_FOR:
                stored, wanted = file.meta(key), self.made_for[key]
                same = set(stored or ()) == set(wanted or ()) if key == "apis" else stored == wanted
                if not same:
                    raise StateError(file.path, f"was written by a mock {made_for_description(key, stored)}, "
                                                f"not {made_for_description(key, wanted)}; start it the same way")
        self.started_frozen = frozen_clock if self._new else bool(file.meta("started_frozen"))
        self.counters: Mapping[str, ids.IdCounter] = {}
        self._stop_saving: Callable[[], None] = lambda: None
        self._clock: Clock | None = None
        self._scenario: ScenarioStore | None = None
        self._scenario_version: int | None = None   # the store's version last recorded (None: none yet)
        self._reloaded_at: float | None = None      # the instant of a hot reload not recorded yet
        self.parts: Mapping[str, registry.ApiPart] = {}
        self.specs: Mapping[str, registry.ApiSpec] = {}

    # -- the clock to build the mock with -----------------------------------------------------------
    def start_clock(self, frozen: bool) -> Clock:
        """A clock for the mock: for a file with history, frozen at its first instant (the restore
        moves it on, then puts it back in its stored mode); else a fresh one, as asked."""
        stored = self.file.meta("clock")
        if stored is None:
            return Clock(frozen=frozen)
        first = self.file.first_instant()
        now = self._stored_now(stored)
        return Clock(start=now if first is None else min(first, now), frozen=True)

    @staticmethod
    def _stored_now(stored: Mapping[str, Any]) -> float:
        return float(stored["now"]) if stored["frozen"] else time.time() + float(stored["offset"])

    def _save_clock(self) -> None:
        clock = self._clock
        assert clock is not None
        state = clock.state()
        offset = 0.0 if state.frozen else state.now - time.time()
        self.file.set_meta("clock", {"frozen": state.frozen, "now": state.now, "offset": offset})

    # -- start ----------------------------------------------------------------------------------
    def attach(self, clock: Clock, scenario: ScenarioStore, parts: Mapping[str, registry.ApiPart],
               specs: Mapping[str, registry.ApiSpec]) -> None:
        self._clock, self._scenario, self.parts, self.specs = clock, scenario, parts, specs
        # The served APIs' id counters, by the names the log keeps them under ("kinetica.run").
        self.counters = {f"{api}.{name}": counter for api, spec in specs.items()
                         for name, counter in spec.id_counters.items()}

    def positions(self) -> dict[str, int]:
        """Where the served APIs' id counters stand."""
        return ids.positions(self.counters)

    def restore(self) -> None:
        """Perform the log again on the fresh models, then put back the clock and the id counters."""
        clock, scenario = self._clock, self._scenario
        assert clock is not None and scenario is not None
        counted_before = self.positions()
        floor = self.file.meta("ids") or {}
        performed = 0
        current: list[Entry] = []

        async def perform() -> None:
            nonlocal performed
            for entry in self.file.entries():
                performed += 1
                current[:] = [entry]
                if entry.at > clock.now():
                    clock.set(entry.at)
                ids.seek(self.counters, entry.ids)
                await self._perform(entry)

        try:
            _run(perform)
        except StateError:
            raise
        except Exception as exc:  # a log this mock cannot perform: said in one line, not a traceback
            where = f"entry {current[0].seq} ({current[0].kind})" if current else "the log"
            what = str(exc) if isinstance(exc, RestoreMismatch) else f"raised {type(exc).__name__}: {exc}"
            raise StateError(self.file.path, f"cannot be restored: {where} {what}") from None
        finally:
            for wanted in (counted_before, floor):
                ids.seek(self.counters, wanted, forward_only=True)
        if self._new:  # started: now the file says what it was made for
            for key, value in self.made_for.items():
                self.file.set_meta(key, value)
            self.file.set_meta("started_frozen", self.started_frozen)
            self._new = False
        stored = self.file.meta("clock")
        if stored is not None:
            target = self._stored_now(stored)
            if target > clock.now():
                clock.set(target)
            if not stored["frozen"]:
                clock.unfreeze()
        self._scenario_version = scenario.version if performed else None
        watched = scenario.watching
        if (performed and watched is not None and scenario.in_force.source == str(watched)
                and json_ready(scenario.default.raw) != json_ready(scenario.in_force.raw)):
            # The watched file changed while the mock was down: that is a change made now.
            self.scenario_change(lambda: scenario.set(scenario.default, keep_watching=True))
        scenario.before_reload = self._before_reload
        self._save_clock()
        self._stop_saving = clock.on_move(self._save_clock)
        for api, part in self.parts.items():
            if hasattr(part.model, "redo_event"):
                part.model.on_event = self._event_hook(api)

    async def _perform(self, entry: Entry) -> None:
        if entry.kind == "scenario":
            self.settle_models()
            self._apply_scenario(entry.data)
            return
        api = entry.api or ""
        part, spec = self.parts.get(api), self.specs.get(api)
        if part is None or spec is None:
            raise StateError(self.file.path, f"entry {entry.seq} is for the {api!r} API, not served here")
        if entry.kind == "request":
            await perform_request(part.app, entry.data, entry.body)
        elif entry.kind == "action":
            action = spec.action(str(entry.data["name"]))
            if action is None:
                raise StateError(self.file.path, f"entry {entry.seq}: no {api} action {entry.data['name']!r}")
            action.run(part.model, **dict(entry.data["arguments"]))
        elif entry.kind == "startup":
            if spec.startup is not None:
                spec.startup(part.model)
        elif entry.kind == "event":
            part.model.redo_event(str(entry.data["kind"]), dict(entry.data["payload"]))
        else:
            raise StateError(self.file.path, f"entry {entry.seq} is of an unknown kind {entry.kind!r}")

    def _apply_scenario(self, data: Mapping[str, Any]) -> None:
        scenario = self._scenario
        assert scenario is not None
        # A change is loaded again (a new version reschedules what is queued, as it did); the
        # scenario a log starts with only when the mock was started with another one. One read
        # from the file this mock watches (a hot reload) leaves that file watched.
        if data.get("changed", True) or json_ready(scenario.in_force.raw) != data["document"]:
            loaded = Scenario.from_dict(data["document"], source=str(data["source"]))
            watched = scenario.watching
            scenario.set(loaded, keep_watching=bool(data.get("watching")) and watched is not None
                         and str(watched) == data["source"])

    def settle_models(self) -> None:
        """Every model brought to now, as before a scenario change (see `scenario_change`)."""
        for part in self.parts.values():
            settle = getattr(part.model, "settle", None)
            if settle is not None:
                settle()

    # -- recording ------------------------------------------------------------------------------
    def scenario_change(self, change: Callable[[], Any]) -> Any:
        """A scenario loaded through the control plane: the models are settled at that instant
        first (a new schedule then starts there, not at the last request), and it is recorded at
        once, as its restore settles and loads it. A file edited on disk is noticed by whatever reads
        the scenario next: `_before_reload` settles the models then, and the next entry records it
        at that instant."""
        clock = self._clock
        assert clock is not None
        with clock.pinned() as pin:
            self.settle_models()
            result = change()
        entry = self._scenario_entry(pin.instant, loaded=True)
        if entry is not None:
            self.file.append(entry.at, entry.kind, entry.api, self.positions(), entry.data)
        return result

    def _before_reload(self) -> None:
        """A hot reload is about to replace the scenario: settle the models at this instant (as
        `scenario_change` does), and record the new scenario at it with the next entry."""
        clock = self._clock
        assert clock is not None
        with clock.pinned() as pin:
            self.settle_models()
        self._reloaded_at = pin.instant

    def _scenario_entry(self, at: float, *, loaded: bool = False) -> Entry | None:
        """The scenario in force, when it changed since the last entry (it goes before that entry,
        at the instant of a hot reload if one brought it)."""
        scenario = self._scenario
        assert scenario is not None
        current = scenario.in_force   # not a look at its file: a reload now would come after the entry
        reloaded_at, self._reloaded_at = self._reloaded_at, None
        if reloaded_at is not None and reloaded_at <= at:
            at = reloaded_at
        if scenario.version == self._scenario_version:
            return None
        # Else the one in force when the log began (unless loaded just now, through the control plane).
        changed = loaded or self._scenario_version is not None
        self._scenario_version = scenario.version
        watching = scenario.watching is not None and str(scenario.watching) == current.source
        return Entry(0, at, "scenario", None, {}, {"document": json_ready(current.raw), "source": current.source,
                                                   "changed": changed, "watching": watching})

    def record(self, at: float, kind: str, api: str | None, counters: Mapping[str, int],
               data: Mapping[str, Any], body: bytes = b"") -> None:
        self.file.append(at, kind, api, counters, data, body, before=self._scenario_entry(at))

    def record_request(self, at: float, api: str, counters: Mapping[str, int], scope: Scope, body: bytes,
                       *, status: int | None, raised: bool = False) -> None:
        """`status`: the answer's (None: none began); `raised`: the app raised before answering.
        Its restore must answer the same, and may raise only as it did (`perform_request`).
        Credentials are never stored: secret-looking headers are left out (the door checked them
        already; the app is restored behind it) and secret-looking query values redacted."""
        headers = [[name, value] for name, value in
                   ((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
                   if not is_secret_header(name)]
        server = scope.get("server")
        data: dict[str, Any] = {
            "method": scope["method"], "path": scope["path"],
            "query": redact_query(scope.get("query_string", b"").decode("latin-1")), "headers": headers,
            "server": list(server) if server else None, "status": status}
        if raised:
            data["raised"] = True
        self.record(at, "request", api, counters, data, body)

    def _event_hook(self, api: str) -> Callable[[str, Mapping[str, Any]], None]:
        def on_event(kind: str, payload: Mapping[str, Any]) -> None:
            clock = self._clock
            assert clock is not None
            self.record(clock.now(), "event", api, self.positions(), {"kind": kind, "payload": json_ready(payload)})
        return on_event

    def startup(self) -> None:
        """Each API's startup (what its server does when it starts: Kinetica's auto-start runs),
        recorded when it changed something."""
        clock = self._clock
        assert clock is not None
        for api, spec in self.specs.items():
            if spec.startup is None:
                continue
            model = self.parts[api].model
            before, counters = getattr(model, "version", None), self.positions()
            with clock.pinned() as pin:
                spec.startup(model)
            if before is None or getattr(model, "version", None) != before:
                self.record(pin.instant, "startup", api, counters, {})

    def act(self, api: str, name: str, arguments: Mapping[str, Any], run: Callable[[], dict[str, Any]]
            ) -> dict[str, Any]:
        """A control action, recorded once done (a refused one changed nothing)."""
        clock = self._clock
        assert clock is not None
        counters = self.positions()
        with clock.pinned() as pin:
            result = run()
        self.record(pin.instant, "action", api, counters, {"name": name, "arguments": json_ready(arguments)})
        return result

    def reset(self) -> None:
        """After the mock's reset: nothing before it needs restoring; ids stay handed out."""
        self.file.clear_log(self.positions())
        self._scenario_version = None

    def close(self) -> None:
        """Stop recording and close the file (another mock may open it then); idempotent."""
        self._stop_saving()
        self.file.close()


class RestoreMismatch(Exception):
    """A logged request answered otherwise than when it was recorded: the log no longer fits the mock."""


async def perform_request(app: ASGIApp, data: Mapping[str, Any], body: bytes) -> None:
    """One recorded request, performed again on `app`; its answer is dropped but for its status,
    which must be the one recorded (else RestoreMismatch). It may raise only as it did when recorded:
    before answering (the entry says `raised`), or after starting the same answer (Starlette answers
    500, then raises); any other exception is a log that no longer fits this mock, and is raised."""
    server = data.get("server")
    scope: Scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": data["method"],
        "scheme": "http", "path": data["path"], "raw_path": str(data["path"]).encode("latin-1"),
        "query_string": str(data["query"]).encode("latin-1"), "root_path": "",
        "headers": [(str(k).encode("latin-1"), str(v).encode("latin-1")) for k, v in data["headers"]],
        "server": tuple(server) if server else ("127.0.0.1", 80), "client": ("127.0.0.1", 0),
    }
    answered: int | None = None
    recorded = data.get("status")

    async def gone() -> Message:  # after the body: the client has left (a stream ends there)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal answered
        if message["type"] == "http.response.start":
            answered = int(message["status"])

    try:
        await app(scope, ReadAhead(body, gone), send)
    except Exception:
        if data.get("raised") or (answered is not None and answered == recorded):
            return
        raise
    if recorded is not None and answered != recorded and not data.get("raised"):
        raise RestoreMismatch(f"{data['method']} {data['path']} answered {answered}, not {recorded} as when recorded")


class Recorder:
    """Pure-ASGI, innermost on an API port: records each request that changed the model, before
    its answer starts; everything else passes through untouched (one version read, no SQLite)."""

    def __init__(self, app: ASGIApp, durable: Durable, *, api: str, model: Any, clock: Clock) -> None:
        self.app, self.durable, self.api, self.model, self.clock = app, durable, api, model, clock

    def _version(self) -> object:
        version = getattr(self.model, "version", None)
        return object() if version is None else version  # no counter: every request counts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        # Pinned in both clock modes: a frozen clock too can be moved (control plane, client time)
        # while the body arrives. Instant, counters and version are taken again at the last body
        # chunk, where the operation begins; a request whose app reads no body keeps these. A body
        # the guard read whole (a ReadAhead) has arrived already: it is noted, and `receive` stays.
        version, counters = self._version(), self.durable.positions()
        pin, token = self.clock.pin()
        raised = False
        ahead = receive if type(receive) is ReadAhead and not receive.delivered else None
        if ahead is not None:
            chunks.append(ahead.body)

        async def receive_body() -> Message:
            nonlocal version, counters
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and pin.active:  # the operation comes next
                    pin.retake()
                    version, counters = self._version(), self.durable.positions()
            return message

        def settle(status: int | None = None) -> None:
            if pin.active:
                pin.active = False
                if self._version() != version:
                    self.durable.record_request(pin.instant, self.api, counters, scope, b"".join(chunks),
                                                status=status, raised=raised)

        async def send_answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                settle(int(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive_body if ahead is None else ahead, send_answer)
        except BaseException:
            raised = True
            raise
        finally:
            settle()
            self.clock.unpin(token)
