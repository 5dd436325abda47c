"""Scenarios: the seeded behaviour rules every API model reads when it plans work.

A scenario file is YAML (or a dict) with a few top-level keys of its own (`seed`, `name`,
`description`) and one *section* per API (`kinetica:`, `praisonai:`). Each API package owns its
section: the JSON Schema that validates it and the parser that turns it into a typed object.

Sections register themselves when their module is imported: `mockserver/<api>/scenario.py` calls
`register_section(name, schema, parse, default)` at import time. `discover_sections()` imports the
scenario module each registered API names in its spec (`mockserver.registry`), so a section is known
as soon as its API is. Any other module may also call `register_section` (tests do); it counts once
imported. A top-level key that no section has registered is an error, like any other key the schema
does not know.

Every error is a `ScenarioError` carrying the source (file name or `<text>`), the line (when the
input was YAML text) and the reason.
"""

from __future__ import annotations

import importlib
import logging
import math
import random
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from mockserver import registry

PathPart = str | int


class ScenarioError(ValueError):
    """A scenario that cannot be used; says where (source, line, path) and why."""

    def __init__(self, reason: str, *, source: str = "<dict>", line: int | None = None,
                 path: Sequence[PathPart] = ()) -> None:
        self.reason = reason
        self.source = source
        self.line = line
        self.path = tuple(path)
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        at = "/".join(str(p) for p in self.path)
        return f"{where}: {self.reason}" + (f" (at {at})" if at else "")

    def located(self, *, source: str, prefix: Sequence[PathPart] = (),
                lines: Callable[[Sequence[PathPart]], int | None] | None = None) -> ScenarioError:
        """The same error, placed inside a document: path prefixed, source and line filled in."""
        path = (*prefix, *self.path)
        line = self.line if self.line is not None else (lines(path) if lines else None)
        return ScenarioError(self.reason, source=source, line=line, path=path)


# -- sections -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Section:
    """One API's part of a scenario."""

    name: str
    schema: Mapping[str, Any]          # JSON Schema of the section's value
    parse: Callable[[Any], Any]        # validated raw value -> the API's typed object
    default: Callable[[], Any]         # the typed object when the section is absent


_SECTIONS: dict[str, Section] = {}
_SECTIONS_LOCK = threading.Lock()
_RESERVED = frozenset({"seed", "name", "description"})


def register_section(name: str, schema: Mapping[str, Any], parse: Callable[[Any], Any],
                     default: Callable[[], Any]) -> None:
    """Called by an API package's `scenario` module at import time. Re-registering replaces."""
    if name in _RESERVED:
        raise ValueError(f"{name!r} is a reserved top-level scenario key")
    jsonschema.Draft202012Validator.check_schema(schema)
    with _SECTIONS_LOCK:
        _SECTIONS[name] = Section(name, schema, parse, default)


def discover_sections() -> dict[str, Section]:
    """Import the section module of every registered API; return the registry of sections."""
    for spec in registry.specs():
        if spec.scenario_module is not None and spec.scenario_module not in sys.modules:
            importlib.import_module(spec.scenario_module)  # errors inside a section module do propagate
    with _SECTIONS_LOCK:
        return dict(_SECTIONS)


def document_schema(sections: Mapping[str, Section]) -> dict[str, Any]:
    """The JSON Schema of a whole scenario document, given the registered sections."""
    properties: dict[str, Any] = {
        "seed": {"type": "integer"},
        "name": {"type": "string"},
        "description": {"type": "string"},
    }
    for name, section in sections.items():
        properties[name] = dict(section.schema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }


# -- the scenario -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scenario:
    """A loaded, validated scenario. Immutable: a new load makes a new object."""

    seed: int = 0
    name: str = "default"
    source: str = "<default>"
    sections: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> Any:
        """The typed section object; the section's default when the document has none."""
        if name in self.sections:
            return self.sections[name]
        registry = discover_sections()
        if name not in registry:
            raise KeyError(f"no scenario section {name!r} is registered")
        return registry[name].default()

    def rng(self, *scope: object) -> random.Random:
        """A generator seeded by the scenario's seed and a scope, e.g. `rng("kinetica", "run", 7)`.

        String seeds are hashed with SHA-512 by `random`, so the sequence is the same in every
        process (no dependence on PYTHONHASHSEED).
        """
        return random.Random(":".join([str(self.seed), *map(str, scope)]))

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def default(cls) -> Scenario:
        return cls()

    @classmethod
    def from_dict(cls, document: Any, *, source: str = "<dict>",
                  lines: Callable[[Sequence[PathPart]], int | None] | None = None) -> Scenario:
        if document is None:
            document = {}
        sections = discover_sections()
        validator = jsonschema.Draft202012Validator(document_schema(sections))
        errors = sorted(validator.iter_errors(document), key=lambda e: (len(e.absolute_path), e.message))
        if errors:
            first = _most_specific(errors)
            path = tuple(first.absolute_path)
            line = lines(_offending_path(first)) if lines else None
            raise ScenarioError(_reason(first), source=source, line=line, path=path)
        parsed: dict[str, Any] = {}
        for name, value in document.items():
            if name in _RESERVED:
                continue
            try:
                parsed[name] = sections[name].parse(value)
            except ScenarioError as exc:
                raise exc.located(source=source, prefix=(name,), lines=lines) from None
        return cls(seed=int(document.get("seed", 0)), name=str(document.get("name", source)),
                   source=source, sections=parsed, raw=document)

    @classmethod
    def from_text(cls, text: str, *, source: str = "<text>") -> Scenario:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            document = loader.construct_document(node) if node is not None else {}
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise ScenarioError(f"not valid YAML: {exc.problem or exc.context}", source=source,
                                line=mark.line + 1 if mark else None) from None
        except yaml.YAMLError as exc:
            raise ScenarioError(f"not valid YAML: {exc}", source=source) from None
        finally:
            loader.dispose()
        return cls.from_dict(document, source=source, lines=lambda path: _line_of(node, path))

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"cannot read the file: {exc}", source=str(path)) from None
        return cls.from_text(text, source=str(path))


def _most_specific(errors: list[jsonschema.ValidationError]) -> jsonschema.ValidationError:
    """The deepest error; for oneOf/anyOf failures, the best guess among their sub-errors."""
    best = jsonschema.exceptions.best_match(errors)
    return best if best is not None else errors[0]


def _offending_path(error: jsonschema.ValidationError) -> tuple[PathPart, ...]:
    """Where to point a reader: an unexpected key's own line rather than its parent's."""
    path = tuple(error.absolute_path)
    if error.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(
            error.instance, dict):
        for key in error.instance:
            if f"'{key}'" in error.message:
                return (*path, key)
    return path


def _reason(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties" and not error.absolute_path:
        return f"{error.message}; known top-level keys: {sorted(error.schema.get('properties', {}))}"
    return error.message


def _line_of(node: yaml.Node | None, path: Sequence[PathPart]) -> int | None:
    """1-based line of the YAML node at `path`; the nearest existing ancestor if it is missing."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in path:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    child = value
                    line = key.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            return line
        node = child
        line = node.start_mark.line + 1
    return line


# -- the mutable holder -------------------------------------------------------------------------
RELOAD_INTERVAL_S = 0.5
_log = logging.getLogger("mockserver.scenario")


@dataclass
class _Watch:
    """The file the scenario in force came from, and what of it has been seen."""

    path: Path
    loaded: bytes          # the content the scenario in force was built from
    seen: bytes | None     # the content last looked at (None: unreadable), to judge each version once
    is_default: bool       # a reload also replaces what `reset()` returns to


class ScenarioStore:
    """The scenario in force. A failed load raises and leaves the previous scenario in place.

    Hot reload: when the scenario in force came from a file, reading `.current` looks at that file
    again (at most every `reload_interval` wall seconds, so no watcher thread is needed). A changed
    file that validates replaces the scenario; one that does not is refused: the old scenario stays,
    and `reload_error` (file, line, reason) says why until the file is fixed or another scenario loads.
    """

    def __init__(self, default: Scenario | None = None, *, path: str | Path | None = None,
                 adjust: Callable[[Scenario], Scenario] | None = None,
                 reload_interval: float = RELOAD_INTERVAL_S,
                 wall: Callable[[], float] = time.monotonic) -> None:
        """`path`: the file `default` was read from (watched for changes); `adjust`: applied to each
        reloaded version of that file (e.g. a `--segments` override given at start)."""
        self._lock = threading.Lock()
        self._adjust = adjust
        self.reload_interval = reload_interval
        self._wall = wall
        self._checked_at = -math.inf
        self.reload_error: ScenarioError | None = None
        self.reloads = 0   # successful hot reloads
        self._default_watch: _Watch | None = None
        if default is None and path is not None:
            data = _read(Path(path))
            default = Scenario.from_text(_decode(data, str(path)), source=str(path))
            if adjust is not None:
                default = adjust(default)
        if path is not None:
            data = _read(Path(path))
            self._default_watch = _Watch(Path(path), data, data, is_default=True)
        self._default = default if default is not None else Scenario.default()
        self._current = self._default
        self._watch = self._default_watch
        self.version = 0  # bumped on every successful change; cheap change detection for models
        # Called just before a hot reload replaces the scenario (a state file settles the models
        # then, at that instant: mockserver.durable).
        self.before_reload: Callable[[], None] | None = None

    @property
    def current(self) -> Scenario:
        if self._watch is not None:
            self._maybe_reload()
        return self._current

    @property
    def default(self) -> Scenario:
        return self._default

    @property
    def watching(self) -> Path | None:
        """The file whose changes are picked up, if the scenario in force came from one."""
        watch = self._watch
        return watch.path if watch is not None else None

    def __call__(self) -> Scenario:
        return self.current

    @property
    def in_force(self) -> Scenario:
        """The scenario in force, without looking at its file."""
        return self._current

    def set(self, scenario: Scenario, *, keep_watching: bool = False) -> Scenario:
        """Put `scenario` in force; `keep_watching`: its file (if any) stays watched (a state file's
        replay of what a hot reload of that file loaded)."""
        return self._set(scenario, self._watch if keep_watching else None)

    def _set(self, scenario: Scenario, watch: _Watch | None) -> Scenario:
        with self._lock:
            self._current = scenario
            self._watch = watch
            self.reload_error = None
            self._checked_at = self._wall()
            self.version += 1
        return scenario

    def load_file(self, path: str | Path) -> Scenario:
        path = Path(path)
        data = _read(path)
        scenario = Scenario.from_text(_decode(data, str(path)), source=str(path))
        return self._set(scenario, _Watch(path, data, data, is_default=False))

    def load_text(self, text: str, source: str = "<text>") -> Scenario:
        return self.set(Scenario.from_text(text, source=source))

    def load_dict(self, document: Mapping[str, Any], source: str = "<dict>") -> Scenario:
        return self.set(Scenario.from_dict(dict(document), source=source))

    def reset(self) -> Scenario:
        watch = self._default_watch
        if watch is not None:  # look at the start file afresh: its current content is judged again
            watch = _Watch(watch.path, watch.loaded, watch.loaded, is_default=True)
            self._default_watch = watch
        return self._set(self._default, watch)

    def check_now(self) -> None:
        """Look at the watched file at once, whatever the interval (for tests and the control plane)."""
        self._checked_at = -math.inf
        self._maybe_reload()

    # -- hot reload ---------------------------------------------------------------------------
    def _maybe_reload(self) -> None:
        if self._wall() - self._checked_at < self.reload_interval:
            return
        with self._lock:
            watch = self._watch
            now = self._wall()
            if watch is None or now - self._checked_at < self.reload_interval:
                return
            self._checked_at = now
            try:
                data = watch.path.read_bytes()
            except OSError as exc:
                if watch.seen is not None:  # say it once per disappearance
                    watch.seen = None
                    self.reload_error = ScenarioError(f"cannot read the file: {exc.strerror or exc}; "
                                                      "the scenario in force stays", source=str(watch.path))
                    _log.warning("scenario not reloaded: %s", self.reload_error)
                return
            if data == watch.seen:
                return
            watch.seen = data
            if data == watch.loaded:  # back to the version in force
                self.reload_error = None
                return
            try:
                scenario = Scenario.from_text(_decode(data, str(watch.path)), source=str(watch.path))
                if watch.is_default and self._adjust is not None:
                    scenario = self._adjust(scenario)
            except ScenarioError as exc:
                self.reload_error = exc
                _log.warning("scenario change refused, the previous version stays in force: %s", exc)
                return
            if self.before_reload is not None:
                self.before_reload()
            watch.loaded = data
            if watch.is_default:
                self._default = scenario
            self._current = scenario
            self.reload_error = None
            self.reloads += 1
            self.version += 1
            _log.info("scenario reloaded from %s (changed on disk)", watch.path)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {exc}", source=str(path)) from None


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"cannot read the file: not UTF-8 text ({exc.reason} at byte {exc.start})",
                            source=source) from None
