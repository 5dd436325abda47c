"""Shared test helpers: where the doc pages are; optional interop peers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = Path(os.environ.get("MOCKSERVER_DOCS", REPO.parent / "shared" / "docs"))


@pytest.fixture(scope="session")
def docs() -> Path:
    """The doc pages the schemas are generated from (../shared/docs beside the checkout)."""
    if not (DOCS / "kinetica").is_dir():
        pytest.skip(f"doc pages not found at {DOCS} (set MOCKSERVER_DOCS to point at them)")
    return DOCS


def require_in_ci(reason: str) -> None:
    """Skip a test whose peer (a reference server, a client package) is missing; in CI, fail instead,
    since CI installs every peer and a silent skip there would hide a broken setup."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run this test: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)
