"""The soak (tools/soak.py), small: 64 clients, a few operations each, the invariants checked."""

from __future__ import annotations

import asyncio

from mockserver.runtime import MockServer
from tools.soak import History, Observation, check, soak


def test_a_small_soak_keeps_every_invariant() -> None:
    with MockServer(frozen_clock=True) as server:
        report = asyncio.run(soak(server.urls, clients=64, ops=4, seed=3))
    summary = report.to_dict()
    assert report.ok, summary
    assert summary["requests"] >= 64 * 4 and report.observations > 100
    assert report.runs["praisonai"] > 0 and report.runs["kinetica"] > 0 and report.clock_jumps > 0


def _seen(subject: str, status: str, sent: float, received: float, what: str = "status") -> Observation:
    return Observation(subject, status, sent, received, what)


def test_the_checker_finds_each_kind_of_violation() -> None:
    history = History()
    history.observations += [
        _seen("praisonai:a", "running", 0, 1), _seen("praisonai:a", "queued", 2, 3),         # goes back
        _seen("praisonai:b", "cancelled", 0, 1), _seen("praisonai:b", "succeeded", 2, 3),    # un-cancels
        _seen("kinetica:1:0", "killed", 0, 1), _seen("kinetica:1:0", "complete", 2, 3),      # un-kills
        _seen("kinetica:2:0", "running", 5, 6),                                              # after a kill
        # Overlapping requests may see either order: not a violation.
        _seen("praisonai:c", "succeeded", 0, 4), _seen("praisonai:c", "running", 1, 2),
    ]
    history.stops["kinetica:2"] = 4
    found = check(history)
    assert len(found) == 4, found
    assert {f.split(":")[1] for f in found if f.startswith("praisonai")} == {"a", "b"}
