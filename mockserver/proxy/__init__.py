"""The validating, recording proxy: stands between a client and a live Kinetica or PraisonAI server,
passes every exchange on unchanged, checks it against the contract (schemas, and per run and per job
the lifecycle clauses an observer can judge) and records it in a cassette.

Modules: `forward` (passing requests and answers on), `observer` (what an API's judge of its traffic
is; each API package has one, `mockserver/<api>/observer.py`, named by its registry spec),
`lifecycle` (the suite's history rules, incrementally), `openapi_check`, `findings` (violations and
their evidence), `app` (the ASGI app), `report`, `runtime` (`Proxy`).
"""

from mockserver.proxy.app import PROFILES, VIOLATIONS_PATH, ProxyApp, proxy_apis
from mockserver.proxy.findings import Violation
from mockserver.proxy.runtime import Proxy

__all__ = ["PROFILES", "VIOLATIONS_PATH", "Proxy", "ProxyApp", "Violation", "proxy_apis"]
