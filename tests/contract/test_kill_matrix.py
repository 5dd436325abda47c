"""Detection power: the suite catches the mock broken on purpose, one clause at a time.

Every clause of every family that has a misbehaviour switch is broken in turn (kill_matrix_runner.py,
three subprocesses in parallel: Kinetica, PraisonAI impl, PraisonAI docs); each variant must make the
suite fail with that very clause marked failed in the conformance report.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from contract_tests.clauses import clauses_for, families
from mockserver import registry
from tests.contract.matrix import VARIANTS, run_matrix
from tests.once import once_per_run

RUNNER = Path(__file__).with_name("kill_matrix_runner.py")


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict]]:
    return once_per_run(tmp_path_factory, "kill-matrix", build_matrix)  # type: ignore[no-any-return]


def build_matrix(out: Path) -> dict[str, dict[str, dict]]:
    return run_matrix(RUNNER, out, "clause")


CASES = [(name, c.id) for name, (api, profile) in VARIANTS.items() for c in clauses_for(api, profile)]


@pytest.mark.parametrize(("variant", "clause"), CASES, ids=[f"{v}:{c}" for v, c in CASES])
def test_each_broken_clause_is_caught(matrix: dict[str, dict[str, dict]], variant: str, clause: str) -> None:
    result = matrix[variant].get(clause)
    assert result is not None, f"{clause} has no misbehaviour switch: the suite's power to catch it is unproven"
    assert result["exit"] != 0 and result["verdict"] == "failed", (
        f"breaking {clause} went unnoticed (exit {result['exit']}, verdict {result['verdict']}):\n{result['log']}")


@pytest.mark.parametrize("api", ["kinetica", "praisonai"])
def test_every_family_has_a_switch(api: str) -> None:
    switched = {c.rsplit("-", 1)[0] for c in registry.get(api).breakers().clauses}
    assert set(families(api)) <= switched, f"families without a misbehaviour switch: {set(families(api)) - switched}"
