"""The clause catalog: well-formed, sourced, and every clause checked by at least one test."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from contract_tests.clauses import BY_ID, CLAUSES, clauses_for, families

SUITE = Path(__file__).resolve().parents[2] / "contract_tests"
ID = re.compile(r"^(KIN|PRA)-[A-Z]{2,4}-\d{3}[DI]?$")


def marked_clauses() -> dict[str, set[str]]:
    """Clause id -> the test functions (file::name) that carry it in a @clause / @pytest.mark.clause marker."""
    found: dict[str, set[str]] = {}
    for path in SUITE.rglob("test_*.py"):
        tree = ast.parse(path.read_text())
        # Module-level tuples of clause ids, used in markers as `*NAME`.
        shared = {t.id: [e.value for e in node.value.elts if isinstance(e, ast.Constant)]
                  for node in tree.body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple)
                  for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and ast.unparse(deco.func) in ("clause", "pytest.mark.clause"):
                    for arg in deco.args:
                        names = [arg.value] if isinstance(arg, ast.Constant) else (
                            shared.get(arg.value.id, []) if isinstance(arg, ast.Starred)
                            and isinstance(arg.value, ast.Name) else [])
                        for name in names:
                            found.setdefault(name, set()).add(f"{path.name}::{node.name}")
    return found


def test_ids_are_unique_and_well_formed() -> None:
    ids = [c.id for c in CLAUSES]
    assert len(ids) == len(set(ids))
    assert all(ID.match(i) for i in ids), [i for i in ids if not ID.match(i)]
    assert all(c.api == ("kinetica" if c.id.startswith("KIN") else "praisonai") for c in CLAUSES)
    for c in CLAUSES:
        if c.id.endswith("D"):
            assert c.profiles == {"docs"}, c.id
        if c.id.endswith("I"):
            assert c.profiles == {"impl"}, c.id


def test_doc_sources_point_at_real_lines(docs: Path) -> None:
    for c in CLAUSES:
        m = re.match(r"^(kinetica|praisonai)/([\w.-]+\.mdx?):(\d+)$", c.source)
        if not m:
            continue
        page = docs / m.group(1) / m.group(2)
        lines = page.read_text().splitlines()
        assert 1 <= int(m.group(3)) <= len(lines), f"{c.id}: {c.source} is past the end of the page"
        assert lines[int(m.group(3)) - 1].strip(), f"{c.id}: {c.source} points at a blank line"


def test_every_clause_is_checked_by_a_test() -> None:
    marked = marked_clauses()
    assert not set(marked) - set(BY_ID), f"markers naming unknown clauses: {set(marked) - set(BY_ID)}"
    missing = [c.id for c in CLAUSES if c.id not in marked]
    assert not missing, f"clauses no test checks: {missing}"


@pytest.mark.parametrize("page", ["execute_proc.md", "show_proc_status.md", "kill_proc.md", "get_job.md"])
def test_every_kinetica_page_has_clauses(page: str) -> None:
    assert any(c.source.startswith(f"kinetica/{page}:") for c in CLAUSES), page


def test_get_run_status_fields_each_have_a_clause(docs: Path) -> None:
    page = (docs / "praisonai" / "get-run-status.mdx").read_text().splitlines()
    field_lines = [i + 1 for i, line in enumerate(page) if line.startswith("<ResponseField")]
    cited = {int(c.source.rsplit(":", 1)[1]) for c in CLAUSES if c.source.startswith("praisonai/get-run-status.mdx:")}
    assert set(field_lines) <= cited, f"status fields without a clause: lines {sorted(set(field_lines) - cited)}"


def test_coverage_figures() -> None:
    marked = marked_clauses()
    for api in ("kinetica", "praisonai"):
        for profile in ("impl", "docs"):
            catalog = clauses_for(api, profile)
            assert catalog and all(c.id in marked for c in catalog), (api, profile)
        assert families(api)
