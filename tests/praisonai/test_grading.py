"""The PraisonAI client rules (mockserver/praisonai/grading.py), over real clients on a real socket.

Each faulty client here breaks one rule on purpose and must be caught by exactly that rule; the
README's example client and two published clients (praisonai 4.7.19's recipe `JobHandle.wait`,
praisonai-code's `JobsHandler`) are graded as they are.
"""

from __future__ import annotations

import importlib.util
import itertools
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from mockserver.grading import Verdict
from tests.conftest import require_in_ci

FINAL = ("succeeded", "failed", "cancelled")
RUNS = "/api/v1/runs"


def failed(verdicts: list[Verdict]) -> set[str]:
    return {v.rule for v in verdicts if v.failed}


def by_rule(verdicts: list[Verdict]) -> dict[str, Verdict]:
    return {v.rule: v for v in verdicts}


def http(mock: Any, client: str) -> httpx.Client:
    return httpx.Client(base_url=mock.url, headers={"X-Client-Id": client}, timeout=10)


def submit(client: httpx.Client, **config: Any) -> str:
    answer = client.post(RUNS, json={"prompt": "grade me", "config": {"mock_steps": 3, **config}})
    assert answer.status_code == 202
    job_id: str = answer.json()["job_id"]
    time.sleep(float(answer.headers.get("Retry-After", 2)))
    return job_id


# -- faulty clients: one rule each -------------------------------------------------------------------
def polls_every_10_ms(mock: Any) -> None:
    with http(mock, "hasty") as client:
        job_id = submit(client)
        while client.get(f"{RUNS}/{job_id}").json()["status"] not in FINAL:
            time.sleep(0.01)


def ignores_retry_after_on_503(mock: Any) -> None:
    mock.faults.add({"action": "status", "status": 503, "path": f"{RUNS}/*", "method": "GET",
                     "headers": {"Retry-After": "30"}, "first": 3})
    with http(mock, "deaf") as client:
        job_id, wait = submit(client), 2.0
        while True:
            answer = client.get(f"{RUNS}/{job_id}")
            if answer.status_code == 200:
                status = answer.json()
                if status["status"] in FINAL:
                    return
                wait = status["retry_after"]
            time.sleep(wait)  # a 503's Retry-After is not looked at: the last advised wait again


def polls_after_the_end(mock: Any) -> None:
    with http(mock, "clingy") as client:
        job_id, seen_final = submit(client), 0
        while seen_final < 3:
            status = client.get(f"{RUNS}/{job_id}").json()
            seen_final += status["status"] in FINAL
            time.sleep(status.get("retry_after") or 2)


@pytest.mark.parametrize(("client", "rule"), [
    (polls_every_10_ms, "PRA-CLIENT-WAIT"),
    (ignores_retry_after_on_503, "PRA-CLIENT-BACKOFF"),
    (polls_after_the_end, "PRA-CLIENT-STOP"),
])
def test_each_faulty_client_is_caught_by_its_own_rule(praisonai_mock, client: Callable[[Any], None],
                                                       rule: str) -> None:
    praisonai_mock.clock.freeze()
    with praisonai_mock.client_time():
        client(praisonai_mock)
    verdicts = praisonai_mock.verdicts()
    assert failed(verdicts) == {rule}, "\n".join(v.explain() for v in verdicts)
    finding = by_rule(verdicts)[rule].findings[0]
    assert finding.evidence and all(e.client == verdicts[0].client for e in finding.evidence)
    with pytest.raises(AssertionError, match=rule):
        praisonai_mock.assert_well_behaved_client()
    praisonai_mock.assert_well_behaved_client(ignore={rule})  # the per-rule opt-out


def test_findings_name_the_exchanges_and_the_wait(praisonai_mock) -> None:
    praisonai_mock.clock.freeze()
    with praisonai_mock.client_time():
        polls_every_10_ms(praisonai_mock)
    verdict = by_rule(praisonai_mock.verdicts())["PRA-CLIENT-WAIT"]
    assert verdict.source.startswith("praisonai/get-run-status.mdx:144")
    before, after = verdict.findings[0].evidence
    assert after.mock_time - before.mock_time == pytest.approx(0.01)
    advised = before.response_json()["retry_after"]  # what the API told the client, whatever it is
    assert f"0.010 s where {advised:g} s was advised" in verdict.findings[0].message
    assert f"#{after.id}" in verdict.explain()


# -- the README's example client ---------------------------------------------------------------------
def readme_example() -> ModuleType:
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    code = text.split("<!-- well-behaved-client -->")[1].split("```python")[1].split("```")[0]
    module = ModuleType("readme_example")
    exec(compile(code, "README.md (well-behaved client)", "exec"), module.__dict__)
    return module


def test_the_readme_client_passes_every_verdict_through_errors_and_failures(praisonai_mock) -> None:
    example = readme_example()
    praisonai_mock.clock.freeze()
    praisonai_mock.faults.add({"action": "status", "status": 503, "path": RUNS, "method": "POST",
                               "headers": {"Retry-After": "5"}, "first": 1})
    praisonai_mock.faults.add({"action": "status", "status": 503, "path": f"{RUNS}/*", "method": "GET",
                               "headers": {"Retry-After": "7"}, "first": 1})
    praisonai_mock.faults.add({"action": "status", "status": 500, "path": f"{RUNS}/*", "method": "GET",
                               "every": 4})
    with praisonai_mock.client_time():
        assert example.run_to_end(praisonai_mock.url, "hello", key="op-1")["status"] == "succeeded"
        assert example.run_to_end(praisonai_mock.url, "fail", key="op-2",
                                  config={"mock_fail": "boom", "mock_steps": 4})["status"] == "failed"
    verdicts = praisonai_mock.verdicts()
    judged = {v.rule for v in verdicts if v.outcome == "passed"}
    assert {"PRA-CLIENT-WAIT", "PRA-CLIENT-BACKOFF", "PRA-CLIENT-STOP"} <= judged
    praisonai_mock.assert_well_behaved_client()


# -- the other rules ----------------------------------------------------------------------------------
def test_reading_a_deleted_run_in_a_loop_is_caught(praisonai_mock) -> None:
    praisonai_mock.clock.freeze()
    with praisonai_mock.client_time(), http(praisonai_mock, "ghost") as client:
        job_id = submit(client, mock_steps=1)
        time.sleep(30)
        assert client.delete(f"{RUNS}/{job_id}").status_code == 204
        for _ in range(5):
            client.get(f"{RUNS}/{job_id}")
            time.sleep(5)
    assert failed(praisonai_mock.verdicts()) == {"PRA-CLIENT-MISSING"}


def test_resubmitting_after_a_5xx_without_a_key_is_caught_and_with_a_key_is_not(praisonai_mock) -> None:
    praisonai_mock.clock.freeze()
    with praisonai_mock.client_time():
        for client_id, headers in (("blind", {}), ("careful", {"Idempotency-Key": "k-1"})):
            praisonai_mock.faults.add({"action": "status", "status": 502, "path": RUNS, "method": "POST",
                                       "first": 1})
            with http(praisonai_mock, client_id) as client:
                while client.post(RUNS, json={"prompt": "once"}, headers=headers).status_code != 202:
                    time.sleep(2)
    verdicts = by_rule([v for v in praisonai_mock.verdicts() if v.client == "blind"])
    assert verdicts["PRA-CLIENT-RESUBMIT"].failed
    careful = [v for v in praisonai_mock.verdicts() if v.client == "careful"]
    assert {v.rule: v.outcome for v in careful}["PRA-CLIENT-RESUBMIT"] == "passed"


def journaled(mock: Any, path: str, count: int = 1) -> None:
    """Until the server has noticed the client left and journaled the request (a real thread's
    bookkeeping, not mock state: nothing here moves the clock)."""
    deadline = time.monotonic() + 10
    while len(mock.journal.entries(path=path)) < count:
        assert time.monotonic() < deadline, f"{path} never reached the journal"
        time.sleep(0.01)


def test_resubmitting_after_a_timeout_without_a_key_is_caught(praisonai_mock) -> None:
    praisonai_mock.clock.freeze()
    praisonai_mock.faults.add({"action": "hang", "path": RUNS, "method": "POST", "first": 1})
    with http(praisonai_mock, "impatient") as client:
        with pytest.raises(httpx.TimeoutException):
            client.post(RUNS, json={"prompt": "once"}, timeout=0.3)   # the client's own real timeout
        assert client.post(RUNS, json={"prompt": "once"}).status_code == 202
    journaled(praisonai_mock, RUNS, count=2)
    verdict = by_rule(praisonai_mock.verdicts())["PRA-CLIENT-RESUBMIT"]
    assert verdict.failed and "after no answer" in verdict.findings[0].message
    assert [e.status for e in verdict.findings[0].evidence] == [None, 202]


def test_a_stream_cut_before_its_end_needs_a_later_look(praisonai_mock) -> None:
    praisonai_mock.clock.freeze()
    with http(praisonai_mock, "reader") as client:
        job_id = client.post(RUNS, json={"prompt": "s", "config": {"mock_steps": 2}}).json()["job_id"]
        with client.stream("GET", f"{RUNS}/{job_id}/stream") as stream:
            next(stream.iter_lines())          # one line, then the client goes away
    journaled(praisonai_mock, f"{RUNS}/{job_id}/stream")
    assert by_rule(praisonai_mock.verdicts())["PRA-CLIENT-STREAM"].failed
    praisonai_mock.clock.advance(60)
    with http(praisonai_mock, "reader") as client, client.stream("GET", f"{RUNS}/{job_id}/stream") as stream:
        list(stream.iter_lines())            # reconnected: the run is over, the stream says so
    assert by_rule(praisonai_mock.verdicts())["PRA-CLIENT-STREAM"].outcome == "passed"


def test_a_two_hour_polling_loop_takes_under_a_second(praisonai_mock) -> None:
    praisonai_mock.clock.freeze()
    start = praisonai_mock.clock.now()
    with http(praisonai_mock, "patient") as client:
        began = time.perf_counter()
        with praisonai_mock.client_time():
            answer = client.post(RUNS, json={"prompt": "long", "timeout": 86400, "config": {"mock_hang": True}})
            time.sleep(float(answer.headers["Retry-After"]))
            deadline = time.monotonic() + 2 * 3600      # the client computes its own deadline
            while time.monotonic() < deadline:
                assert client.get(f"{RUNS}/{answer.json()['job_id']}").json()["status"] in ("queued", "running")
                time.sleep(60)
        took = time.perf_counter() - began
    assert took < 1.0
    assert praisonai_mock.clock.now() - start == pytest.approx(7200 + float(answer.headers["Retry-After"]))
    polls = praisonai_mock.journal.entries(path=f"{RUNS}/*", method="GET")
    assert len(polls) == 120
    assert {round(b["mock_time"] - a["mock_time"], 6) for a, b in itertools.pairwise(polls)} == {60}
    praisonai_mock.assert_well_behaved_client()


# -- published clients ---------------------------------------------------------------------------------
def _reference_recipe() -> ModuleType:
    """praisonai 4.7.19's `praisonai/recipe/operations.py` from the reference install: it imports only
    the standard library (httpx lazily), so it is loaded from its file, as it is."""
    from tests.praisonai.reference import REFERENCE_PYTHON

    found = sorted(Path(REFERENCE_PYTHON).parents[1].glob("lib/python*/site-packages/praisonai/recipe/operations.py"))
    if not found:
        require_in_ci(f"no praisonai 4.7.19 beside {REFERENCE_PYTHON} (run .ci/reference-praisonai)")
    spec = importlib.util.spec_from_file_location("praisonai_recipe_operations", found[0])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_praisonai_recipe_jobhandle_wait(praisonai_mock) -> None:
    """Findings: `wait` polls at its fixed `poll_interval` whatever `retry_after` says (1 s where 2 s
    was advised), keeps that interval through 503s and their Retry-After, and reads a deleted run
    until its own timeout (get_status turns the 404 into status "unknown")."""
    operations = _reference_recipe()
    praisonai_mock.clock.freeze()
    with http(praisonai_mock, "probe") as probe, praisonai_mock.client_time():
        job_id = probe.post(RUNS, json={"prompt": "r", "config": {"mock_steps": 3}}).json()["job_id"]
        gone = probe.post(RUNS, json={"prompt": "g", "config": {"mock_steps": 1}}).json()["job_id"]
        praisonai_mock.faults.add({"action": "status", "status": 503, "path": f"{RUNS}/{job_id}",
                                   "method": "GET", "headers": {"Retry-After": "10"}, "first": 2})
        with operations.JobHandle(job_id=job_id, recipe_name="r", api_url=praisonai_mock.url) as handle:
            assert handle.wait(poll_interval=1, timeout=600)["status"] == "succeeded"
        time.sleep(60)
        assert probe.delete(f"{RUNS}/{gone}").status_code == 204
        with operations.JobHandle(job_id=gone, recipe_name="g", api_url=praisonai_mock.url) as handle:
            assert handle.wait(poll_interval=5, timeout=60)["status"] == "timeout"
    verdicts = by_rule([v for v in praisonai_mock.verdicts() if v.client.startswith("python-httpx")])
    assert failed(list(verdicts.values())) == {"PRA-CLIENT-WAIT", "PRA-CLIENT-BACKOFF", "PRA-CLIENT-MISSING"}
    assert "read again after 1.000 s where" in verdicts["PRA-CLIENT-WAIT"].findings[0].message
    assert "Retry-After said 10 s" in verdicts["PRA-CLIENT-BACKOFF"].findings[0].message
    assert len(verdicts["PRA-CLIENT-MISSING"].findings[0].evidence) >= 12
    assert verdicts["PRA-CLIENT-STOP"].outcome == "passed"


def test_praisonai_code_jobs_handler(praisonai_mock) -> None:
    """Findings: `JobsHandler` reads the status at once after submitting (the submit's Retry-After is
    not looked at), then waits `retry_after` while a run is pending (good); after an error it waits
    its fixed `poll_interval` (5 s), whatever Retry-After says, and it reads a deleted run forever
    (a 404 is just another error to it)."""
    try:
        from praisonai_code.cli.features.jobs import JobsHandler
    except ImportError:
        require_in_ci("praisonai-code is not installed (pip install --no-deps praisonai-code==0.1.16)")
    praisonai_mock.clock.freeze()
    praisonai_mock.faults.add({"action": "status", "status": 503, "path": f"{RUNS}/*", "method": "GET",
                               "headers": {"Retry-After": "20"}, "first": 2})
    praisonai_mock.faults.add({"action": "status", "status": 500, "path": f"{RUNS}/*", "method": "GET",
                               "every": 5})
    handler = JobsHandler(api_url=praisonai_mock.url)
    with praisonai_mock.client_time() as slept:
        done = handler.submit("grade", wait=True, output_json=True)
        assert done["status"] == "succeeded"
        assert slept.sleeps  # it did wait, on the virtual clock
        praisonai_mock.faults.clear()
        with http(praisonai_mock, "probe") as probe:      # another run, deleted before it is waited for
            gone = probe.post(RUNS, json={"prompt": "g", "config": {"mock_steps": 1}}).json()["job_id"]
            time.sleep(60)
            assert probe.delete(f"{RUNS}/{gone}").status_code == 204

        class Enough(Exception):
            pass

        errors: list[str] = []

        def give_up_after_ten(message: str) -> None:  # its loop only ever ends on a final status
            errors.append(message)
            if len(errors) == 10:
                raise Enough

        handler._print_error = give_up_after_ten
        with pytest.raises(Enough):
            handler._wait_for_completion(gone, poll_interval=5, output_json=False)
    verdicts = by_rule([v for v in praisonai_mock.verdicts() if v.client.startswith("python-httpx")])
    assert failed(list(verdicts.values())) == {"PRA-CLIENT-WAIT", "PRA-CLIENT-BACKOFF", "PRA-CLIENT-MISSING"}
    submitted, first_read = verdicts["PRA-CLIENT-WAIT"].findings[0].evidence
    assert submitted.method == "POST" and first_read.mock_time == submitted.mock_time  # no wait at all
    assert [f.evidence[0].method for f in verdicts["PRA-CLIENT-WAIT"].findings] == ["POST"]  # then it waits
    assert any("Retry-After said 20 s" in f.message for f in verdicts["PRA-CLIENT-BACKOFF"].findings)
    missing = verdicts["PRA-CLIENT-MISSING"]
    assert len(missing.findings[0].evidence) == 10 and all("404" in message for message in errors)
    assert verdicts["PRA-CLIENT-STOP"].outcome == "passed"


def test_an_asyncio_client_of_an_in_process_mock_is_graded_the_same() -> None:
    """`Mock` serves on the client's own loop: the client's asyncio.sleep moves the clock, the mock's
    own waits (its event stream) stay real, and the verdicts read the same journal."""
    import asyncio

    from mockserver import Mock

    mock = Mock(apis=("praisonai",), frozen_clock=True)

    async def client() -> list[str]:
        transport = httpx.ASGITransport(mock.asgi("praisonai"))
        async with httpx.AsyncClient(transport=transport, base_url="http://mock",
                                     headers={"X-Client-Id": "async"}) as http:
            answer = await http.post(RUNS, json={"prompt": "a", "config": {"mock_steps": 3}})
            job_id = answer.json()["job_id"]
            await asyncio.sleep(float(answer.headers["Retry-After"]))
            seen = []
            while (status := (await http.get(f"{RUNS}/{job_id}")).json())["status"] not in FINAL:
                seen.append(status["status"])
                await asyncio.sleep(status["retry_after"])
            return [*seen, status["status"]]

    began, start = time.perf_counter(), mock.clock.now()
    with mock.client_time() as block:
        statuses = asyncio.run(client())
    assert statuses[-1] == "succeeded" and time.perf_counter() - began < 5
    assert mock.clock.now() - start == pytest.approx(block.slept) and block.slept > 0
    assert {v.rule: v.outcome for v in mock.verdicts()}["PRA-CLIENT-WAIT"] == "passed"
    mock.assert_well_behaved_client()
