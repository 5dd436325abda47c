"""Where the APIs are, and their names, found without importing them.

A built-in API is a package `mockserver/<name>/` holding an `api` module; others come from the
`mockserver.apis` entry point group (other distributions) or `MOCKSERVER_APIS` (modules, comma-
separated). The pytest plugin, loaded in every pytest run of an environment with the kit, needs only
the names (its fixtures are `<name>_mock`): reading them from the disk keeps that run from importing
the mock. The registry (`mockserver.registry`) imports the modules themselves when an API is used.
"""

from __future__ import annotations

import importlib
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


def extra_modules(*, distributions: bool = True) -> list[str]:
    """The modules of APIs from `MOCKSERVER_APIS` and (`distributions`) other distributions' entry points."""
    found = [name.strip() for name in os.environ.get(ENV_VAR, "").split(",") if name.strip()]
    if distributions:
        from importlib.metadata import entry_points

        found = [ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)] + found
    return found


def names(*, distributions: bool = True) -> tuple[str, ...]:
    """Every API's name; an API from elsewhere is imported to learn its own. Without `distributions`,
    other distributions' APIs are left out, and nothing reads their metadata (the pytest plugin's
    fixtures: such an API's distribution can bring its own)."""
    extras = extra_modules(distributions=distributions)
    if not extras:
        return tuple(builtin_names())
    from mockserver import registry

    builtin = builtin_names()
    for module in extras:
        importlib.import_module(module)
    return (*builtin, *(name for name in registry.registered_names() if name not in builtin))
