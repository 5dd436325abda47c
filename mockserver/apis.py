"""Where the APIs are, and their names, found without importing them.

A built-in API is a package `mockserver/<name>/` holding an `api` module; others come from the
`mockserver.apis` entry point group (other distributions) or `MOCKSERVER_APIS` (modules, comma-
separated). The pytest plugin, loaded in every pytest run of an environment with the kit, needs only
the names (its fixtures are `<name>_mock`): reading them from the disk keeps that run from importing
the mock. The registry (`mockserver.registry`) imports the modules themselves when an API is used.
"""

from __future__ import annotations

import os

__all__ = ["ENTRY_POINT_GROUP", "ENV_VAR", "builtin_names", "extra_modules", "names"]

ENV_VAR = "MOCKSERVER_APIS"
ENTRY_POINT_GROUP = "mockserver.apis"


def builtin_names() -> list[str]:
    """The packages `mockserver/<name>/` that hold an `api` module, from the disk."""
    root = os.path.dirname(os.path.abspath(__file__))
    return sorted(entry.name for entry in os.scandir(root)
                  if entry.is_dir() and os.path.isfile(os.path.join(entry.path, "__init__.py"))
                  and os.path.isfile(os.path.join(entry.path, "api.py")))


def extra_modules() -> list[str]:
    """The modules of APIs from other distributions (entry points) and from `MOCKSERVER_APIS`."""
    from importlib.metadata import entry_points

    found = [ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)]
    return found + [name.strip() for name in os.environ.get(ENV_VAR, "").split(",") if name.strip()]


def names() -> tuple[str, ...]:
    """Every API's name; an API from elsewhere is imported to learn its own."""
    if not extra_modules():
        return tuple(builtin_names())
    from mockserver import registry

    return registry.declared_names()
