"""A stateful mock of long-running-work APIs (Kinetica procs and jobs, PraisonAI async runs), and the
generator of their contract schemas.

The public surface: `Mock` (everything one mock holds, served in-process through `Mock.asgi(api)`),
`MockServer` (a `Mock` on real sockets) and `Clock` (the virtual time every model reads).

PYTEST_DONT_REWRITE: the `contract-tests` script imports this package (its command-line parser, the API
registry) before pytest starts; it has no assertions to rewrite, and the marker keeps pytest from
warning that it cannot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Clock", "Mock", "MockError", "MockServer"]

if TYPE_CHECKING:
    from mockserver.clock import Clock
    from mockserver.runtime import Mock, MockError, MockServer


def __getattr__(name: str) -> Any:
    # Imported on first use: `mockserver.registry` (read by the pytest plugin in every pytest run of
    # an environment with the kit) must not pull in the whole mock.
    if name == "Clock":
        from mockserver.clock import Clock

        return Clock
    if name in ("Mock", "MockError", "MockServer"):
        from mockserver import runtime

        return getattr(runtime, name)
    raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
