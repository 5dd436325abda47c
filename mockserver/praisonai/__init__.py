"""The PraisonAI async-jobs half of the mock: runs model, two profiles, Starlette app.

Public entry points: `PraisonAIModel` (mockserver.praisonai.models), `create_praisonai_app`
(mockserver.praisonai.app), `get_profile` / `PROFILES` (mockserver.praisonai.profiles); the API
registers itself with the mock in mockserver.praisonai.api. Kept import-light: importing one module of
the package does not import the others.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PROFILES", "PraisonAIModel", "create_praisonai_app", "get_profile"]


def __getattr__(name: str) -> Any:
    if name == "PraisonAIModel":
        from mockserver.praisonai.models import PraisonAIModel
        return PraisonAIModel
    if name == "create_praisonai_app":
        from mockserver.praisonai.app import create_praisonai_app
        return create_praisonai_app
    if name in ("PROFILES", "get_profile"):
        from mockserver.praisonai import profiles
        return getattr(profiles, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
