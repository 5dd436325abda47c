"""praisonai-code's jobs client through the proxy against the real praisonai 4.7.19 app, with no
violation; a mock broken in one clause behind the proxy, reported; an event stream that reaches the
client event by event; credentials that appear nowhere the proxy writes."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from mockserver.auth import AuthConfig
from mockserver.cassette import read_cassette
from mockserver.proxy import Proxy
from mockserver.runtime import MockServer
from tests.conftest import require_in_ci
from tests.praisonai.reference import reference_server, unavailable

try:
    from praisonai_code.cli.features import jobs
except ImportError:
    require_in_ci("praisonai-code is not installed (pip install --no-deps praisonai-code==0.1.16)")

RUNS = "/api/v1/runs"


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    reason = unavailable()
    if reason:
        require_in_ci(reason)
        pytest.skip(reason)
    with reference_server(tmp_path_factory.mktemp("reference"), "--max-concurrent", "8", warm_up=True) as url:
        yield url


@pytest.fixture
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The reference runs in real time: the client's waits (retry_after, 2-5 s) are cut to 0.2 s."""
    asked: list[float] = []

    def sleep(seconds: float) -> None:
        asked.append(seconds)
        time.sleep(min(seconds, 0.2))

    monkeypatch.setattr(jobs, "time", SimpleNamespace(sleep=sleep, time=time.time))
    return asked


def test_the_jobs_client_against_the_reference_has_no_violation(reference: str, quick_polls: list[float],
                                                                 tmp_path: Path, capsys: Any) -> None:
    cassette = tmp_path / "reference.jsonl"
    with Proxy(api="praisonai", target=reference, record=cassette) as proxy:
        handler = jobs.JobsHandler(api_url=proxy.url)
        first = handler.submit("through the proxy", session_id="proxy-s1", output_json=True)
        doomed = handler.submit("cancel me", output_json=True)
        assert handler.cancel(doomed["job_id"])["status"] == "cancelled"
        with pytest.raises(httpx.HTTPStatusError):
            handler.cancel(doomed["job_id"])          # 409: already finished
        streamed = handler.submit("stream me", output_json=True)
        handler.stream(streamed["job_id"], output_json=True)  # to the end of the run
        done = handler.submit("wait for me", wait=True, output_json=True)
        assert done["status"] == "succeeded" and quick_polls
        handler.status(first["job_id"])
        assert handler.result(done["job_id"])["result"] == "Mock result for: wait for me"
        assert handler.list_jobs(page=1, page_size=50)["total"] >= 4
        handler.list_jobs(status="succeeded", page=1, page_size=5)
        assert httpx.delete(f"{proxy.url}{RUNS}/{done['job_id']}").status_code == 204
        assert httpx.get(f"{proxy.url}{RUNS}/{done['job_id']}").status_code == 404
        assert proxy.violations() == [], [v.to_json() for v in proxy.violations()]
        judged = set(proxy.app.observer.judged)
    assert {"PRA-OAS-001", "PRA-STA-014", "PRA-CAN-005", "PRA-DEL-001"} <= judged
    recorded = read_cassette(cassette).exchanges
    stream = next(e for e in recorded if e.path.endswith("/stream"))
    offsets = [e.offset for e in stream.events]
    assert len(offsets) >= 3 and offsets == sorted(offsets) and offsets[-1] > offsets[0]
    # The events, line ends and all, are the stream's bytes.
    assert b"".join(e.text.encode() for e in stream.events) == stream.response_body


@pytest.mark.parametrize(("clause", "cancel"), [("PRA-STA-014", False), ("PRA-CAN-005", True)])
def test_a_broken_clause_behind_the_proxy_is_reported(clause: str, cancel: bool) -> None:
    with MockServer(apis=("praisonai",), frozen_clock=True, misbehave=[clause]) as mock, \
            Proxy(api="praisonai", target=mock.urls["praisonai"]) as proxy, \
            httpx.Client(base_url=proxy.url) as client:
        job_id = client.post(RUNS, json={"prompt": "flip"}).json()["job_id"]
        if cancel:
            assert client.post(f"{RUNS}/{job_id}/cancel").status_code == 200
        mock.clock.advance(30)
        answers = [client.get(f"{RUNS}/{job_id}").content for _ in range(2)]
        direct = httpx.get(f"{mock.urls['praisonai']}{RUNS}/{job_id}").content
        found = proxy.violations()
    # The flipped answer may break more than the clause (a running job with a completed_at breaks
    # PRA-STA-008 too): the broken clause must be among them.
    ours = [v for v in found if v.clause == clause]
    assert ours, [v.to_json() for v in found]
    assert json.loads(answers[1])["status"] == json.loads(direct)["status"]  # the broken answer got through
    assert job_id in ours[0].message and len(ours[0].evidence) == 2


def test_a_stream_through_the_proxy_arrives_event_by_event(tmp_path: Path) -> None:
    cassette = tmp_path / "stream.jsonl"
    with MockServer(apis=("praisonai",), frozen_clock=True) as mock, \
            Proxy(api="praisonai", target=mock.urls["praisonai"], record=cassette) as proxy:
        job_id = httpx.post(f"{proxy.url}{RUNS}", json={"prompt": "slowly",
                                                        "config": {"mock_steps": 2}}).json()["job_id"]
        mock.clock.advance(0.5)
        lines: list[str] = []
        first_event = threading.Event()

        def read() -> None:
            with httpx.stream("GET", f"{proxy.url}{RUNS}/{job_id}/stream", timeout=10) as response:
                for line in response.iter_lines():
                    lines.append(line)
                    if line.startswith("data:"):
                        first_event.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        # The run has not finished (the clock is frozen): its first events must come through now,
        # while the server's answer is still open.
        assert first_event.wait(10), "no event before the stream ended: the proxy buffers"
        before = [line for line in lines if line.startswith("data:")]
        assert reader.is_alive()
        mock.clock.advance(60)
        reader.join(10)
        assert not reader.is_alive()
        assert proxy.violations() == []
    after = [line for line in lines if line.startswith("data:")]
    assert len(after) > len(before) >= 1
    assert any('"succeeded"' in line for line in after[len(before):]) and '"result"' in after[-1]
    stream = read_cassette(cassette).exchanges[-1]
    assert stream.path.endswith("/stream") and len(stream.events) == len(after)


def test_credentials_appear_nowhere_the_proxy_writes(tmp_path: Path) -> None:
    token, key = "s3cr3t-bearer-token", "k3y-s3cr3t-value"
    cassette, report = tmp_path / "creds.jsonl", tmp_path / "report"
    with MockServer(apis=("praisonai",), frozen_clock=True, misbehave=["PRA-STA-014"],
                    auth=AuthConfig(bearer=token)) as mock, \
            Proxy(api="praisonai", target=mock.urls["praisonai"], record=cassette) as proxy, \
            httpx.Client(base_url=proxy.url, headers={"Authorization": f"Bearer {token}",
                                                      "X-API-Key": key}) as client:
        job_id = client.post(RUNS, json={"prompt": "secret"}).json()["job_id"]
        mock.clock.advance(30)
        client.get(f"{RUNS}/{job_id}", params={"api_key": key})
        client.get(f"{RUNS}/{job_id}", params={"api_key": key})
        assert "PRA-STA-014" in {v.clause for v in proxy.violations()}
        listed = client.get("/_mock/violations").text
        proxy.write_report(report)
    written = [listed, cassette.read_text()] + [p.read_text() for p in report.iterdir()]
    assert len(written) == 5 and "PRA-STA-014" in written[0]
    for text in written:
        assert token not in text and key not in text
    assert "REDACTED" in listed


def test_the_docs_profile_holds_a_docs_server_to_the_pages() -> None:
    with MockServer(apis=("praisonai",), frozen_clock=True, profile="docs") as mock, \
            Proxy(api="praisonai", target=mock.urls["praisonai"], profile="docs") as proxy, \
            httpx.Client(base_url=proxy.url) as client:
        kept = client.post(RUNS, json={"prompt": "documented"}).json()["job_id"]
        dropped = client.post(RUNS, json={"prompt": "cancelled"}).json()["job_id"]
        assert client.post(f"{RUNS}/{dropped}/cancel").status_code == 200
        mock.clock.advance(0.5)
        framed: list[str] = []
        opened = threading.Event()

        def read() -> None:  # the pages' framing: a finished job has no stream, so read it while it runs
            with httpx.stream("GET", f"{proxy.url}{RUNS}/{kept}/stream", timeout=10) as stream:
                for line in stream.iter_lines():
                    opened.set()
                    if line.startswith("data:"):
                        framed.append(line)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        assert opened.wait(10)
        mock.clock.advance(60)
        reader.join(10)
        assert framed[-1] == "data: [DONE]" and '"complete"' in framed[-2]
        client.get(f"{RUNS}/{kept}")
        client.get(f"{RUNS}/{kept}/result")
        client.get(RUNS, params={"page_size": 10})
        assert client.delete(f"{RUNS}/{dropped}").status_code in (200, 204)
        assert proxy.violations() == [], [v.to_json() for v in proxy.violations()]
        assert "PRA-STA-014" in proxy.app.observer.judged
