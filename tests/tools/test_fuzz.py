"""The fuzzer (tools/fuzz.py), small: a few hundred requests per API against `mockserver serve`."""

from __future__ import annotations

import asyncio

from tools.fuzz import Answer, Probe, format_problem, fuzz, parse_answer, serve, tracebacks


def test_a_small_fuzz_finds_nothing_wrong() -> None:
    with serve(["kinetica", "praisonai"], extra=["--body-timeout", "5", "--header-timeout", "5",
                                                 "--max-body-bytes", "65536"]) as (ports, log):
        reports = asyncio.run(fuzz("127.0.0.1", ports, requests=300, seed=7))
    for report in reports:
        assert report.requests == 300
        assert report.ok, report.to_dict()
        assert report.batches_compared > 0  # state was compared around refused batches
        assert len(report.families) >= 8 and sum(report.statuses.values()) > 250
    assert tracebacks(log) == 0, log.read_text()[-3000:]


def test_the_checks_can_fail() -> None:
    kinetica = Probe("kinetica", "t", "POST", "/create/proc")
    praisonai = Probe("praisonai", "t", "POST", "/api/v1/runs")
    assert format_problem(kinetica, Answer(500, {"content-type": "text/plain"}, b"boom"), "impl")
    assert format_problem(kinetica, Answer(400, {"content-type": "application/json"}, b"{}"), "impl")
    assert format_problem(praisonai, Answer(422, {"content-type": "application/json"}, b'{"x": 1}'), "impl")
    assert format_problem(praisonai, Answer(400, {"content-type": "text/html"}, b"<h1>no</h1>"), "impl")
    assert format_problem(Probe("praisonai", "t", "GET", "/stats"), Answer(500, {}, b"Internal"), "impl") is None
    assert format_problem(Probe("praisonai", "t", "GET", "/stats"), Answer(500, {}, b"Internal"), "docs")
    # The pages' 409 for a reused idempotency key is {job_id, status, message}, under docs only.
    reused = Answer(409, {"content-type": "application/json"}, b'{"job_id": "run_1", "status": "queued"}')
    assert format_problem(praisonai, reused, "docs") is None
    assert format_problem(praisonai, reused, "impl")
    assert format_problem(praisonai, Answer(409, {"content-type": "application/json"}, b"{}"), "docs")
    answer = parse_answer(b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 2\r\n\r\n{}")
    assert answer is not None and answer.status == 413 and answer.body == b"{}"
    assert parse_answer(b"") is None
