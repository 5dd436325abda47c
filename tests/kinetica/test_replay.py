"""A Kinetica session recorded from the mock (a slow scenario, forty-minute runs, a failing segment,
a job, a kill; each encoding) replays on the virtual clock (mockserver/kinetica/replay.py): every
run's per-segment statuses, messages, results and output at the recorded instants divided by the
speed, and the job's status.

The session is recorded through the validating proxy (`Proxy(record=..., timer=clock.now)`) in front
of a mock on a frozen clock: the cassette is timed on that clock, as the proxy in front of a real
server would have timed a session that long."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from contract_tests.kinetica.client import BINARY, KineticaTarget, avro_encode, full_request
from mockserver.cassette import read_cassette
from mockserver.clock import Clock
from mockserver.kinetica import wire
from mockserver.proxy import Proxy
from mockserver.runtime import MockServer
from mockserver.scenario import Scenario
from mockserver.spec.avro_forms import to_avro_form, to_json_form
from mockserver.spec.loader import kinetica_avro

SPEED = 60.0          # forty minutes in forty virtual seconds
FORTY_MINUTES = 2400.0
POLL_EVERY = 60.0
KILL_AT = 120.0
SCENARIO = {
    "seed": 11,
    "kinetica": {
        "segments": 3,
        "jobs": {"duration": 90},
        "defaults": {"duration": {"uniform": [200, 700]}, "stdout": 2},
        "rules": [{"match": {"proc": "forty"}, "duration": {"uniform": [FORTY_MINUTES - 50, FORTY_MINUTES]},
                   "results": {"rows": "1000"}}],
    },
}
JOB_TAG = "replayed-job"
FAILING = {"fail_segments": "1", "fail_message": "rank 1 lost its input"}


@dataclass
class Session:
    """The client's side of the session: the same requests for the recording and the replay."""

    http: httpx.Client
    encoding: str

    def call(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        request_schema, _ = kinetica_avro(endpoint)
        record = full_request(endpoint, to_avro_form(body, request_schema))
        if self.encoding == BINARY:
            content, media = avro_encode(request_schema, record), "application/octet-stream"
        else:
            content, media = json.dumps(to_json_form(record)).encode(), "application/json"
        response = self.http.post(endpoint, content=content, headers={"Content-Type": media})
        return KineticaTarget.decode(endpoint, self.encoding, response.status_code,
                                     response.headers.get("content-type", ""), response.content).expect_ok()

    def start(self) -> tuple[list[str], int]:
        """Two procs and four runs: the ids of the three executed directly (the fourth, run by the
        job, is listed third), and the job's id."""
        for name in ("forty", "mixed"):
            self.call("/create/proc", {"proc_name": name, "execution_mode": "distributed",
                                       "files": {"p.py": b"#"}, "command": "python", "args": ["p.py"]})
        runs = [self.call("/execute/proc", {"proc_name": "forty"})["run_id"],
                self.call("/execute/proc", {"proc_name": "mixed", "params": FAILING})["run_id"]]
        inner = {"proc_name": "mixed"}
        payload = (wire.encode_request("/execute/proc", full_request("/execute/proc", inner), "binary")
                   if self.encoding == BINARY else json.dumps(inner).encode())
        job = self.call("/create/job", {"endpoint": "/execute/proc", "request_encoding": self.encoding,
                                        "data": payload if self.encoding == BINARY else b"",
                                        "data_str": "" if self.encoding == BINARY else payload.decode(),
                                        "options": {"job_tag": JOB_TAG}})
        runs.append(self.call("/execute/proc", {"proc_name": "forty", "run_tag": "to-kill"})["run_id"])
        return runs, job["job_id"]

    def status(self) -> dict[str, Any]:
        return self.call("/show/proc/status", {})

    def job(self, job_id: int) -> dict[str, Any]:
        """Polled by its id in binary, by its tag in JSON (the replay reads either)."""
        if self.encoding == BINARY:
            return self.call("/get/job", {"job_id": job_id})
        return self.call("/get/job", {"job_id": 0, "options": {"job_tag": JOB_TAG}})

    def kill(self, run_id: str) -> None:
        self.call("/kill/proc", {"run_id": run_id})


def _view(status: dict[str, Any], run_id: str) -> dict[str, Any]:
    """One run's part of a /show/proc/status answer, without the timings (instants differ)."""
    return {name: status[name][run_id] for name in ("overall_statuses", "statuses", "messages", "results", "output")}


@pytest.fixture(params=["binary", "json"], scope="module")
def cassette(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kinetica-replay") / f"{request.param}.jsonl"
    server = MockServer(apis=["kinetica"], frozen_clock=True, scenario=Scenario.from_dict(SCENARIO)).start()
    clock = server.clock
    try:
        with Proxy(api="kinetica", target=server.urls["kinetica"], record=path, timer=clock.now) as proxy, \
                httpx.Client(base_url=proxy.url, timeout=10) as http:
            session = Session(http, request.param)
            runs, job_id = session.start()
            session.status()
            session.job(job_id)
            elapsed = 0.0
            while elapsed < FORTY_MINUTES:
                clock.advance(POLL_EVERY)
                elapsed += POLL_EVERY
                if elapsed == KILL_AT:
                    session.kill(runs[2])
                session.status()
                session.job(job_id)
            # What passed breaks no clause (the JSON session polls its job by tag).
            assert proxy.violations() == [], [v.to_json() for v in proxy.violations()]
    finally:
        server.stop()
    return path


@pytest.fixture
def replay(cassette: Path) -> Iterator[tuple[Session, Clock]]:
    server = MockServer(apis=["kinetica"], frozen_clock=True, replay=cassette, replay_speed=SPEED).start()
    try:
        with httpx.Client(base_url=server.urls["kinetica"], timeout=10) as http:
            yield Session(http, cassette.stem), server.clock
    finally:
        server.stop()


def _recorded_polls(cassette: Path) -> list[tuple[float, dict[str, Any], dict[str, Any]]]:
    """(seconds into the session, the /show/proc/status answer, the /get/job answer) per poll."""
    exchanges = list(read_cassette(cassette))
    encoding = cassette.stem
    polls: list[tuple[float, dict[str, Any], dict[str, Any]]] = []
    for exchange in exchanges:
        if exchange.path == "/show/proc/status":
            answer = KineticaTarget.decode("/show/proc/status", encoding, exchange.status or 0,
                                           exchange.header("content-type") or "", exchange.response_body)
            polls.append((exchange.started, answer.expect_ok(), {}))
        elif exchange.path == "/get/job":
            answer = KineticaTarget.decode("/get/job", encoding, exchange.status or 0,
                                           exchange.header("content-type") or "", exchange.response_body)
            polls[-1] = (polls[-1][0], polls[-1][1], answer.expect_ok())
    return polls


def test_every_run_replays_its_recorded_segments_between_the_recorded_polls(
        cassette: Path, replay: tuple[Session, Clock]) -> None:
    polls = _recorded_polls(cassette)
    recorded_ids = list(polls[0][1]["overall_statuses"])
    assert len(recorded_ids) == 4
    final = polls[-1][1]["overall_statuses"]
    assert [final[r] for r in recorded_ids] == ["complete", "error", "complete", "killed"]
    session, clock = replay
    began = clock.now()
    runs, job_id = session.start()
    replayed_ids = list(session.status()["overall_statuses"])   # in the order they were executed
    assert len(replayed_ids) == 4 and replayed_ids[3] == runs[2]
    seen = []
    instants = [at for at, _, _ in polls] + [polls[-1][0] + POLL_EVERY]
    for (at, status, job), following in zip(polls, instants[1:], strict=True):
        # Midway to the next recorded poll: the replay answers what this one saw.
        clock.set(max(clock.now(), began + (at + following) / 2 / SPEED))
        if status["overall_statuses"][recorded_ids[3]] == "killed" and "killed" not in seen:
            session.kill(runs[2])
            seen.append("killed")
        answer = session.status()
        for recorded_id, run_id in zip(recorded_ids, replayed_ids, strict=True):
            assert _view(answer, run_id) == _view(status, recorded_id), (at, recorded_id)
        replayed_job = session.job(job_id)
        assert (replayed_job["job_status"], replayed_job["status_map"]) == (job["job_status"], job["status_map"])
    assert json.loads(json.dumps(_view(answer, runs[1])["messages"]))["1"] == "rank 1 lost its input"


def test_a_forty_minute_run_plays_after_the_clock_moves_forty_minutes_over_the_speed(
        cassette: Path, replay: tuple[Session, Clock]) -> None:
    ended = next(at for at, status, _ in _recorded_polls(cassette)
                 if status["overall_statuses"][next(iter(status["overall_statuses"]))] == "complete")
    assert FORTY_MINUTES - POLL_EVERY < ended <= FORTY_MINUTES
    session, clock = replay
    began = clock.now()
    runs, _ = session.start()
    clock.set(began + (ended - POLL_EVERY) / SPEED)
    assert session.status()["overall_statuses"][runs[0]] == "running"
    clock.set(began + FORTY_MINUTES / SPEED)   # as clock.advance(2400 / SPEED) from the start would
    status = session.status()
    assert status["overall_statuses"][runs[0]] == "complete"
    assert {segment: results["rows"] for segment, results in status["results"][runs[0]].items()} == \
        {"0": "1000", "1": "1000", "2": "1000"}


def test_a_reset_replays_the_recording_again_and_runs_beyond_it_follow_the_scenario(
        cassette: Path, replay: tuple[Session, Clock]) -> None:
    session, clock = replay
    first, _ = session.start()
    session.http.post("/_mock/reset").raise_for_status()
    again, _ = session.start()
    clock.advance(FORTY_MINUTES / SPEED)
    status = session.status()
    assert list(status["overall_statuses"].values())[-4:] == ["complete", "error", "complete", "running"]
    extra = session.call("/execute/proc", {"proc_name": "forty", "params": {"duration_ms": "1000"}})["run_id"]
    assert session.status()["overall_statuses"][extra] == "running"
    clock.advance(1.0)
    assert session.status()["overall_statuses"][extra] == "complete"
    assert first != again


def test_the_official_client_reads_the_replay_in_the_recorded_encoding(
        cassette: Path, replay: tuple[Session, Clock]) -> None:
    gpudb = pytest.importorskip("gpudb")
    session, clock = replay
    final = _recorded_polls(cassette)[-1][1]
    recorded_forty, recorded_mixed = list(final["overall_statuses"])[:2]
    url = str(session.http.base_url).rstrip("/")
    db = gpudb.GPUdb(host=url + "/gpudb-0", options=gpudb.GPUdb.Options(
        {"encoding": session.encoding.upper(), "timeout": 10}))
    for name in ("forty", "mixed"):
        assert db.create_proc(name, "distributed", {"p.py": b"#"}, "python", ["p.py"], {})["status_info"][
            "status"] == "OK"
    forty = db.execute_proc("forty", {}, {}, [], {}, [], {})["run_id"]
    mixed = db.execute_proc("mixed", FAILING, {}, [], {}, [], {})["run_id"]
    clock.advance(FORTY_MINUTES / SPEED)
    answer = db.show_proc_status("", {})
    assert answer["status_info"]["status"] == "OK"
    for run_id, recorded_id in ((forty, recorded_forty), (mixed, recorded_mixed)):
        assert answer["overall_statuses"][run_id] == final["overall_statuses"][recorded_id]
        assert answer["statuses"][run_id] == final["statuses"][recorded_id]
        assert answer["messages"][run_id] == final["messages"][recorded_id]
        assert answer["results"][run_id] == final["results"][recorded_id]


def test_a_replayed_segment_starts_at_its_recorded_start_counted_from_its_creation() -> None:
    from mockserver.kinetica.models import Segment

    def segment() -> Segment:
        return Segment(index=0, created=10.0, duration=5.0, polls_needed=None, hang=False, outcome="complete",
                       fail_message="", results={}, stdout=(), stderr=(), delay=100.0)

    # A slot free at once, or after a wait shorter than the recorded one: the recorded start, not
    # the wait plus the recorded start (the recording's start already holds its queueing).
    for slot in (10.0, 40.0):
        queued = segment()
        queued.begin(slot)
        assert (queued.start, queued.end) == (110.0, 115.0)
    late = segment()
    late.begin(300.0)   # the replay's own queue is longer: it waits for it
    assert (late.start, late.end) == (300.0, 305.0)
