"""Process-wide ids (mockserver.ids): never the same twice, in the APIs' own formats."""

from __future__ import annotations

import re
import threading

from mockserver import registry
from mockserver.ids import _MASK48, IdCounter, positions, scramble48, seek
from mockserver.praisonai.models import new_job_id


def test_a_counter_counts_from_one_and_never_repeats_across_threads() -> None:
    counter = IdCounter()
    assert counter.next() == 1
    seen: list[int] = []
    threads = [threading.Thread(target=lambda: seen.extend(counter.next() for _ in range(500))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(2, 2002))


def test_praisonai_ids_look_like_the_reference_and_do_not_look_consecutive() -> None:
    ids = [new_job_id() for _ in range(3)]
    assert all(re.fullmatch(r"run_[0-9a-f]{12}", j) for j in ids) and len(set(ids)) == 3
    assert len({j[4:8] for j in ids}) > 1


def test_the_scramble_keeps_distinct_numbers_distinct() -> None:
    sample = list(range(0, 200_000)) + [_MASK48 - k for k in range(1000)]
    out = {scramble48(n) for n in sample}
    assert len(out) == len(sample) and max(out) <= _MASK48


def test_positions_and_seek_move_the_named_counters_forward_only_when_asked() -> None:
    counter = IdCounter()
    counters = {"run": counter}
    seek(counters, {"run": 10})
    assert counter.next() == 10 and positions(counters) == {"run": 11}
    seek(counters, {"run": 5}, forward_only=True)   # never back: 5..10 were handed out
    assert counter.next() == 11
    seek(counters, {"no.such": 3})                   # a counter not given is left alone
    assert positions(counters) == {"run": 12}


def test_each_api_declares_its_own_counters() -> None:
    assert set(registry.get("kinetica").id_counters) == {"run", "job"}
    assert set(registry.get("praisonai").id_counters) == {"job"}
