"""A stateful mock of long-running-work APIs (Kinetica procs and jobs, PraisonAI async runs), and the
generator of their contract schemas.

The public surface: `Mock` (everything one mock holds, served in-process through `Mock.asgi(api)`),
`MockServer` (a `Mock` on real sockets) and `Clock` (the virtual time every model reads).
"""

from __future__ import annotations

from mockserver.clock import Clock
from mockserver.runtime import Mock, MockError, MockServer

__all__ = ["Clock", "Mock", "MockError", "MockServer"]
