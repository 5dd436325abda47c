from __future__ import annotations

import pytest

from mockserver.spec import prose


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("Optional.\n\nThe default value is an empty map ( \\{} ).", "object", {}),
    ("Names.\n\nThe default value is an empty array ( \\[] ).", "array", []),
    ("A tag.\n\nThe default value is ''.", "string", ""),
    ("Lines.\n\nThe default value is `100`.", "string", "100"),
    ("Lines.\n\nThe default value is `100`.", "integer", 100),
])
def test_defaults(text: str, kind: str, value: object) -> None:
    literal = prose.default_literal(text)
    assert literal is not None and prose.default_value(literal, kind) == value


def test_no_default_when_the_page_gives_none() -> None:
    assert prose.default_literal("Name of the proc to execute.") is None


def test_supported_values_and_status_bullets_and_backtick_lists() -> None:
    assert prose.allowed_values("If true.\n\nThe supported values are:\n\n* true\n* false\n") == ["true", "false"]
    statuses = "Statuses.\n\n* **running**: Running.\n* **complete**: Done.\n* **none**: Not yet."
    assert prose.allowed_values(statuses) == ["running", "complete", "none"]
    assert prose.allowed_values("Current job status: `a`, `b`, or `c`.") == ["a", "b", "c"]
    assert prose.allowed_values("Filter. One of: `x`, `y`.") == ["x", "y"]
    assert prose.allowed_values("The proc name, e.g. `p1`.") is None


def test_quoted_alternatives_and_maximum() -> None:
    assert prose.quoted_alternatives("'OK' or 'ERROR'") == ["OK", "ERROR"]
    assert prose.quoted_alternatives("'x\\_response' or 'none' in case of an error") == ["x_response", "none"]
    assert prose.maximum("Number of jobs per page. Maximum: 100.") == 100
