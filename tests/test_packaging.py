"""A user who runs `pip install <repo>` gets the schemas and fixtures inside the distribution."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import REPO


def test_the_wheel_carries_schemas_and_fixtures(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(REPO), "-w", str(tmp_path)],
                   check=True, capture_output=True, timeout=300)
    [wheel] = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    data = {p.relative_to(REPO).as_posix() for folder in ("schemas", "fixtures") for p in (REPO / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}
    missing = {f"mockserver/_data/{name}" for name in data} - names
    assert not missing
    assert "mockserver/spec/loader.py" in names and "contract_tests/__init__.py" in names
    # The inspector page is package data: served from the installed package, no build step.
    assert {f"mockserver/inspector/{name}" for name in ("index.html", "inspector.js", "inspector.css")} <= names
