"""The grading engine (mockserver/grading.py): grouping per client, outcomes, the generic rules."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from mockserver.grading import (
    FINAL,
    MISSING,
    PENDING,
    ClientRule,
    Exchange,
    Reading,
    Verdict,
    assert_well_behaved,
    backs_off_after_errors,
    grade,
    stops_at_final,
)
from mockserver.journal import Journal


def exchange(i: int, t: float, status: int | None = 200, *, path: str = "/things/a", method: str = "GET",
             answer: Any = None, retry_after: str | None = None) -> Exchange:
    headers = {"retry-after": retry_after} if retry_after is not None else {}
    return Exchange(id=i, api="x", client="c", method=method, path=path, query="", status=status, mock_time=t,
                    headers={}, body=b"", response_headers=headers,
                    response_body=json.dumps(answer).encode() if answer is not None else b"")


class ThingsReading(Reading):
    """A toy API: GET /things/<id> answers {"state": "pending" | "done"}, 404 when missing."""

    def read_target(self, ex: Exchange) -> str | None:
        return ex.path.rsplit("/", 1)[1] if ex.method == "GET" and ex.path.startswith("/things/") else None

    def state(self, ex: Exchange) -> str | None:
        if ex.status == 404:
            return MISSING
        answer = ex.response_json()
        return {"pending": PENDING, "done": FINAL}.get(answer.get("state")) if isinstance(answer, dict) else None

    def advised_wait(self, ex: Exchange) -> float | None:
        return ex.retry_after_header()


def test_backing_off_means_waiting_longer_after_each_error_in_a_row() -> None:
    check = backs_off_after_errors(initial=2.0)
    growing = [exchange(1, 0, 500), exchange(2, 2, 500), exchange(3, 6, 500), exchange(4, 14, 200)]
    assert check(growing) == (3, [])
    flat = [exchange(1, 0, 500), exchange(2, 5, 500), exchange(3, 10, 200)]
    judged, findings = check(flat)
    assert judged == 2 and len(findings) == 1 and "did not back off" in findings[0].message
    assert [e.id for e in findings[0].evidence] == [2, 3]
    hasty = [exchange(1, 0, 503, retry_after="30"), exchange(2, 29, 200)]
    assert "Retry-After said 30 s" in check(hasty)[1][0].message
    capped = [exchange(1, 0, 502), exchange(2, 60, 502), exchange(3, 120, 200)]
    assert check(capped) == (2, [])


def test_stops_at_final_counts_reads_after_the_end_only() -> None:
    check = stops_at_final(ThingsReading())
    reads = [exchange(1, 0, answer={"state": "pending"}), exchange(2, 5, answer={"state": "done"}),
             exchange(3, 10, answer={"state": "done"})]
    judged, findings = check(reads)
    assert judged == 1 and [e.id for e in findings[0].evidence] == [2, 3]
    assert check(reads[:2]) == (1, [])
    assert check(reads[:1]) == (0, [])


def test_outcomes_and_the_assertion_message() -> None:
    finding_rule = ClientRule("X-ONE", "one", "page.md:1", lambda exs: (1, []))
    quiet_rule = ClientRule("X-TWO", "two", "page.md:2", lambda exs: (0, []))
    assert Verdict("X-ONE", "one", "page.md:1", "x", "c", 1).outcome == "passed"
    assert Verdict("X-TWO", "two", "page.md:2", "x", "c", 0).outcome == "not applicable"
    bad = stops_at_final(ThingsReading())([exchange(1, 0, answer={"state": "done"}),
                                           exchange(2, 1, answer={"state": "done"})])[1]
    failed = Verdict("X-THREE", "three", "page.md:3", "x", "c", 1, tuple(bad))
    assert failed.outcome == "failed" and failed.to_dict()["findings"][0]["evidence"][1]["id"] == 2
    with pytest.raises(AssertionError, match=r"X-THREE \[failed\][\s\S]*#2 t=1.000 GET /things/a -> 200"):
        assert_well_behaved([failed])
    assert_well_behaved([failed], ignore={"X-THREE"})
    assert finding_rule.check([]) == (1, []) and quiet_rule.check([]) == (0, [])


def _journal_with(requests: list[tuple[str, dict[str, str]]]) -> Journal:
    """A journal that answered each (path, headers) with 200 {"state": "done"}, over httpx's ASGI transport."""
    from mockserver.journal import JournalMiddleware

    journal = Journal(clock_now=lambda: 0.0)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"state": "done"}'})

    async def run() -> None:
        transport = httpx.ASGITransport(JournalMiddleware(app, journal, api="x"))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for path, headers in requests:
                await client.get(path, headers=headers)

    import asyncio

    asyncio.run(run())
    return journal


def test_clients_are_told_apart_by_client_id_then_user_agent() -> None:
    journal = _journal_with([("/things/a", {"X-Client-Id": "one"}), ("/things/a", {"X-Client-Id": "one"}),
                             ("/things/a", {"User-Agent": "two/1.0"}), ("/things/a", {"X-Team": "three"})])
    assert journal.raw()[0].response_body == b'{"state": "done"}'
    rules = {"x": [ClientRule("X-STOP", "stop", "p.md:1", stops_at_final(ThingsReading()))]}
    outcomes = {v.client: v.outcome for v in grade(journal.raw(), rules)}
    assert outcomes == {"one": "failed", "two/1.0": "passed", "python-httpx/" + httpx.__version__: "passed"}
    by_team = {v.client for v in grade(journal.raw(), rules, client_header="x-team")}
    assert "three" in by_team
    assert grade(journal.raw(), rules, ignore={"X-STOP"}) == []
    assert grade(journal.raw(), {"other": rules["x"]}) == []  # only the APIs given are graded
