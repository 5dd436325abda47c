"""Shared test helpers: where the doc pages are."""

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
