"""The proxy asserts clauses only: a mock making any other choice the contract leaves open (each
latitude the mock can vary, `Mock(vary=...)`) gets no violation for the same sessions, in each
profile the latitude belongs to."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest

from contract_tests.latitudes import LATITUDES
from mockserver.proxy import Proxy
from mockserver.runtime import Mock, MockServer

gpudb = pytest.importorskip("gpudb")

PROFILES = {lat.id: lat.profiles for lat in LATITUDES}
CHOICES = [(lat.id, lat.api, choice, profile)
           for lat in Mock(frozen_clock=True).variation.latitudes.values() for choice in lat.choices[1:]
           for profile in (sorted(PROFILES.get(lat.id, {"impl"})) if lat.api == "praisonai" else ["impl"])]
RUNS = "/api/v1/runs"


def kinetica_session(db: Any, advance: Any) -> None:
    """Runs that finish, fail, get killed and cleared, a job, a deleted proc: nothing asserted here."""
    db.create_proc("varied", "distributed", {"p.py": b"x"}, "python", ["p.py"], {})
    done = db.execute_proc("varied", {"duration_ms": "2000"}, {}, [], {}, [], {})["run_id"]
    long = db.execute_proc("varied", {"duration_ms": "600000"}, {}, [], {}, [], {})["run_id"]
    db.execute_proc("varied", {"duration_ms": "1000", "fail_segments": "0", "fail_message": "no"}, {}, [], {}, [], {})
    db.show_proc_status(done, {})
    advance(3)
    db.kill_proc(long, {})
    for _ in range(2):
        db.show_proc_status("", {})
        advance(5)
    job = db.create_job("/has/proc", "json", b"", json.dumps({"proc_name": "varied", "options": {}}), {})
    db.get_job(job["job_id"], {})
    advance(5)
    db.get_job(job["job_id"], {})
    db.show_proc_status("", {"clear_complete": "true"})
    db.show_proc_status(done, {})
    db.delete_proc("varied", {})
    db.show_proc_status("", {})


def stream_while_it_runs(client: httpx.Client, job_id: str, advance: Any) -> list[str]:
    """Read a job's stream in a thread while the clock takes the job to its end; its lines."""
    lines: list[str] = []
    opened = threading.Event()

    def read() -> None:
        with httpx.stream("GET", f"{client.base_url}{RUNS}/{job_id}/stream", timeout=10) as response:
            opened.set()
            lines.extend(response.iter_lines())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert opened.wait(10)
    advance(60)
    reader.join(10)
    assert not reader.is_alive()
    return lines


def praisonai_session(client: httpx.Client, advance: Any) -> None:
    streamed = client.post(RUNS, json={"prompt": "s"}).json()["job_id"]
    advance(0.5)
    stream_while_it_runs(client, streamed, advance)
    ran = client.post(RUNS, json={"prompt": "a"}).json()["job_id"]
    cancelled = client.post(RUNS, json={"prompt": "b"}).json()["job_id"]
    failed = client.post(RUNS, json={"prompt": "c", "config": {"mock_fail": "boom"}}).json()["job_id"]
    client.get(f"{RUNS}/{ran}")
    advance(1.5)
    client.get(f"{RUNS}/{ran}")
    client.post(f"{RUNS}/{cancelled}/cancel")
    client.get(f"{RUNS}/{cancelled}")
    advance(60)
    for job_id in (ran, cancelled, failed):
        client.get(f"{RUNS}/{job_id}")
        client.get(f"{RUNS}/{job_id}/result")
    client.get(RUNS, params={"page_size": 50})
    client.delete(f"{RUNS}/{ran}")
    client.get(f"{RUNS}/{ran}")


@pytest.mark.parametrize(("latitude", "api", "choice", "profile"), CHOICES,
                         ids=[f"{lid}={choice}-{profile}" for lid, _, choice, profile in CHOICES])
def test_another_correct_choice_is_no_violation(latitude: str, api: str, choice: str, profile: str) -> None:
    with MockServer(apis=(api,), frozen_clock=True, vary={latitude: choice}, profile=profile) as mock, \
            Proxy(api=api, target=mock.urls[api], profile=profile) as proxy:
        if api == "kinetica":
            for encoding in ("JSON", "BINARY"):
                db = gpudb.GPUdb(host=proxy.url, options=gpudb.GPUdb.Options({"encoding": encoding}))
                kinetica_session(db, mock.clock.advance)
        else:
            with httpx.Client(base_url=proxy.url) as client:
                praisonai_session(client, mock.clock.advance)
        assert proxy.summary()["exchanges"] > 10
        assert proxy.violations() == [], [v.to_json() for v in proxy.violations()]
