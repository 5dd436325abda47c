"""Where the shipped data lives: `schemas/` and `fixtures/`.

In a checkout (or an editable install) they sit beside the package; a wheel carries them inside it
under `mockserver/_data/`.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {name}/ folder is neither inside the package nor beside it")


def schemas_dir() -> Path:
    return _data_dir("schemas")


def fixtures_dir() -> Path:
    return _data_dir("fixtures")
