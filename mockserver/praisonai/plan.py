"""A run's plan: what it will do once it starts, fixed at submission.

The scenario gives the behaviour (defaults, then matching rules); hints in the submit body's
`config` win over it, with the names the reference server's test double reads
(tests/praisonai/reference_double.py): mock_steps, mock_step_seconds, mock_fail, mock_result,
mock_hang, plus mock_queue_seconds. A hint that cannot be used does not break the request: the run
fails as soon as it starts, with an error that names the hint (as the double's `int()` would).

Progress follows the double step for step, so the `impl` profile matches the reference server:
- at start: 0 of N steps done, current step "Step 1 of N";
- after each step k < N (at start + k * step_seconds): k done, "Step k+1 of N";
- the last step ends the run (at start + N * step_seconds): success reports N of N (100 %);
  a failure leaves progress at N-1; a hang never ends (until cancelled or timed out).
With 0 steps the run ends when it starts and reports no progress at all.

A replayed run (mockserver.praisonai.replay) keeps the same shape with recorded instants instead of
a fixed step length: `report_offsets[k]` is when step k is reported (seconds after the start, inf
when the recording never showed it) and `end_offset` when the run ends on its own.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.praisonai.scenario import Behaviour

MOCK_FAILURE = "Mock failure"


@dataclass(frozen=True, slots=True)
class Progress:
    percentage: float
    current_step: str | None
    steps_completed: int
    steps_total: int | None


NO_PROGRESS = Progress(0.0, None, 0, None)


@dataclass(frozen=True, slots=True)
class Plan:
    steps: int
    step_seconds: float
    fail: str | None          # error the run ends with when its last step would end
    hang: bool
    queue_seconds: float
    result: Any
    timeout: int              # effective seconds, as the reference computes it
    invalid_hint: str | None = None   # the run fails at start with this error
    report_offsets: tuple[float, ...] | None = None   # replayed: step k reported at start + [k]
    end_offset: float | None = None                    # replayed: the run ends at start + this

    @property
    def run_seconds(self) -> float:
        """Running time until the run ends on its own; inf when it hangs."""
        if self.invalid_hint is not None:
            return 0.0
        if self.fail is None and self.hang:
            return math.inf
        if self.end_offset is not None:
            return self.end_offset
        return self.steps * self.step_seconds

    @property
    def natural_outcome(self) -> str:
        return "failed" if (self.invalid_hint is not None or self.fail is not None) else "succeeded"

    @property
    def natural_error(self) -> str | None:
        return self.invalid_hint if self.invalid_hint is not None else self.fail

    def report_instant(self, start: float, k: int) -> float:
        """When step k is reported done. The one expression every caller uses, so that instants
        compare exactly (a run's start is a large epoch value; `t - start` would lose bits)."""
        if self.report_offsets is not None:
            return start + self.report_offsets[k]
        return start + k * self.step_seconds

    def end_instant(self, start: float) -> float:
        return start + self.run_seconds

    def steps_done(self, start: float, t: float) -> int:
        """Steps reported done by instant t (t before the run ends)."""
        if self.steps == 0 or self.invalid_hint is not None or t < start:
            return 0
        if self.report_offsets is not None:
            # Offsets never decrease: a binary search over the instants, each as report_instant says.
            reported = bisect.bisect_right(range(self.steps), t, key=lambda k: self.report_instant(start, k))
            return max(reported - 1, 0)
        if self.step_seconds <= 0:
            return self.steps - 1
        ratio = (t - start) / self.step_seconds   # may overflow to inf for tiny steps
        k = self.steps - 1 if not ratio < self.steps else max(int(ratio), 0)
        while k > 0 and self.report_instant(start, k) > t:
            k -= 1
        while k + 1 < self.steps and self.report_instant(start, k + 1) <= t:
            k += 1
        return k

    def report_instants(self, start: float) -> list[float]:
        """When progress changes while running (not counting the end)."""
        if self.steps == 0 or self.invalid_hint is not None:
            return []
        return [self.report_instant(start, k) for k in range(self.steps)]

    def progress(self, start: float, t: float, *, succeeded: bool) -> Progress:
        if self.steps == 0 or self.invalid_hint is not None:
            # praisonai's Job.succeed() forces 100 % even when nothing was reported (models.py:295).
            return Progress(100.0, None, 0, None) if succeeded else NO_PROGRESS
        done = self.steps if succeeded else self.steps_done(start, t)
        return Progress(100.0 * done / self.steps, f"Step {min(done + 1, self.steps)} of {self.steps}",
                        done, self.steps)


def effective_timeout(requested: int | None, default: int) -> int:
    # praisonai/jobs/router.py:101 `body.timeout or 3600`: 0 and null mean the default.
    return requested if requested else default


def make_plan(behaviour: Behaviour, config: Mapping[str, Any], prompt: str, timeout: int) -> Plan:
    """The scenario's behaviour with the request's hints on top."""
    steps, step_seconds = behaviour.steps, behaviour.step_seconds
    fail, hang, queue_seconds = behaviour.fail, behaviour.hang, behaviour.queue_seconds
    result = behaviour.result
    if isinstance(result, str):
        result = result.replace("{prompt}", prompt)
    problem: str | None = None
    try:
        if "mock_steps" in config:
            steps = _count(config["mock_steps"], "mock_steps")
        if "mock_step_seconds" in config:
            step_seconds = _seconds(config["mock_step_seconds"], "mock_step_seconds")
        if "mock_queue_seconds" in config:
            queue_seconds = _seconds(config["mock_queue_seconds"], "mock_queue_seconds")
    except ValueError as exc:
        problem = str(exc)
    if "mock_fail" in config:
        raw = config["mock_fail"]
        fail = (raw if isinstance(raw, str) else MOCK_FAILURE) if raw else None
    if "mock_hang" in config:
        hang = bool(config["mock_hang"])
    if "mock_result" in config:
        result = config["mock_result"]
    return Plan(steps=int(steps), step_seconds=float(step_seconds), fail=fail, hang=bool(hang),
                queue_seconds=float(queue_seconds) if problem is None else 0.0, result=result,
                timeout=timeout, invalid_hint=problem)


def _count(raw: Any, name: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError(f"invalid config hint {name}: expected a whole number >= 0, got {raw!r}")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"invalid config hint {name}: expected a whole number >= 0, got {raw!r}") from None
    if not math.isfinite(value) or value < 0 or value != int(value) or value > 100_000:
        raise ValueError(f"invalid config hint {name}: expected a whole number 0..100000, got {raw!r}")
    return int(value)


def _seconds(raw: Any, name: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError(f"invalid config hint {name}: expected seconds >= 0, got {raw!r}")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"invalid config hint {name}: expected seconds >= 0, got {raw!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"invalid config hint {name}: expected finite seconds >= 0, got {raw!r}")
    return value
