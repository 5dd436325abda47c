"""The unmodified gpudb client through the proxy, in both encodings, against the mock served by URL as
the Kinetica implementation: its whole lifecycle with no violation; and a mock broken in one clause,
which the proxy reports while the client's bytes stay what the server sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockserver.cassette import read_cassette
from mockserver.proxy import Proxy
from mockserver.runtime import Mock, MockServer
from tests.proxy.conftest import SentBytes, served

gpudb = pytest.importorskip("gpudb")

ENCODINGS = ["BINARY", "JSON"]


def ok(response: Any) -> Any:
    assert response["status_info"]["status"] == "OK", response["status_info"]["message"]
    return response


def lifecycle(db: Any, advance: Any) -> None:
    """Create, execute (finishing, killed, failing), poll, clear, a job, delete: what a user's app does."""
    ok(db.create_proc("proxied", "distributed", {"proc.py": b"# never run\n\xff"}, "python", ["proc.py"], {}))
    assert ok(db.has_proc("proxied"))["proc_exists"] is True
    ok(db.show_proc("proxied", {}))
    done = ok(db.execute_proc("proxied", {"duration_ms": "3000"}, {}, [], {}, [], {}))["run_id"]
    long = ok(db.execute_proc("proxied", {"duration_ms": "600000"}, {}, [], {}, [], {}))["run_id"]
    failing = ok(db.execute_proc("proxied", {"duration_ms": "1000", "fail_segments": "all",
                                             "fail_message": "no luck"}, {}, [], {}, [], {}))["run_id"]
    assert ok(db.show_proc_status(done, {}))["overall_statuses"][done] == "running"
    advance(5)
    ok(db.kill_proc(long, {}))
    statuses = ok(db.show_proc_status("", {}))["overall_statuses"]
    assert (statuses[done], statuses[long], statuses[failing]) == ("complete", "killed", "error")
    job = ok(db.create_job("/has/proc", "json", b"", json.dumps({"proc_name": "proxied", "options": {}}), {}))
    ok(db.get_job(job["job_id"], {}))
    advance(5)
    assert ok(db.get_job(job["job_id"], {}))["job_status"] == "DONE"
    cleared = ok(db.show_proc_status("", {"clear_complete": "true"}))["overall_statuses"]
    assert set(cleared) == {done, long, failing}
    assert ok(db.show_proc_status(done, {}))["overall_statuses"] == {}
    ok(db.delete_proc("proxied", {}))
    ok(db.show_system_status())


@pytest.fixture
def mock_server() -> Iterator[MockServer]:
    with MockServer(apis=("kinetica",), frozen_clock=True) as server:
        yield server


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_gpudb_lifecycle_through_the_proxy_has_no_violation(mock_server: MockServer, encoding: str,
                                                            tmp_path: Any) -> None:
    cassette = tmp_path / "kinetica.jsonl"
    with Proxy(api="kinetica", target=mock_server.urls["kinetica"], record=cassette) as proxy:
        db = gpudb.GPUdb(host=proxy.url, options=gpudb.GPUdb.Options({"encoding": encoding, "timeout": 10}))
        lifecycle(db, mock_server.clock.advance)
        assert proxy.violations() == []
        summary = proxy.summary()
    assert summary["exchanges"] >= 15
    recorded = read_cassette(cassette).exchanges
    assert len(recorded) == summary["exchanges"]
    media = "application/octet-stream" if encoding == "BINARY" else "application/json"
    status_calls = [e for e in recorded if e.path.endswith("/show/proc/status")]
    assert status_calls and all(e.header("content-type", response=False) == media for e in status_calls)
    assert all(e.status == 200 and e.duration >= 0 for e in recorded)
    starts = [e.started for e in recorded]
    assert starts[0] == 0.0 and starts == sorted(starts) and starts[-1] > 0  # from the first exchange


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("clause", ["KIN-SPS-020", "KIN-SPS-014"])
def test_a_broken_clause_is_reported_and_the_bytes_pass_unchanged(encoding: str, clause: str) -> None:
    mock = Mock(("kinetica",), frozen_clock=True, misbehave=[clause])
    target = SentBytes(mock.asgi("kinetica"))
    with served(target) as server, Proxy(api="kinetica", target=server.url) as proxy:
        got: list[bytes] = []
        with httpx.Client(base_url=proxy.url, event_hooks={"response": [lambda r: r.read()]}) as http:
            db = gpudb.GPUdb(host=proxy.url, options=gpudb.GPUdb.Options({"encoding": encoding, "timeout": 10}))
            ok(db.create_proc("broken", "distributed", {"p.py": b"x"}, "python", ["p.py"], {}))
            run = ok(db.execute_proc("broken", {"duration_ms": "600000"}, {}, [], {}, [], {}))["run_id"]
            finished = ok(db.execute_proc("broken", {"duration_ms": "1000"}, {}, [], {}, [], {}))["run_id"]
            mock.clock.advance(2)
            ok(db.kill_proc(run, {}))
            # The same reads again, raw, to compare bytes: what the client got against what was sent.
            for _ in range(3):
                body = json.dumps({"run_id": "", "options": {}})
                got.append(http.post("/show/proc/status", content=body,
                                     headers={"content-type": "application/json"}).content)
        found = proxy.violations()
    assert {v.clause for v in found} == {clause}, [str(v.to_json())[:300] for v in found]
    assert got == target.bodies[-3:]
    assert any(run in v.message or finished in v.message for v in found)
    evidence = found[0].evidence
    assert len(evidence) == 2 and evidence[0]["exchange"] < evidence[1]["exchange"]


def test_an_unreachable_target_answers_502_in_the_wrapper(tmp_path: Any) -> None:
    with served(Mock(("kinetica",)).asgi("kinetica")) as server:
        gone = server.url
    cassette = tmp_path / "down.jsonl"
    with Proxy(api="kinetica", target=gone, record=cassette) as proxy:
        binary = httpx.post(proxy.url + "/show/system/status", content=b"\x00",
                            headers={"content-type": "application/octet-stream"})
        text = httpx.post(proxy.url + "/show/system/status", json={"options": {}})
    from mockserver.kinetica import wire

    assert binary.status_code == text.status_code == 502
    wrapper = wire.decode_wrapper(binary.content, wire.BINARY)
    assert wrapper["status"] == "ERROR" and "could not reach" in wrapper["message"]
    assert text.json()["status"] == "ERROR" and text.headers["content-type"] == "application/json"
    recorded = read_cassette(cassette).exchanges
    assert [e.status for e in recorded] == [None, None] and all("could not reach" in (e.error or "")
                                                                for e in recorded)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_jobs_polled_by_their_tags_are_followed_each_as_itself(mock_server: MockServer, encoding: str) -> None:
    with Proxy(api="kinetica", target=mock_server.urls["kinetica"]) as proxy:
        db = gpudb.GPUdb(host=proxy.url, options=gpudb.GPUdb.Options({"encoding": encoding, "timeout": 10}))
        request = json.dumps({"proc_name": "nothing", "options": {}})
        first = ok(db.create_job("/has/proc", "json", b"", request, {"job_tag": "first"}))
        mock_server.clock.advance(5)
        assert ok(db.get_job(0, {"job_tag": "first"}))["job_status"] == "DONE"
        second = ok(db.create_job("/has/proc", "json", b"", request, {"job_tag": "second"}))
        # Another job, also asked for as job 0: still running, which is no step back for "first".
        assert ok(db.get_job(-1, {"job_tag": "second"}))["job_status"] == "RUNNING"
        assert ok(db.get_job(second["job_id"], {}))["job_status"] == "RUNNING"
        mock_server.clock.advance(5)
        assert ok(db.get_job(0, {"job_tag": "second"}))["job_status"] == "DONE"
        assert proxy.violations() == [], [v.to_json() for v in proxy.violations()]
        jobs = proxy.app.observer.jobs
        assert (jobs.status(str(first["job_id"])), jobs.status(str(second["job_id"]))) == ("DONE", "DONE")
        assert jobs.status("0") is None and jobs.status("-1") is None
