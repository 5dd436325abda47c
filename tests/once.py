"""Work done once per test run, whichever pytest-xdist worker asks first.

`xdist_group` is not honoured by every pytest/pytest-xdist pairing (pytest 9.2 with xdist 3.8 spreads
a group over workers), so a costly module fixture (the kill matrix, the variation matrix) would be
built on each worker that runs one of its tests. Workers share the parent of their base temp
directories: the first to take the lock builds the result and writes it there as JSON, the others wait
for the lock and read it.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def once_per_run(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], Any]) -> Any:
    """`build(workdir)` once per run (a JSON-serialisable result); every caller gets its result."""
    root = factory.getbasetemp()
    if root.name.startswith("popen-gw"):  # under xdist: the directory all workers share
        root = root.parent
    result = root / f"{name}.json"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result.exists():
            workdir = root / name
            workdir.mkdir(exist_ok=True)
            result.write_text(json.dumps(build(workdir)))
    return json.loads(result.read_text())
