"""Fixtures for the Kinetica tests: a frozen clock, a scenario store, a model, request builders."""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

import pytest

from mockserver.clock import Clock
from mockserver.kinetica.models import KineticaModel
from mockserver.kinetica.records import KineticaRecords
from mockserver.scenario import ScenarioStore

T0 = 1_700_000_000.0


@pytest.fixture
def clock() -> Clock:
    return Clock(T0, frozen=True)


@pytest.fixture
def store() -> ScenarioStore:
    return ScenarioStore()


@pytest.fixture
def model(clock: Clock, store: ScenarioStore) -> KineticaModel:
    return KineticaModel(clock, store)


_RECORDS: WeakKeyDictionary[KineticaModel, KineticaRecords] = WeakKeyDictionary()


def api(model: KineticaModel) -> KineticaRecords:
    """The model as the HTTP layer speaks to it: Avro-field records in and out (one per model)."""
    if model not in _RECORDS:
        _RECORDS[model] = KineticaRecords(model)
    return _RECORDS[model]


def create_proc_req(name: str = "p", mode: str = "distributed", **options: str) -> dict[str, Any]:
    return {"proc_name": name, "execution_mode": mode, "files": {"p.py": b"print(1)\n"},
            "command": "python", "args": ["p.py"], "options": dict(options)}


def execute_req(name: str = "p", params: dict[str, str] | None = None, *, tables: list[str] | None = None,
                columns: dict[str, list[str]] | None = None, outputs: list[str] | None = None,
                bin_params: dict[str, bytes] | None = None, **options: str) -> dict[str, Any]:
    return {"proc_name": name, "params": dict(params or {}), "bin_params": dict(bin_params or {}),
            "input_table_names": list(tables or []), "input_column_names": dict(columns or {}),
            "output_table_names": list(outputs or []), "options": dict(options)}


def status_req(run_id: str = "", **options: str) -> dict[str, Any]:
    return {"run_id": run_id, "options": dict(options)}


def kill_req(run_id: str = "", **options: str) -> dict[str, Any]:
    return {"run_id": run_id, "options": dict(options)}
