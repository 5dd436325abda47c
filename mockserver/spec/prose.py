"""Facts the pages state in prose rather than in attributes: defaults, allowed values, bounds.

Kinetica writes "The default value is `100`." and "The supported values are:" followed by a bullet
list; status fields list their values as `* **running**: ...`. PraisonAI writes "One of: `a`, `b`"
or "status: `queued`, `running`, or `failed`", and "Maximum: 100.".
"""

from __future__ import annotations

import re

_DEFAULT = re.compile(r"The default value is (.+?)\.?\s*$", re.MULTILINE)
_SUPPORTED = re.compile(r"The supported values are:\s*\n((?:\s*\*\s+.+\n?)+)")
_BULLET_VALUE = re.compile(r"^\s*\*\s+(?:\*\*([^*]+)\*\*:.*|([^\s:*]+))\s*$", re.MULTILINE)
_STATUS_BULLETS = re.compile(r"((?:^\s*\*\s+\*\*[^*]+\*\*:.*\n?){2,})", re.MULTILINE)
_BACKTICK_LIST = re.compile(r"(?:One of|status):\s*(`[^`]+`(?:(?:,\s*|,?\s+or\s+)`[^`]+`)+)")
_QUOTED_LIST = re.compile(r"^'([^']+)'(?: or '([^']+)')+")
_MAXIMUM = re.compile(r"Maximum:\s*(\d+)")
_ONE_BASED = re.compile(r"\(1-indexed\)|^Number of \w+ per page\b")
_ESCAPE = re.compile(r"\\([_{}\[\]*])")


def clean(description: str) -> str:
    """The description as a reader sees it: markdown escapes removed, whitespace tidied."""
    return _ESCAPE.sub(r"\1", description).strip()


def default_literal(description: str) -> str | None:
    """The documented default as written, e.g. "an empty map ( {} )", "''", "`100`"."""
    match = _DEFAULT.search(clean(description))
    return match.group(1).strip() if match else None


def default_value(literal: str, json_type: str | None) -> object:
    """A documented default as a JSON value of the field's type."""
    text = literal.strip()
    if text.startswith("an empty map"):
        return {}
    if text.startswith("an empty array"):
        return []
    if text == "''":
        return ""
    text = text.strip("`")
    if json_type == "integer":
        return int(text)
    if json_type == "number":
        return float(text)
    if json_type == "boolean":
        return text == "true"
    return text


def allowed_values(description: str) -> list[str] | None:
    """The closed list of values a description gives, in the page's order, if it gives one."""
    text = clean(description)
    if match := _SUPPORTED.search(text + "\n"):
        return _bullets(match.group(1))
    if match := _STATUS_BULLETS.search(text + "\n"):
        return _bullets(match.group(1))
    if match := _BACKTICK_LIST.search(text):
        return re.findall(r"`([^`]+)`", match.group(1))
    return None


def quoted_alternatives(description: str) -> list[str] | None:
    """`'OK' or 'ERROR'` -> ["OK", "ERROR"]."""
    text = clean(description)
    if _QUOTED_LIST.match(text):
        return re.findall(r"'([^']+)'", text.split(" in case")[0])
    return None


def minimum(description: str) -> int | None:
    """The least value a number may take: 1 for an index counted from one ("1-indexed") and for a
    count of things per page ("Number of jobs per page"), which an empty page could not be."""
    if _ONE_BASED.search(description):
        return 1
    return None


def maximum(description: str) -> int | None:
    match = _MAXIMUM.search(description)
    return int(match.group(1)) if match else None


def _bullets(block: str) -> list[str]:
    return [bold or plain for bold, plain in _BULLET_VALUE.findall(block)]
