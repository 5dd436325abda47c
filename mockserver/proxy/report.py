"""The proxy's findings in the suite's conformance report format (`contract_tests.report`).

Each violation is a failed outcome of its clause, with its last exchange as the evidence (request,
response and a curl command, credentials redacted); each clause the observer judged without finding
anything is passed; the catalog's other clauses are not covered, since a passive observer judges only
what the traffic shows.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from contract_tests.clauses import clauses_for
from contract_tests.report import ClauseLedger, OutcomeRecord, write_reports
from mockserver.journal import REDACTED, is_secret_header
from mockserver.proxy.findings import Evidence, Violation

__all__ = ["ledger_of", "write_proxy_report"]


def _body(text: str) -> bytes:
    if text.startswith("base64:"):
        return base64.b64decode(text[len("base64:"):])
    return text.encode("utf-8")


def _shown(evidence: Evidence, target: str) -> dict[str, str]:
    """An exchange as the report shows one (what contract_tests.target.Exchange renders)."""
    from contract_tests.target import Exchange  # the conformance extra: only when a report is asked for

    query = f"?{evidence['query']}" if evidence.get("query") else ""
    headers = {k: (REDACTED if is_secret_header(k) else v) for k, v in evidence["request_headers"]}
    response_body = _body(evidence.get("event") or evidence["response_body"])
    return Exchange(evidence["method"], target + evidence["path"] + query, headers,
                    _body(evidence["request_body"]), evidence["status"], dict(evidence["response_headers"]),
                    response_body).to_dict()


def ledger_of(violations: list[Violation], judged: set[str], target: str) -> ClauseLedger:
    ledger = ClauseLedger()
    for v in violations:
        ledger.add(OutcomeRecord(f"proxy violation #{v.number} (exchange #{v.evidence[-1]['exchange']})",
                                 [v.clause], "call", "failed", v.message,
                                 [_shown(e, target) for e in v.evidence]))
    for clause in sorted(judged):
        ledger.add(OutcomeRecord("proxy: observed traffic", [clause], "call", "passed"))
    return ledger


def write_proxy_report(directory: str | Path, *, api: str, profile: str, target: str,
                       violations: list[Violation], judged: set[str]) -> dict[str, Any]:
    catalog = clauses_for(api, profile)
    ledger = ledger_of(violations, judged, target)
    failed = 1 if violations else 0
    return write_reports(Path(directory), ledger, catalog, targets={api: target}, profile=profile,
                         exitstatus=failed)
