"""Hypothesis settings shared by the suite: deterministic, no example database, no deadlines.

Derandomized so a CI run is repeatable and a failure reproduces; sized so the whole suite against
the embedded mocks stays under three minutes on two cores (`--contract-max-examples` overrides).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis keeps its caches in `.hypothesis/` of the working directory, which is the user's project
# here: they go to the user's cache directory instead (HYPOTHESIS_STORAGE_DIRECTORY, when set, wins).
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
                            / "asyncjobs-contract-kit" / "hypothesis")

# Set by the plugin from --contract-no-shrink: a broken target then fails fast with the first
# counterexample found instead of a minimal one (the self-test runs the suite ~200 times).
NO_SHRINK = {"on": False}


def contract_settings(max_examples: int, *, override: int | None = None,
                      stateful_step_count: int | None = None, live: bool = False) -> settings:
    """`live`: every example costs real seconds there, so a failure is reported unshrunk."""
    kwargs: dict[str, Any] = {}
    if NO_SHRINK["on"] or live:
        kwargs["phases"] = [p for p in Phase if p is not Phase.shrink]
    if stateful_step_count is not None:
        kwargs["stateful_step_count"] = stateful_step_count
    return settings(
        max_examples=override if override is not None else max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                               HealthCheck.filter_too_much, HealthCheck.data_too_large],
        **kwargs,
    )
