"""The `praisonai:` section of a scenario: limits, and how runs behave.

```yaml
seed: 3
praisonai:
  max_concurrent: 2          # runs executing at once (default 10)
  max_queued: 5              # unfinished runs admitted at once; the next submit gets 503 (default 20 = 2 * 10)
  default_timeout: 3600      # when the submit body gives none
  defaults: {steps: 3, step_seconds: 1.0}
  rules:                     # applied in order on top of the defaults
    - match: {prompt: "*fail*"}
      fail: "agent crashed"
    - match: {session_id: "slow-*"}
      step_seconds: 30
```

Hints in the submit body's `config` (mock_steps, mock_step_seconds, mock_fail, mock_result,
mock_hang, mock_queue_seconds) win over the scenario; see `mockserver.praisonai.plan`.
Importing this module registers the section (see `mockserver.scenario`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from mockserver.scenario import register_section

SCHEMA: dict[str, Any] = json.loads(
    (Path(__file__).with_name("scenario.schema.json")).read_text(encoding="utf-8"))

DEFAULT_MAX_CONCURRENT = 10          # praisonai/jobs/server.py:69 (PRAISONAI_MAX_CONCURRENT_JOBS)
DEFAULT_TIMEOUT_S = 3600             # praisonai/jobs/models.py:117
DEFAULT_STEPS = 3
DEFAULT_STEP_SECONDS = 1.0
DEFAULT_RESULT = "Mock result for: {prompt}"


class _Unset:
    """Marks a behaviour field a layer leaves to the layer below (None is a valid result)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass(frozen=True)
class Behaviour:
    """What a run does. UNSET fields inherit from the layer below."""

    steps: Any = UNSET
    step_seconds: Any = UNSET
    fail: Any = UNSET            # str | None
    hang: Any = UNSET
    queue_seconds: Any = UNSET
    result: Any = UNSET          # any JSON value

    def over(self, base: Behaviour) -> Behaviour:
        """This layer on top of `base`: every field set here wins."""
        return Behaviour(**{f.name: (getattr(self, f.name) if getattr(self, f.name) is not UNSET
                                     else getattr(base, f.name)) for f in fields(self)})


BUILT_IN = Behaviour(steps=DEFAULT_STEPS, step_seconds=DEFAULT_STEP_SECONDS, fail=None, hang=False,
                     queue_seconds=0.0, result=DEFAULT_RESULT)


@dataclass(frozen=True)
class Rule:
    behaviour: Behaviour
    prompt: str | None = None
    session_id: str | None = None
    agent_file: str | None = None

    def matches(self, prompt: str, session_id: str | None, agent_file: str | None) -> bool:
        return all(glob is None or fnmatchcase(value or "", glob) for glob, value in (
            (self.prompt, prompt), (self.session_id, session_id), (self.agent_file, agent_file)))


@dataclass(frozen=True)
class PraisonAIScenario:
    max_concurrent: int = DEFAULT_MAX_CONCURRENT
    max_queued: int | None = None
    default_timeout: int = DEFAULT_TIMEOUT_S
    defaults: Behaviour = Behaviour()
    rules: tuple[Rule, ...] = ()

    @property
    def queue_limit(self) -> int:
        # praisonai/jobs/executor.py:61: the admission ceiling defaults to ten times the concurrency.
        return self.max_queued if self.max_queued is not None else self.max_concurrent * 10

    def behaviour_for(self, prompt: str, session_id: str | None, agent_file: str | None) -> Behaviour:
        """Built-in < `defaults` < each matching rule, in order."""
        resolved = self.defaults.over(BUILT_IN)
        for rule in self.rules:
            if rule.matches(prompt, session_id, agent_file):
                resolved = rule.behaviour.over(resolved)
        return resolved


def parse_behaviour(raw: Mapping[str, Any]) -> Behaviour:
    return Behaviour(**{f.name: raw[f.name] for f in fields(Behaviour) if f.name in raw})


def parse_section(raw: Mapping[str, Any]) -> PraisonAIScenario:
    rules = tuple(Rule(behaviour=parse_behaviour(r), prompt=r["match"].get("prompt"),
                       session_id=r["match"].get("session_id"), agent_file=r["match"].get("agent_file"))
                  for r in raw.get("rules", []))
    return PraisonAIScenario(
        max_concurrent=raw.get("max_concurrent", DEFAULT_MAX_CONCURRENT),
        max_queued=raw.get("max_queued"),
        default_timeout=raw.get("default_timeout", DEFAULT_TIMEOUT_S),
        defaults=parse_behaviour(raw.get("defaults", {})),
        rules=rules,
    )


register_section("praisonai", SCHEMA, parse_section, PraisonAIScenario)
