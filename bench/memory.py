"""Resident bytes per finished run, measured with tracemalloc over many runs (then divided).

    python bench/memory.py [--runs 10000]

PraisonAI: runs with a short prompt and result, submitted as the HTTP layer does (a validated
`SubmitRequest`), finished, then each read once. Kinetica: 4-segment runs without output, finished,
measured unpolled (after one later request of any kind, as a live mock gets) and again after one
status poll each.
Everything allocated for the runs and still alive is counted; the model's fixed overhead is not.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockserver.clock import Clock
from mockserver.kinetica.models import KineticaModel
from mockserver.kinetica.requests import CreateProc, ExecuteProc, ShowProcStatus
from mockserver.praisonai.models import PraisonAIModel
from mockserver.praisonai.validation import validate_submit
from mockserver.scenario import Scenario, ScenarioStore

T0 = 1_700_000_000.0


def _measured(fill: Callable[[], object], runs: int) -> float:
    """Bytes per run still allocated after `fill()`, which adds `runs` runs to a model built before."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    keep = fill()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del keep
    return (after - before) / runs


def praisonai(runs: int) -> float:
    clock = Clock(T0, frozen=True)
    model = PraisonAIModel(clock, ScenarioStore())
    model.get(model.submit(validate_submit({"prompt": "warm-up"}))[0].job_id)   # imports, caches

    def fill() -> PraisonAIModel:
        for i in range(runs):
            body = validate_submit({"prompt": f"summarise ticket {i}", "config": {"mock_steps": 1,
                                                                            "mock_step_seconds": 0.5}})
            view, _ = model.submit(body)
            if i % 50 == 49:
                clock.advance(3)
        clock.advance(10)
        for view in model.views():
            assert view.status == "succeeded"
        return model

    return _measured(fill, runs)


def kinetica(runs: int, *, polled: bool) -> float:
    clock = Clock(T0, frozen=True)
    store = ScenarioStore(Scenario.from_dict({"kinetica": {"segments": 4}}))
    model = KineticaModel(clock, store)
    model.create_proc(CreateProc.from_record({"proc_name": "p", "execution_mode": "distributed", "files": {},
                                              "command": "python", "args": [], "options": {}}))
    request = ExecuteProc.from_record({"proc_name": "p", "params": {"duration_ms": "100"}, "bin_params": {},
                                       "input_table_names": [], "input_column_names": {},
                                       "output_table_names": [], "options": {}})
    warm_up = model.execute_proc(request)   # imports, caches
    clock.advance(10)
    model.show_proc_status(ShowProcStatus.from_record({"run_id": warm_up, "options": {}}))

    def fill() -> KineticaModel:
        ids = [model.execute_proc(request) for _ in range(runs)]
        clock.advance(10)
        # Some later request (here, the warm-up run's status), as a live mock always gets one.
        model.show_proc_status(ShowProcStatus.from_record({"run_id": warm_up, "options": {}}))
        if polled:
            for run_id in ids:
                model.show_proc_status(ShowProcStatus.from_record({"run_id": run_id, "options": {}}))
        return model

    return _measured(fill, runs)


def run(runs: int = 10_000) -> list[str]:
    rows = [("praisonai", "finished, short prompt and result, read once", praisonai(runs)),
            ("kinetica", "finished, 4 segments, no output, never polled", kinetica(runs, polled=False)),
            ("kinetica", "finished, 4 segments, no output, polled once", kinetica(runs, polled=True))]
    lines = [f"{'api':10} {'run':48} {'bytes/run':>9}  (target <= 1024; tracemalloc over {runs} runs)"]
    for api, what, size in rows:
        lines.append(f"{api:10} {what:48} {size:9.0f}  {'ok' if size <= 1024 else 'OVER'}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10_000)
    print("\n".join(run(parser.parse_args().runs)))


if __name__ == "__main__":
    main()
