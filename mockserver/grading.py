"""Grade the client: verdicts on how the code under test polled, backed off and stopped.

The journal holds every exchange with its mock-clock instant. Grading groups them per client (the
`X-Client-Id` header, else `User-Agent`) and runs each API's client rules over each group. The
rules are generic (this module: wait as advised, back off after errors, stop at a final state, do not
loop on a missing resource, do not resubmit blindly, do not lose a stream's final event); what an
exchange *means* (which resource a read is about, whether its answer is final, what wait it
advises) is the API's knowledge, given as a `Reading` by the API's package and registered through
its spec (`ApiSpec.client_rules`).

A verdict is `passed`, `failed` (with findings, each with the exchanges that prove it) or
`not applicable` (the client never met the situation the rule is about).
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockserver.journal import Entry

__all__ = [
    "CLIENT_HEADER",
    "ClientRule",
    "Exchange",
    "Finding",
    "Reading",
    "Verdict",
    "assert_well_behaved",
    "backs_off_after_errors",
    "grade",
    "honours_advised_wait",
    "keeps_final_stream_event",
    "no_blind_resubmit",
    "no_loop_on_missing",
    "stops_at_final",
]

CLIENT_HEADER = "x-client-id"
TOLERANCE = 1e-3          # seconds: a client that sleeps exactly the advised wait passes
BACKOFF_CAP = 60.0        # a wait this long after an error counts as backed off, growing or not
ERRORS = frozenset({429, 500, 502, 503, 504})


# -- exchanges --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Exchange:
    """One request of the journal and what it was told, as the rules read it."""

    id: int
    api: str | None
    client: str
    method: str
    path: str
    query: str
    status: int | None            # None: no answer started (timeout, reset, hang)
    mock_time: float
    headers: Mapping[str, str]    # lower-case names
    body: bytes
    response_headers: Mapping[str, str]
    response_body: bytes

    @classmethod
    def of(cls, entry: Entry, client_header: str = CLIENT_HEADER) -> Exchange:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in entry.request_headers}
        client = headers.get(client_header) or headers.get("user-agent") or "anonymous"
        return cls(id=entry.id, api=entry.api, client=client, method=entry.method, path=entry.path,
                   query=entry.query.decode("latin-1"), status=entry.status, mock_time=entry.mock_time,
                   headers=headers, body=entry.body,
                   response_headers={k.decode("latin-1").lower(): v.decode("latin-1")
                                     for k, v in entry.response_headers},
                   response_body=entry.response_body)

    def json(self) -> Any:
        """The request body as JSON, or None."""
        return _json(self.body)

    def response_json(self) -> Any:
        """The answer's body as JSON, or None."""
        return _json(self.response_body)

    def retry_after_header(self) -> float | None:
        """The answer's `Retry-After` in seconds (delta form), or None."""
        value = self.response_headers.get("retry-after", "").strip()
        try:
            return float(value) if value else None
        except ValueError:
            return None

    def describe(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"#{self.id} t={self.mock_time:.3f} {self.method} {self.path}{query} -> {self.status}"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "api": self.api, "client": self.client, "method": self.method,
                "path": self.path, "query": self.query, "status": self.status, "mock_time": self.mock_time}


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


# -- verdicts ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    message: str
    evidence: tuple[Exchange, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.message, "evidence": [e.to_dict() for e in self.evidence]}


@dataclass(frozen=True)
class Verdict:
    rule: str
    title: str
    source: str
    api: str
    client: str
    judged: int                   # occasions the rule looked at (0: not applicable)
    findings: tuple[Finding, ...] = ()

    @property
    def outcome(self) -> str:
        return "failed" if self.findings else "passed" if self.judged else "not applicable"

    @property
    def failed(self) -> bool:
        return bool(self.findings)

    def explain(self) -> str:
        lines = [f"{self.rule} [{self.outcome}] {self.title} (client {self.client!r}; {self.source})"]
        for finding in self.findings:
            lines.append(f"  - {finding.message}")
            lines.extend(f"      {e.describe()}" for e in finding.evidence)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": self.title, "source": self.source, "api": self.api,
                "client": self.client, "outcome": self.outcome, "judged": self.judged,
                "findings": [f.to_dict() for f in self.findings]}


Check = Callable[[Sequence[Exchange]], tuple[int, list[Finding]]]


@dataclass(frozen=True)
class ClientRule:
    """One rule a client should keep: an id, the doc line it comes from, and its check."""

    id: str
    title: str
    source: str                   # page:line(s), as the pages are in the docs folder
    check: Check = field(repr=False)


def grade(entries: Iterable[Entry], rules: Mapping[str, Sequence[ClientRule]], *,
          client_header: str = CLIENT_HEADER, ignore: Iterable[str] = ()) -> list[Verdict]:
    """Every rule of each API over each client's exchanges with it (oldest first)."""
    skipped = set(ignore)
    groups: dict[tuple[str, str], list[Exchange]] = defaultdict(list)
    for entry in entries:
        if entry.api in rules:
            exchange = Exchange.of(entry, client_header)
            groups[(exchange.api or "", exchange.client)].append(exchange)
    verdicts = []
    for (api, client), exchanges in groups.items():
        exchanges.sort(key=lambda e: (e.mock_time, e.id))
        for rule in rules[api]:
            if rule.id in skipped:
                continue
            judged, findings = rule.check(exchanges)
            verdicts.append(Verdict(rule.id, rule.title, rule.source, api, client, judged, tuple(findings)))
    return verdicts


def assert_well_behaved(verdicts: Sequence[Verdict], *, ignore: Iterable[str] = ()) -> None:
    """Fail (AssertionError listing every finding and its evidence) unless no verdict failed."""
    skipped = set(ignore)
    failed = [v for v in verdicts if v.failed and v.rule not in skipped]
    if failed:
        raise AssertionError("the client broke the APIs' rules:\n" + "\n".join(v.explain() for v in failed))


# -- what an API says about its exchanges -----------------------------------------------------------
PENDING, FINAL, MISSING = "pending", "final", "missing"


class Reading:
    """An API's reading of its own exchanges (subclassed in the API's package). Every answer defaults
    to "not that kind of exchange", so an API says only what applies to it."""

    def read_target(self, ex: Exchange) -> str | None:
        """The resource a status read is about; None when `ex` is not a status read."""
        return None

    def state(self, ex: Exchange) -> str | None:
        """For a read: PENDING, FINAL, MISSING (the answer says no such resource) or None."""
        return None

    def advised_wait(self, ex: Exchange) -> float | None:
        """The wait the answer advises before the next read (body or header), or None."""
        return None

    def created(self, ex: Exchange) -> str | None:
        """The resource a successful creating request made, or None."""
        return None

    def submission(self, ex: Exchange) -> str | None:
        """For a creating request: a fingerprint of what it asks for; None otherwise."""
        return None

    def idempotent(self, ex: Exchange) -> bool:
        """Whether a creating request carries an idempotency key."""
        return False

    def stream_target(self, ex: Exchange) -> str | None:
        """The resource an event stream is about; None when `ex` is not a stream."""
        return None


# -- generic rules ----------------------------------------------------------------------------------
def _reads(reading: Reading, exchanges: Sequence[Exchange]) -> dict[str, list[Exchange]]:
    by_target: dict[str, list[Exchange]] = defaultdict(list)
    for ex in exchanges:
        target = reading.read_target(ex)
        if target is not None:
            by_target[target].append(ex)
    return by_target


def honours_advised_wait(reading: Reading, *, default_wait: float | None = None) -> Check:
    """After an answer that advises a wait (or, with none advised, `default_wait`), the next read of
    the same resource comes no sooner. Errors are `backs_off_after_errors`'s business."""

    def check(exchanges: Sequence[Exchange]) -> tuple[int, list[Finding]]:
        judged, findings = 0, []
        reads = _reads(reading, exchanges)
        advised: list[tuple[Exchange, Exchange]] = []  # (answer that advised, the next read)
        for ex in exchanges:
            target = reading.created(ex)
            if target is not None and reads.get(target):
                advised.append((ex, reads[target][0]))
        for target_reads in reads.values():
            for before, after in itertools.pairwise(target_reads):
                if before.status is not None and 200 <= before.status < 300 and reading.state(before) == PENDING:
                    advised.append((before, after))
        for before, after in advised:
            wait = reading.advised_wait(before)
            wait = default_wait if wait is None else wait
            if wait is None:
                continue
            judged += 1
            gap = after.mock_time - before.mock_time
            if gap + TOLERANCE < wait:
                findings.append(Finding(f"read again after {gap:.3f} s where {wait:g} s was advised",
                                        (before, after)))
        return judged, findings

    return check


def backs_off_after_errors(*, initial: float) -> Check:
    """After a 429 or 5xx, the retry (same method and path) waits the answer's `Retry-After`; with none,
    at least `initial` seconds, then longer after each further error in a row (up to BACKOFF_CAP)."""

    def check(exchanges: Sequence[Exchange]) -> tuple[int, list[Finding]]:
        judged, findings = 0, []
        streak_gap: dict[tuple[str, str], float] = {}
        for i, ex in enumerate(exchanges):
            key = (ex.method, ex.path)
            if ex.status not in ERRORS:
                streak_gap.pop(key, None)
                continue
            retry = next((later for later in exchanges[i + 1:] if (later.method, later.path) == key), None)
            if retry is None:
                continue
            judged += 1
            gap = retry.mock_time - ex.mock_time
            told = ex.retry_after_header()
            previous = streak_gap.get(key)
            if told is not None:
                if gap + TOLERANCE < told:
                    findings.append(Finding(f"retried after {gap:.3f} s where Retry-After said {told:g} s",
                                            (ex, retry)))
            elif gap + TOLERANCE < initial:
                findings.append(Finding(f"retried after {gap:.3f} s; back-off starts at {initial:g} s", (ex, retry)))
            elif previous is not None and gap < BACKOFF_CAP and gap <= previous + TOLERANCE:
                findings.append(Finding(f"did not back off: waited {gap:.3f} s after waiting {previous:.3f} s "
                                        "after the error before", (ex, retry)))
            streak_gap[key] = gap
        return judged, findings

    return check


def stops_at_final(reading: Reading) -> Check:
    """Once a read has shown a resource final, the client does not read its status again."""

    def check(exchanges: Sequence[Exchange]) -> tuple[int, list[Finding]]:
        judged, findings = 0, []
        for target, target_reads in _reads(reading, exchanges).items():
            final = next((ex for ex in target_reads if reading.state(ex) == FINAL), None)
            if final is None:
                continue
            judged += 1
            extra = [ex for ex in target_reads if ex.mock_time >= final.mock_time and ex.id > final.id]
            if extra:
                findings.append(Finding(f"{target}: read {len(extra)} more time(s) after it was final",
                                        (final, *extra)))
        return judged, findings

    return check


def no_loop_on_missing(reading: Reading, *, retries: int = 1) -> Check:
    """A resource the API says does not exist (unknown or deleted) is not read again and again."""

    def check(exchanges: Sequence[Exchange]) -> tuple[int, list[Finding]]:
        judged, findings = 0, []
        for target, target_reads in _reads(reading, exchanges).items():
            missing = [ex for ex in target_reads if reading.state(ex) == MISSING]
            if not missing:
                continue
            judged += 1
            if len(missing) > 1 + retries:
                findings.append(Finding(f"{target}: read {len(missing)} times while the API said it does not exist",
                                        tuple(missing)))
        return judged, findings

    return check


def no_blind_resubmit(reading: Reading) -> Check:
    """After a submission with no answer or an ambiguous 5xx (500, 502, 504: the work may exist), the
    same submission is not sent again without an idempotency key."""

    def check(exchanges: Sequence[Exchange]) -> tuple[int, list[Finding]]:
        judged, findings = 0, []
        for i, ex in enumerate(exchanges):
            fingerprint = reading.submission(ex)
            if fingerprint is None or ex.status not in (None, 500, 502, 504):
                continue
            judged += 1
            again = [later for later in exchanges[i + 1:] if reading.submission(later) == fingerprint]
            if again and not (reading.idempotent(ex) and reading.idempotent(again[0])):
                findings.append(Finding("submitted again without an idempotency key after "
                                        + ("no answer" if ex.status is None else f"HTTP {ex.status}"),
                                        (ex, again[0])))
        return judged, findings

    return check


def keeps_final_stream_event(reading: Reading) -> Check:
    """A stream that ended without its final event is followed by a reconnection (or a status read)
    that shows the resource final: the client does not lose the end."""

    def check(exchanges: Sequence[Exchange]) -> tuple[int, list[Finding]]:
        judged, findings = 0, []
        for i, ex in enumerate(exchanges):
            target = reading.stream_target(ex)
            if target is None or reading.state(ex) == FINAL:
                continue
            judged += 1
            later = exchanges[i + 1:]
            if not any(reading.state(e) == FINAL and target in (reading.stream_target(e), reading.read_target(e))
                       for e in later):
                findings.append(Finding(f"{target}: the stream ended without its final event and the client "
                                        "never saw the end", (ex,)))
        return judged, findings

    return check
