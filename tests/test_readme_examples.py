"""The README's fixture examples, run as written: every ```python block after a
`<!-- readme-example -->` marker, in order, as one test module in a pytest of its own (the kit's
plugin gives it the `kinetica_mock` and `praisonai_mock` fixtures, as it would a user's project)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

MARKER = re.compile(r"<!-- readme-example -->\s*```python\n(.*?)```", re.S)


def examples() -> list[str]:
    return MARKER.findall((REPO / "README.md").read_text(encoding="utf-8"))


def test_the_readme_has_an_example_per_situation() -> None:
    text = "\n".join(examples())
    for situation in ("fail_segment", "kill_run", "timeout", "cancel_run", "load_scenario_preset",
                      "journal.entries", "faults.add", '"until"', "vary="):
        assert situation in text, f"no README example uses {situation}"


def test_the_readme_examples_pass(tmp_path: Path) -> None:
    module = tmp_path / "test_readme.py"
    module.write_text("\n\n".join(examples()), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(module), "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         "-p", "contract_tests.plugin"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    summary = result.stdout[-4000:] + result.stderr[-2000:]
    assert result.returncode == 0, summary
    tests = sum(block.count("\ndef test_") + block.startswith("def test_") for block in examples())
    assert f"{tests} passed" in summary, summary
