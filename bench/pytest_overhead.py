"""What installing the kit adds to a user's `pytest --co` (issue 13's target: at most 0.1 s).

    python bench/pytest_overhead.py [--rounds 5]

Builds the wheel from this checkout, makes two fresh venvs (pytest alone; pytest and the base
install), and times `pytest --co -q` on one trivial test in a directory outside the checkout, the two
venvs alternating so that both see the same machine. The kit's plugin only imports the standard
library and a few of its own modules (tests/test_packaging.py checks that); the rest of the figure is
its dependencies' own pytest plugins (anyio's).

Timed twice: as Python runs by default, and with PYTHONDONTWRITEBYTECODE=1 (set on some CI machines and
this one). pytest rewrites the asserts of every module a plugin's distribution holds, and caches the
result beside the module's bytecode; without that cache anyio's plugin is rewritten on every run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def make_venv(where: Path, *requirements: str) -> Path:
    venv.create(where, with_pip=True)
    python = where / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", *requirements], check=True, capture_output=True)
    return python


def collect_seconds(python: Path, cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([python, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider"], cwd=cwd, env=env,
                   check=True, capture_output=True)
    return time.perf_counter() - start


def measure(rounds: int) -> list[str]:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(REPO), "-w", root],
                       check=True, capture_output=True)
        [wheel] = root.glob("*.whl")
        without = make_venv(root / "without", "pytest")
        base = make_venv(root / "base", "pytest", str(wheel))
        project = root / "project"
        project.mkdir()
        (project / "test_trivial.py").write_text("def test_one():\n    assert True\n")
        default = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        lines = [f"pytest --co, one trivial test, median of {rounds}:"]
        # Without bytecode writes first: once a run has written pytest's cache, later runs read it.
        for label, env in (("PYTHONDONTWRITEBYTECODE=1", default | {"PYTHONDONTWRITEBYTECODE": "1"}),
                           ("Python's default", default)):
            for python in (without, base):
                collect_seconds(python, project, env)  # warm the page cache; by default, write pytest's
            pairs = [(collect_seconds(without, project, env), collect_seconds(base, project, env))
                     for _ in range(rounds)]
            w = statistics.median(p[0] for p in pairs)
            b = statistics.median(p[1] for p in pairs)
            lines += [f"  {label}:",
                      f"    pytest alone            {w:.3f} s",
                      f"    with the base install   {b:.3f} s   (x{b / w:.2f}, +{b - w:.3f} s; target +0.100 s)"]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    print("\n".join(measure(parser.parse_args().rounds)))


if __name__ == "__main__":
    main()
