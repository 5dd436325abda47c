"""Latitudes: choices the contract leaves open, which the mock can make differently on request.

The pages (and, for PraisonAI's `impl` profile, the reference implementation) leave many things to
the implementer: the HTTP status of a Kinetica ERROR answer, what a job's response holds, id formats,
the wording of messages, key order... The mock makes one choice by default; `Variation` holds the
other choices in force (`{"LAT-KIN-ERROR-STATUS": "200"}`), so that the conformance suite can be
shown to pass under each of them (the variation matrix, the false-positive twin of the kill matrix).

Each API declares its latitudes in its spec (`LatitudeSet`: `Latitude`s with their choices, default
first, and for every non-default choice a rewrite on the wire: a `Breaker` of `mockserver.misbehave`
keyed `"ID=CHOICE"`, on the API's own codec), which a `MisbehaviourMiddleware` innermost around the API
applies. Those rewrites answer as another correct implementation would; they break no clause. Choices
that are not about the wire (how many data segments a run has, the form of ids) are read once, when
the mock is built, by the API's model or scenario.

Set with `Mock(vary={...})`, `mockserver serve --vary ID=CHOICE`, or `/_mock/vary`; kept across
resets, like the misbehaviour switch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockserver.misbehave import BreakerSet

__all__ = ["Latitude", "LatitudeSet", "Variation", "VariationError", "parse_choices", "reversed_keys"]


@dataclass(frozen=True)
class Latitude:
    """One choice left open. `choices[0]` is what the mock does unless told otherwise."""

    id: str
    api: str
    choices: tuple[str, ...]
    summary: str

    @property
    def default(self) -> str:
        return self.choices[0]


@dataclass(frozen=True)
class LatitudeSet:
    """One API's latitudes (its spec's `latitudes`): the choices, the rewrites that make them on the
    wire (keyed `ID=CHOICE`, on the API's own codec), and the ones read once when the mock is built
    (`start_only`: its model or its scenario takes them; `settings` turns them into Mock settings)."""

    latitudes: tuple[Latitude, ...]
    rewrites: BreakerSet
    start_only: frozenset[str] = frozenset()
    settings: Callable[[Callable[[str], str]], dict[str, Any]] | None = None


class VariationError(ValueError):
    pass


class Variation:
    """The non-default latitude choices in force; thread-safe, shared by middleware and control route."""

    def __init__(self, latitudes: Iterable[Latitude], choices: Mapping[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        self.latitudes = {lat.id: lat for lat in latitudes}
        self._choices: dict[str, str] = {}
        self._ids: frozenset[str] = frozenset()
        self.states: dict[str, dict[str, Any]] = {}
        self.set(choices or {})

    @property
    def choices(self) -> dict[str, str]:
        """The latitudes whose choice is not the default, and the choice."""
        return dict(self._choices)

    @property
    def ids(self) -> frozenset[str]:
        """`ID=CHOICE` keys, which the variations' rewrites are registered under (asked on every request)."""
        return self._ids

    def state(self, key: str) -> dict[str, Any]:
        """What the rewrite `key` remembers between requests (the misbehaviour middleware asks)."""
        return self.states.setdefault(key, {})

    def choice(self, latitude_id: str) -> str:
        return self._choices.get(latitude_id) or self.latitudes[latitude_id].default

    def check(self, choices: Mapping[str, str]) -> dict[str, str]:
        """`choices` with defaults dropped; unknown ids or choices raise VariationError naming the valid ones."""
        kept: dict[str, str] = {}
        for key, value in choices.items():
            latitude = self.latitudes.get(key)
            if latitude is None:
                raise VariationError(f"no latitude {key!r}; latitudes: {', '.join(sorted(self.latitudes))}")
            if value not in latitude.choices:
                raise VariationError(f"{key}: no choice {value!r}; choices: {', '.join(latitude.choices)}")
            if value != latitude.default:
                kept[key] = value
        return kept

    def set(self, choices: Mapping[str, str]) -> None:
        """Replace the choices in force (validated first: a bad request changes nothing)."""
        kept = self.check(choices)
        with self._lock:
            self._choices = kept
            self._ids = frozenset(f"{k}={v}" for k, v in kept.items())
            self.states.clear()

    def clear(self) -> None:
        self.set({})

    def describe(self) -> dict[str, object]:
        return {"choices": self.choices,
                "latitudes": [{"id": lat.id, "api": lat.api, "choices": list(lat.choices),
                               "default": lat.default, "summary": lat.summary}
                              for lat in sorted(self.latitudes.values(), key=lambda lat: lat.id)]}


def parse_choices(values: Iterable[str]) -> dict[str, str]:
    """`["LAT-X=a", ...]` (the CLI's and the plugin's form) to `{"LAT-X": "a"}`."""
    parsed: dict[str, str] = {}
    for raw in values:
        key, sep, value = raw.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise VariationError(f"expected ID=CHOICE, got {raw!r}")
        parsed[key.strip()] = value.strip()
    return parsed


def reversed_keys(value: Any) -> Any:
    """A JSON value with the keys of every object in reverse order (JSON objects are unordered)."""
    if isinstance(value, dict):
        return {k: reversed_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_keys(v) for v in value]
    return value
