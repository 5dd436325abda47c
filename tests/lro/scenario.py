"""The `lro:` section of a scenario: how long an operation takes unless the request says."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockserver.scenario import register_section

SCHEMA = {"type": "object", "additionalProperties": False,
          "properties": {"seconds": {"type": "number", "minimum": 0}}}


@dataclass(frozen=True)
class LroScenario:
    seconds: float = 30.0


def parse(raw: dict[str, Any]) -> LroScenario:
    return LroScenario(**raw)


register_section("lro", SCHEMA, parse, LroScenario)
