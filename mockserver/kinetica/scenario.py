"""The `kinetica:` section of a scenario: how runs and jobs behave.

```yaml
seed: 7
kinetica:
  segments: 4                    # data segments of a distributed run (one per node)
  max_concurrency_per_node: 0    # default for the create_proc option; 0 = unlimited
  tables: {sales: [id, amount]}  # columns for input tables the request did not map
  jobs: {duration: 0.5}
  defaults: {duration: 1.0}      # behaviour of every run ...
  rules:                         # ... overridden by each matching rule, in order
    - match: {proc: "slow_*"}    # globs on proc name and/or run_tag
      duration: {uniform: [5, 10]}
    - match: {run_tag: "flaky*"}
      failure: {probability: 0.5, message: "segment {segment} lost its input"}
```

Importing this module registers the section (see `mockserver.scenario`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from random import Random
from typing import Any, Literal

from mockserver.scenario import ScenarioError, register_section

SCHEMA: dict[str, Any] = json.loads(
    (Path(__file__).with_name("scenario.schema.json")).read_text(encoding="utf-8"))

DEFAULT_SEGMENTS = 4
DEFAULT_DURATION_S = 1.0
DEFAULT_FAIL_MESSAGE = "proc failed on data segment {segment}"


@dataclass(frozen=True)
class Duration:
    """How long a segment (or a job) runs: seconds, a uniform draw, or a number of status polls."""

    kind: Literal["fixed", "uniform", "polls"] = "fixed"
    low: float = DEFAULT_DURATION_S
    high: float = DEFAULT_DURATION_S
    polls: int = 0

    @classmethod
    def seconds(cls, s: float) -> Duration:
        return cls("fixed", float(s), float(s))

    @classmethod
    def after_polls(cls, n: int) -> Duration:
        return cls("polls", polls=int(n))

    def draw(self, rng: Random) -> float | None:
        """Seconds for one segment; None when the end is counted in polls instead."""
        if self.kind == "polls":
            return None
        if self.kind == "uniform":
            return rng.uniform(self.low, self.high)
        return self.low


@dataclass(frozen=True)
class Failure:
    segments: frozenset[int] | Literal["all"] = frozenset()
    probability: float = 0.0
    message: str = DEFAULT_FAIL_MESSAGE

    def fails(self, segment: int, rng: Random) -> bool:
        # Always draw, so one segment's setting never shifts the random choices of the others.
        drawn = rng.random() < self.probability
        return self.segments == "all" or segment in self.segments or drawn

    def message_for(self, segment: int) -> str:
        return self.message.replace("{segment}", str(segment))


@dataclass(frozen=True)
class Behaviour:
    """What a run does. `None` fields are unset: they inherit from the layer below."""

    segments: int | None = None
    duration: Duration | None = None
    failure: Failure | None = None
    hang: bool | None = None
    stdout: tuple[str, ...] | None = None
    stderr: tuple[str, ...] | None = None
    results: Mapping[str, str] | None = None

    def over(self, base: Behaviour) -> Behaviour:
        """This layer on top of `base`: every field set here wins."""
        return Behaviour(**{name: (getattr(self, name) if getattr(self, name) is not None
                                   else getattr(base, name)) for name in _BEHAVIOUR_FIELDS})


_BEHAVIOUR_FIELDS = ("segments", "duration", "failure", "hang", "stdout", "stderr", "results")

BUILT_IN = Behaviour(segments=DEFAULT_SEGMENTS, duration=Duration(), failure=Failure(), hang=False,
                     stdout=(), stderr=(), results={})


@dataclass(frozen=True)
class Rule:
    behaviour: Behaviour
    proc: str | None = None
    run_tag: str | None = None

    def matches(self, proc_name: str, run_tag: str) -> bool:
        return ((self.proc is None or fnmatchcase(proc_name, self.proc))
                and (self.run_tag is None or fnmatchcase(run_tag, self.run_tag)))


@dataclass(frozen=True)
class KineticaScenario:
    segments: int = DEFAULT_SEGMENTS
    max_concurrency_per_node: int = 0
    tables: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    job_duration: Duration = field(default_factory=Duration)
    defaults: Behaviour = field(default_factory=Behaviour)
    rules: tuple[Rule, ...] = ()

    def behaviour_for(self, proc_name: str, run_tag: str) -> Behaviour:
        """Built-in defaults < section `segments` < `defaults` < each matching rule in order."""
        resolved = self.defaults.over(replace(BUILT_IN, segments=self.segments))
        for rule in self.rules:
            if rule.matches(proc_name, run_tag):
                resolved = rule.behaviour.over(resolved)
        return resolved


# -- parsing (the input is already schema-valid) ------------------------------------------------
def parse_duration(raw: Any) -> Duration:
    if isinstance(raw, int | float):
        return Duration.seconds(raw)
    if "fixed" in raw:
        return Duration.seconds(raw["fixed"])
    if "polls" in raw:
        return Duration.after_polls(raw["polls"])
    low, high = (float(v) for v in raw["uniform"])
    if low > high:
        raise ScenarioError(f"uniform range [{low}, {high}] has low > high", path=("uniform",))
    return Duration("uniform", low, high)


def parse_lines(raw: Any, stream: str) -> tuple[str, ...]:
    if isinstance(raw, int):
        return generated_lines(stream, raw)
    return tuple(raw)


def generated_lines(stream: str, count: int) -> tuple[str, ...]:
    """The lines a count stands for; the conformance UDF prints exactly these."""
    return tuple(f"{stream} line {k}" for k in range(1, count + 1))


def parse_behaviour(raw: Mapping[str, Any], where: tuple[str | int, ...] = ()) -> Behaviour:
    duration = None
    if "duration" in raw:
        try:
            duration = parse_duration(raw["duration"])
        except ScenarioError as exc:
            raise exc.located(source=exc.source, prefix=(*where, "duration")) from None
    failure = None
    if "failure" in raw:
        f = raw["failure"]
        segments = f.get("segments", [])
        failure = Failure(segments="all" if segments == "all" else frozenset(segments),
                          probability=float(f.get("probability", 0.0)),
                          message=f.get("message", DEFAULT_FAIL_MESSAGE))
    return Behaviour(
        segments=raw.get("segments"),
        duration=duration,
        failure=failure,
        hang=raw.get("hang"),
        stdout=parse_lines(raw["stdout"], "stdout") if "stdout" in raw else None,
        stderr=parse_lines(raw["stderr"], "stderr") if "stderr" in raw else None,
        results=dict(raw["results"]) if "results" in raw else None,
    )


def parse_section(raw: Mapping[str, Any]) -> KineticaScenario:
    rules = tuple(
        Rule(behaviour=parse_behaviour(r, ("rules", i)), proc=r["match"].get("proc"),
             run_tag=r["match"].get("run_tag"))
        for i, r in enumerate(raw.get("rules", [])))
    jobs = raw.get("jobs", {})
    return KineticaScenario(
        segments=raw.get("segments", DEFAULT_SEGMENTS),
        max_concurrency_per_node=raw.get("max_concurrency_per_node", 0),
        tables={name: tuple(cols) for name, cols in raw.get("tables", {}).items()},
        job_duration=parse_duration(jobs["duration"]) if "duration" in jobs else Duration(),
        defaults=parse_behaviour(raw.get("defaults", {}), ("defaults",)),
        rules=rules,
    )


register_section("kinetica", SCHEMA, parse_section, KineticaScenario)
