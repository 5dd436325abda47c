"""The profile objects: every listed difference is encoded by a member both profiles define
differently, and the README table has one row per difference with both sources."""

from __future__ import annotations

import re

import pytest

from mockserver.praisonai.profiles import (
    DIFFERENCES,
    DOCS,
    IMPL,
    DocsProfile,
    ImplProfile,
    Profile,
    differences_markdown,
    get_profile,
)
from tests.conftest import REPO


@pytest.mark.parametrize("difference", DIFFERENCES, ids=lambda d: f"{d.member}:{d.topic}")
def test_each_difference_is_a_profile_member_that_differs(difference) -> None:
    assert hasattr(Profile, difference.member)
    impl = ImplProfile.__dict__.get(difference.member, Profile.__dict__.get(difference.member))
    docs = DocsProfile.__dict__.get(difference.member, Profile.__dict__.get(difference.member))
    assert impl is not docs
    assert re.search(r"\.mdx:\d+", difference.docs_source)
    assert re.search(r"\.py:\d+", difference.impl_source)


def test_markdown_table_has_a_row_per_difference() -> None:
    table = differences_markdown().splitlines()
    assert len(table) == 2 + len(DIFFERENCES)
    assert all(row.count("|") >= 5 for row in table)


def test_profiles_by_name() -> None:
    assert get_profile("impl") is IMPL and get_profile("docs") is DOCS and get_profile(None) is IMPL
    assert get_profile(DOCS) is DOCS
    with pytest.raises(ValueError, match="unknown PraisonAI profile"):
        get_profile("draft")


def test_timestamps() -> None:
    t = 1_767_225_600.25
    assert IMPL.timestamp(t) == "2026-01-01T00:00:00.250000Z"
    assert IMPL.timestamp(1_767_225_600.0) == "2026-01-01T00:00:00Z"   # pydantic drops a zero fraction
    assert DOCS.timestamp(t) == "2026-01-01T00:00:00Z"


def test_the_readme_shows_the_differences_the_profiles_encode() -> None:
    assert differences_markdown() in (REPO / "README.md").read_text(encoding="utf-8")
