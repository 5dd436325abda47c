"""The conformance report: each clause passed, failed, skipped or not covered, with evidence.

Written as Markdown (`conformance.md`) and as one self-contained HTML page (`conformance.html`,
inline CSS, no scripts or external assets). JUnit XML comes from pytest's own writer, pointed at
the same folder by the plugin. For every failure: the request, the response, what was expected
(the assertion message) and a curl command that reproduces the last request.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from contract_tests.clauses import Clause

# Verdicts, worst first. "advisory": the target departs from something the pages show without
# requiring it; "blocked": every test of the clause stopped on another clause's failure.
ORDER = ("failed", "advisory", "passed", "blocked", "skipped", "not covered")
# What the reports give evidence for, with the heading of their section.
EVIDENCED = {"failed": "Failures", "advisory": "Advisories"}


@dataclass
class OutcomeRecord:
    nodeid: str
    clauses: list[str]
    phase: str
    outcome: str  # passed | failed | skipped | blocked | advisory
    message: str = ""
    exchanges: list[dict[str, str]] = field(default_factory=list)


@dataclass
class ClauseLedger:
    records: list[OutcomeRecord] = field(default_factory=list)
    # How the code under test behaved as a client of the fixtures' mocks (mockserver.grading), one
    # verdict's dict per (test, client, rule) that had something to judge, with the test's nodeid.
    client_verdicts: list[dict[str, Any]] = field(default_factory=list)

    def add(self, record: OutcomeRecord) -> None:
        self.records.append(record)

    def for_clause(self, clause_id: str) -> list[OutcomeRecord]:
        return [r for r in self.records if clause_id in r.clauses]

    def verdict(self, clause_id: str) -> str:
        outcomes = {r.outcome for r in self.for_clause(clause_id)}
        return next((v for v in ORDER if v in outcomes), "not covered")


@dataclass
class Summary:
    counts: dict[str, int]
    total: int

    @property
    def covered(self) -> int:
        return self.total - self.counts.get("not covered", 0)


def summarise(ledger: ClauseLedger, catalog: Iterable[Clause]) -> Summary:
    clauses = list(catalog)
    counts = {k: 0 for k in ORDER}
    for c in clauses:
        counts[ledger.verdict(c.id)] += 1
    return Summary(counts, len(clauses))


def _note(ledger: ClauseLedger, clause_id: str, verdict: str) -> str:
    """Why a clause was skipped or blocked (the first reason given)."""
    if verdict not in ("skipped", "blocked"):
        return ""
    reasons = [r.message for r in ledger.for_clause(clause_id) if r.outcome == verdict and r.message]
    return reasons[0] if reasons else ""


def render_markdown(ledger: ClauseLedger, catalog: list[Clause], *, targets: dict[str, str], profile: str,
                    exitstatus: int = 0) -> str:
    summary = summarise(ledger, catalog)
    lines = ["# Conformance report", ""]
    for api, url in targets.items():
        lines.append(f"- Target ({api}): `{url}`")
    lines += [f"- Profile: `{profile}`", f"- Generated: {datetime.now(UTC).isoformat(timespec='seconds')}",
              f"- pytest exit status: {exitstatus}", "",
              "**" + ", ".join(f"{summary.counts[k]} {k}" for k in ORDER) + "** "
              f"of {summary.total} clauses (covered by a test: {summary.covered}/{summary.total}).", "",
              "| Clause | Verdict | Statement | Source | Note |", "|---|---|---|---|---|"]
    for c in catalog:
        verdict = ledger.verdict(c.id)
        note = _note(ledger, c.id, verdict)
        lines.append(f"| {c.id} | {verdict} | {_md(c.statement)} | `{c.source}` | {_md(note[:160])} |")
    for verdict, heading in EVIDENCED.items():
        shown = [c for c in catalog if ledger.verdict(c.id) == verdict]
        if shown:
            lines += ["", f"## {heading}", ""]
        for c in shown:
            lines += [f"### {c.id}: {_md(c.statement)}", "", f"Source: `{c.source}`", ""]
            for r in ledger.for_clause(c.id):
                if r.outcome != verdict:
                    continue
                lines += [f"Test `{r.nodeid}` ({r.phase})", "", "Expected:", "", "```", r.message.strip(), "```", ""]
                for ex in r.exchanges[-1:]:
                    lines += ["Request:", "", "```", ex["request"], "```", "", "Response:", "", "```",
                              ex["response"], "```", "", "Reproduce:", "", "```sh", ex["curl"], "```", ""]
    return "\n".join(lines + _client_markdown(ledger)) + "\n"


CLIENT_HEADING = "Client verdicts"
CLIENT_INTRO = ("How the code under test behaved as a client of the fixtures' mocks "
                "(`mockserver.grading`): rules it met, and the exchanges of each finding.")


def _findings_text(verdict: dict[str, Any]) -> list[str]:
    return [finding["message"] + ": " + ", ".join(
                f"#{ex['id']} t={ex['mock_time']:.3f} {ex['method']} {ex['path']} -> {ex['status']}"
                for ex in finding["evidence"])
            for finding in verdict["findings"]]


def _client_markdown(ledger: ClauseLedger) -> list[str]:
    if not ledger.client_verdicts:
        return []
    lines = ["", f"## {CLIENT_HEADING}", "", CLIENT_INTRO, "",
             "| Test | Client | Rule | Outcome | Source | Findings |", "|---|---|---|---|---|---|"]
    for v in ledger.client_verdicts:
        lines.append(f"| `{v['nodeid']}` | {_md(v['client'])} | {v['rule']} | {v['outcome']} | `{v['source']}` "
                     f"| {_md('; '.join(_findings_text(v)))} |")
    return lines


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top}
th{background:#f3f3f3;text-align:left}.passed{background:#e6f6e6}.failed{background:#fde2e2}
.skipped{background:#fff6d6}.not-covered{background:#eee}.advisory{background:#e8eefc}
.blocked{background:#f3e8fc}pre{background:#f7f7f7;padding:8px;
overflow:auto;white-space:pre-wrap}code{font-size:90%}.summary span{margin-right:1rem;font-weight:bold}
"""


def render_html(ledger: ClauseLedger, catalog: list[Clause], *, targets: dict[str, str], profile: str,
                exitstatus: int = 0) -> str:
    e = html.escape
    summary = summarise(ledger, catalog)
    rows = []
    for c in catalog:
        verdict = ledger.verdict(c.id)
        note = _note(ledger, c.id, verdict)
        anchor = f'<a href="#{e(c.id)}">{e(c.id)}</a>' if verdict in EVIDENCED else e(c.id)
        rows.append(f'<tr class="{verdict.replace(" ", "-")}"><td>{anchor}</td><td>{verdict}</td>'
                    f"<td>{e(c.statement)}</td><td><code>{e(c.source)}</code></td><td>{e(note)}</td></tr>")
    details = []
    for verdict, heading in EVIDENCED.items():
        shown = [c for c in catalog if ledger.verdict(c.id) == verdict]
        if shown:
            details.append(f"<h2>{heading}</h2>")
        details.extend(_html_evidence(ledger, c, verdict) for c in shown)
    target_items = "".join(f"<li>Target ({e(api)}): <code>{e(url)}</code></li>" for api, url in targets.items())
    counts = "".join(f'<span class="{k.replace(" ", "-")}">{summary.counts[k]} {k}</span>' for k in ORDER)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Conformance report</title><style>{_CSS}</style></head>
<body><h1>Conformance report</h1>
<ul>{target_items}<li>Profile: <code>{e(profile)}</code></li>
<li>Generated: {e(datetime.now(UTC).isoformat(timespec='seconds'))}</li><li>pytest exit status: {exitstatus}</li></ul>
<p class="summary">{counts} of {summary.total} clauses (covered: {summary.covered}/{summary.total})</p>
<table><tr><th>Clause</th><th>Verdict</th><th>Statement</th><th>Source</th><th>Note</th></tr>
{"".join(rows)}
</table>
{"".join(details)}
{_client_html(ledger)}
</body></html>
"""


def _client_html(ledger: ClauseLedger) -> str:
    if not ledger.client_verdicts:
        return ""
    e = html.escape
    rows = "".join(
        f'<tr class="{e(v["outcome"].replace(" ", "-"))}"><td><code>{e(v["nodeid"])}</code></td>'
        f"<td>{e(v['client'])}</td><td>{e(v['rule'])}</td><td>{e(v['outcome'])}</td>"
        f"<td><code>{e(v['source'])}</code></td><td>{'<br>'.join(e(t) for t in _findings_text(v))}</td></tr>"
        for v in ledger.client_verdicts)
    return (f"<h2>{CLIENT_HEADING}</h2><p>{e(CLIENT_INTRO)}</p><table><tr><th>Test</th><th>Client</th>"
            f"<th>Rule</th><th>Outcome</th><th>Source</th><th>Findings</th></tr>{rows}</table>")


def _html_evidence(ledger: ClauseLedger, c: Clause, verdict: str) -> str:
    e = html.escape
    parts = [f'<h3 id="{e(c.id)}">{e(c.id)}: {e(c.statement)}</h3><p>Source: <code>{e(c.source)}</code></p>']
    for r in ledger.for_clause(c.id):
        if r.outcome != verdict:
            continue
        parts.append(f"<p>Test <code>{e(r.nodeid)}</code> ({e(r.phase)})</p>"
                     f"<p>Expected:</p><pre>{e(r.message.strip())}</pre>")
        for ex in r.exchanges[-1:]:
            parts.append(f"<p>Request:</p><pre>{e(ex['request'])}</pre><p>Response:</p>"
                         f"<pre>{e(ex['response'])}</pre><p>Reproduce:</p><pre>{e(ex['curl'])}</pre>")
    return "\n".join(parts)


def write_reports(directory: Path, ledger: ClauseLedger, catalog: list[Clause], *, targets: dict[str, str],
                  profile: str, exitstatus: int = 0) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    md = directory / "conformance.md"
    page = directory / "conformance.html"
    data = directory / "conformance.json"
    md.write_text(render_markdown(ledger, catalog, targets=targets, profile=profile, exitstatus=exitstatus),
                  encoding="utf-8")
    page.write_text(render_html(ledger, catalog, targets=targets, profile=profile, exitstatus=exitstatus),
                    encoding="utf-8")
    data.write_text(json.dumps(_as_json(ledger, catalog, targets, profile), indent=1), encoding="utf-8")
    return {"markdown": md, "html": page, "json": data}


def _as_json(ledger: ClauseLedger, catalog: list[Clause], targets: dict[str, str], profile: str) -> dict[str, Any]:
    """A machine-readable twin of the page, for the suite's own tests and for CI dashboards."""
    return {
        "targets": targets, "profile": profile,
        "clauses": {c.id: {"verdict": ledger.verdict(c.id), "statement": c.statement, "source": c.source,
                           "level": c.level,
                           "tests": [{"nodeid": r.nodeid, "outcome": r.outcome, "message": r.message}
                                     for r in ledger.for_clause(c.id)]}
                    for c in catalog},
        "client_verdicts": ledger.client_verdicts,
    }
