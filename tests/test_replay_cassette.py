"""Replaying a cassette (mockserver/replaying.py): matching by order per key, the refusals of files
that cannot be replayed (one line on the CLI, exit 2), and `mockserver serve --replay` end to end.
The per-API timelines are tested in tests/praisonai/test_replay.py and tests/kinetica/test_replay.py."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver.cli import main
from mockserver.proxy import Proxy
from mockserver.replaying import Recorded, ReplayError, checked_speed
from mockserver.runtime import Mock, MockServer
from tests.test_cli import _free_port, _serve, _stop, _wait_for_port


def test_recorded_plans_go_out_in_order_per_key_and_again_after_a_rewind() -> None:
    recorded = Recorded([("a", 1), ("b", 2), ("a", 3)])
    assert len(recorded) == 3
    assert [recorded.take("a"), recorded.take("a"), recorded.take("a"), recorded.take("b")] == [1, 3, None, 2]
    recorded.rewind()
    assert recorded.take("a") == 1


@pytest.mark.parametrize("speed", [0, -1, math.inf, math.nan, True, "2"])
def test_a_speed_must_be_a_number_more_than_0(speed: object) -> None:
    with pytest.raises(ReplayError, match="replay speed must be a number more than 0"):
        checked_speed(speed)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def praisonai_cassette(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run (3 steps of 10 s) recorded from the mock on its frozen clock: the submit, then a
    status poll every 5 s until it succeeds, then its result."""
    path = tmp_path_factory.mktemp("replay") / "praisonai.jsonl"
    server = MockServer(apis=["praisonai"], frozen_clock=True).start()
    try:
        with Proxy(api="praisonai", target=server.urls["praisonai"], record=path, timer=server.clock.now) as proxy, \
                httpx.Client(base_url=proxy.url, timeout=10) as http:
            submitted = http.post("/api/v1/runs", json={"prompt": "p", "config": {"mock_step_seconds": 10}})
            job_id = submitted.json()["job_id"]
            while http.get(f"/api/v1/runs/{job_id}").json()["status"] != "succeeded":
                server.clock.advance(5)
            http.get(f"/api/v1/runs/{job_id}/result")
    finally:
        server.stop()
    return path


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


@pytest.fixture
def bad_cassettes(tmp_path: Path, praisonai_cassette: Path) -> Iterator[dict[str, tuple[Path, str]]]:
    lines = praisonai_cassette.read_text().splitlines()
    foreign = [json.dumps({"cassette": 1, "apis": ["grpc"]}),
               lines[1].replace('"api":"praisonai"', '"api":"grpc"')]
    yield {
        "missing": (tmp_path / "nope.jsonl", "no such file"),
        "directory": (tmp_path, "a directory, not a cassette"),
        "not json": (_write(tmp_path / "a.txt", "hello\n"), "a.txt:1: not JSON"),
        "not text": (_write(tmp_path / "b.bin", b"\xff\xfe\x00\x01\n"), "not a cassette (not UTF-8 text)"),
        "other header": (_write(tmp_path / "c.json", '{"openapi": "3.1.0"}\n'), "not a version-1 cassette header"),
        "bad exchange": (_write(tmp_path / "d.jsonl", lines[0] + '\n{"api": "praisonai"}\n'),
                         "d.jsonl:2: not an exchange"),
        "unknown api": (_write(tmp_path / "e.jsonl", "\n".join(foreign) + "\n"),
                        "records API(s) grpc this mock does not know"),
    }


@pytest.mark.parametrize("case", ["missing", "directory", "not json", "not text", "other header", "bad exchange",
                                  "unknown api"])
def test_a_file_that_cannot_be_replayed_is_one_line_and_exit_2(
        capsys: pytest.CaptureFixture[str], bad_cassettes: dict[str, tuple[Path, str]], case: str) -> None:
    path, reason = bad_cassettes[case]
    assert main(["serve", "--kinetica-port", "0", "--praisonai-port", "0", "--replay", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mockserver: --replay {path}") and reason in err and err.count("\n") == 1, err
    # From Python the message names the file, not a command-line option.
    with pytest.raises(ReplayError, match=re.escape(reason)) as raised:
        Mock(replay=path)
    assert str(raised.value).startswith(str(path)) and "--replay" not in str(raised.value)


def test_a_recording_of_an_api_not_served_and_a_speed_alone_are_refused(
        capsys: pytest.CaptureFixture[str], praisonai_cassette: Path) -> None:
    assert main(["serve", "--api", "kinetica", "--kinetica-port", "0", "--replay", str(praisonai_cassette)]) == 2
    assert "records praisonai, which this mock is not serving" in capsys.readouterr().err
    assert main(["serve", "--api", "kinetica", "--replay-speed", "2"]) == 2
    assert capsys.readouterr().err == "mockserver: --replay-speed needs --replay FILE\n"
    for speed in ("0", "nan", "fast"):   # the rule of mockserver.replaying.checked_speed
        with pytest.raises(SystemExit) as exit_:
            main(["serve", "--replay", str(praisonai_cassette), "--replay-speed", speed])
        assert exit_.value.code == 2
        assert f"--replay-speed: {speed} is not a number more than 0" in capsys.readouterr().err


def test_serve_replays_a_recorded_run_at_the_given_speed(praisonai_cassette: Path) -> None:
    port = _free_port()
    proc = _serve("--api", "praisonai", "--praisonai-port", str(port), "--frozen-clock",
                  "--replay", str(praisonai_cassette), "--replay-speed", "10")
    try:
        _wait_for_port(port, proc)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            job_id = http.post("/api/v1/runs", json={"prompt": "p"}).json()["job_id"]
            seen = []
            # Midway between the recorded polls (every 5 s, so 0.5 s of the replay's clock).
            http.post("/_mock/clock/advance", json={"seconds": 0.25}).raise_for_status()
            for _ in range(8):
                body = http.get(f"/api/v1/runs/{job_id}").json()
                seen.append((body["status"], body["progress"]["steps_completed"]))
                http.post("/_mock/clock/advance", json={"seconds": 0.5}).raise_for_status()
            result = http.get(f"/api/v1/runs/{job_id}/result").json()
    finally:
        code, out, err = _stop(proc)
    assert code == 0, err
    assert f"replaying {praisonai_cassette} at 10x speed (praisonai: 1 run(s))" in out
    # Recorded: a step every 10 s, seen by polls every 5 s (each change at the first poll showing
    # it: started at 5 s, steps at 15 s and 25 s, the end at 35 s); replayed ten times as fast, and
    # not as the scenario's default (three 1 s steps) would have it.
    assert seen == [("queued", 0), ("running", 0), ("running", 0), ("running", 1), ("running", 1),
                    ("running", 2), ("running", 2), ("succeeded", 3)]
    assert result["result"] == "Mock result for: p"



def test_the_replay_mock_fixture_serves_a_replay_on_a_frozen_clock(replay_mock, praisonai_cassette: Path) -> None:
    server = replay_mock(praisonai_cassette, speed=5, apis=["praisonai"])
    assert server.clock.frozen and server.mock.replaying == praisonai_cassette
    with httpx.Client(base_url=server.urls["praisonai"], timeout=5) as http:
        job_id = http.post("/api/v1/runs", json={"prompt": "p"}).json()["job_id"]
        server.clock.advance(35 / 5 + 0.1)
        assert http.get(f"/api/v1/runs/{job_id}").json()["status"] == "succeeded"
        second = http.post("/api/v1/runs", json={"prompt": "p"}).json()["job_id"]
        server.clock.advance(3.1)   # beyond the recording: the scenario's three 1 s steps
        assert http.get(f"/api/v1/runs/{second}").json()["status"] == "succeeded"


def test_a_run_cancelled_while_queued_replays_queued_until_the_client_cancels_it(tmp_path: Path) -> None:
    path = tmp_path / "queued.jsonl"
    recorder = MockServer(apis=["praisonai"], frozen_clock=True).start()
    try:
        with Proxy(api="praisonai", target=recorder.urls["praisonai"], record=path,
                   timer=recorder.clock.now) as proxy, httpx.Client(base_url=proxy.url, timeout=10) as http:
            queued = http.post("/api/v1/runs", json={"prompt": "q", "config": {"mock_queue_seconds": 600}})
            job_id = queued.json()["job_id"]
            recorder.clock.advance(30)
            assert http.get(f"/api/v1/runs/{job_id}").json()["status"] == "queued"
            assert http.post(f"/api/v1/runs/{job_id}/cancel").json()["status"] == "cancelled"
    finally:
        recorder.stop()
    server = MockServer(apis=["praisonai"], frozen_clock=True, replay=path).start()
    try:
        with httpx.Client(base_url=server.urls["praisonai"], timeout=10) as http:
            job_id = http.post("/api/v1/runs", json={"prompt": "q"}).json()["job_id"]
            server.clock.advance(3600)
            assert http.get(f"/api/v1/runs/{job_id}").json()["status"] == "queued"
            state = http.get("/_mock/state")
            assert state.status_code == 200
            (run,) = state.json()["praisonai"]["runs"]
            assert run["plan"]["replayed"] is True and run["plan"]["queue_seconds"] is None
            assert http.post(f"/api/v1/runs/{job_id}/cancel").json()["status"] == "cancelled"
    finally:
        server.stop()


def test_a_replay_slower_than_the_timeout_still_ends_as_recorded(praisonai_cassette: Path) -> None:
    # Recorded: over at 35 s; at 1/200 of the speed, at 7000 s, past the run's 3600 s timeout.
    server = MockServer(apis=["praisonai"], frozen_clock=True, replay=praisonai_cassette,
                        replay_speed=1 / 200).start()
    try:
        with httpx.Client(base_url=server.urls["praisonai"], timeout=10) as http:
            job_id = http.post("/api/v1/runs", json={"prompt": "p"}).json()["job_id"]
            server.clock.advance(6990)
            assert http.get(f"/api/v1/runs/{job_id}").json()["status"] == "running"
            server.clock.advance(20)
            result = http.get(f"/api/v1/runs/{job_id}/result").json()
    finally:
        server.stop()
    assert (result["status"], result["result"], result["error"]) == ("succeeded", "Mock result for: p", None)
