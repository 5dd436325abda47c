"""The validating, recording proxy: stands between a client and a live Kinetica or PraisonAI server,
passes every exchange on unchanged, checks it against the contract (schemas, and per run and per job
the lifecycle clauses an observer can judge) and records it in a cassette.

Modules: `forward` (passing requests and answers on), `observer`, `kinetica`, `praisonai` (what each
API's traffic says), `lifecycle` (the suite's history rules, incrementally), `openapi_check`,
`findings` (violations and their evidence), `app` (the ASGI app), `report`, `runtime` (`Proxy`).
"""

from mockserver.proxy.app import APIS, PROFILES, VIOLATIONS_PATH, ProxyApp
from mockserver.proxy.findings import Violation
from mockserver.proxy.runtime import Proxy

__all__ = ["APIS", "PROFILES", "VIOLATIONS_PATH", "Proxy", "ProxyApp", "Violation"]
