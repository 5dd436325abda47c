"""Process-wide ids (mockserver.ids): never the same twice, in the APIs' own formats."""

from __future__ import annotations

import re
import threading

from mockserver.ids import _MASK48, IdCounter, _scramble48, praisonai_job_id


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
    ids = [praisonai_job_id() for _ in range(3)]
    assert all(re.fullmatch(r"run_[0-9a-f]{12}", j) for j in ids) and len(set(ids)) == 3
    assert len({j[4:8] for j in ids}) > 1


def test_the_scramble_keeps_distinct_numbers_distinct() -> None:
    sample = list(range(0, 200_000)) + [_MASK48 - k for k in range(1000)]
    out = {_scramble48(n) for n in sample}
    assert len(out) == len(sample) and max(out) <= _MASK48


def test_positions_and_seek_move_the_named_counters_forward_only_when_asked() -> None:
    from mockserver import ids

    before = ids.positions()
    try:
        ids.seek({"kinetica.run": 10})
        assert ids.KINETICA_RUN_IDS.next() == 10 and ids.positions()["kinetica.run"] == 11
        ids.seek({"kinetica.run": 5}, forward_only=True)   # never back: 5..10 were handed out
        assert ids.KINETICA_RUN_IDS.next() == 11
        ids.seek({"no.such": 3})                           # a counter this process does not have
    finally:
        ids.seek(before, forward_only=True)
