"""No false failures: the suite passes the mock under every choice the contract leaves open.

The twin of the kill matrix. Every non-default choice of every latitude the mock can vary, and once
every latitude on a non-default choice at once, gets a whole run of the suite
(variation_matrix_runner.py, one subprocess per API and profile, in parallel); each must pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from contract_tests.latitudes import BY_ID
from mockserver import registry
from mockserver.runtime import latitudes
from tests.contract.matrix import VARIANTS, run_matrix
from tests.contract.variation_matrix_runner import ALL, BROKEN, FOLLOWS, choices, precision
from tests.once import once_per_run

RUNNER = Path(__file__).with_name("variation_matrix_runner.py")


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict]]:
    return once_per_run(tmp_path_factory, "variation-matrix", build_matrix)  # type: ignore[no-any-return]


def build_matrix(out: Path) -> dict[str, dict[str, dict]]:
    return run_matrix(RUNNER, out, "variant")


CASES = [(name, choice) for name, (api, profile) in VARIANTS.items() for choice in [*choices(api, profile), ALL]]
PRECISE = [(name, broken) for name, (api, profile) in VARIANTS.items() for broken in precision(api, profile)]


@pytest.mark.parametrize(("variant", "choice"), CASES, ids=[f"{v}:{c}" for v, c in CASES])
def test_every_allowed_choice_passes(matrix: dict[str, dict[str, dict]], variant: str, choice: str) -> None:
    result = matrix[variant][choice]
    assert result["exit"] == 0 and not result["failed"], (
        f"the suite failed a correct implementation ({choice}): clauses {result['failed']}\n{result['log']}")


@pytest.mark.parametrize(("variant", "broken"), PRECISE, ids=[f"{v}:{b}" for v, b in PRECISE])
def test_one_broken_clause_fails_that_clause_alone(matrix: dict[str, dict[str, dict]], variant: str,
                                                   broken: str) -> None:
    result = matrix[variant][broken]
    clause = broken[len(BROKEN):]
    assert result["exit"] != 0 and result["failed"] == sorted([clause, *FOLLOWS.get(clause, [])]), (
        f"breaking {clause} alone failed {result['failed']} (exit {result['exit']})\n{result['log']}")


def test_the_mock_varies_only_catalogued_latitudes_with_their_choices() -> None:
    for latitude in latitudes():
        entry = BY_ID.get(latitude.id)
        assert entry is not None, f"{latitude.id} is varied by the mock but not in contract_tests.latitudes"
        assert entry.api == latitude.api and entry.choices == latitude.choices, (
            f"{latitude.id}: the mock's choices {latitude.choices} differ from the catalog's {entry.choices}")


def test_every_non_default_choice_has_its_rewrite_or_is_made_at_start() -> None:
    for spec in registry.specs():
        found = spec.latitudes()
        if found is None:
            continue
        rewritten = set(found.rewrites.clauses)
        for latitude in found.latitudes:
            for choice in latitude.choices[1:]:
                assert f"{latitude.id}={choice}" in rewritten or latitude.id in found.start_only, (
                    f"{latitude.id}={choice} has no rewrite in the mock")
