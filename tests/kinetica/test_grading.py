"""The Kinetica client rules (mockserver/kinetica/grading.py): a finished run's status is read once,
an unknown run id is not read in a loop; in both of the client's encodings, over a real socket."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from mockserver.kinetica import wire
from tests.kinetica.conftest import create_proc_req, execute_req, status_req

ENDED = ("complete", "error", "killed")


class Client:
    """A small Kinetica client: one encoding, one name (X-Client-Id)."""

    def __init__(self, url: str, encoding: str, name: str) -> None:
        self.encoding = encoding
        self.http = httpx.Client(base_url=url, timeout=10, headers={
            "Content-Type": wire.MEDIA_TYPES[encoding], "X-Client-Id": name})

    def call(self, endpoint: str, record: dict[str, Any]) -> dict[str, Any]:
        answer = self.http.post(endpoint, content=wire.encode_request(endpoint, record, self.encoding))
        wrapper = wire.decode_wrapper(answer.content, self.encoding)
        assert wrapper["status"] == "OK", wrapper["message"]
        payload = wrapper["data_str"] if self.encoding == wire.JSON else wrapper["data"]
        return wire.decode_response_record(endpoint, payload, self.encoding)

    def start(self, duration_ms: int = 3000) -> str:
        self.call("/create/proc", create_proc_req("p"))
        run_id: str = self.call("/execute/proc", execute_req("p", {"duration_ms": str(duration_ms)}))["run_id"]
        return run_id

    def status(self, run_id: str) -> str | None:
        overall: dict[str, str] = self.call("/show/proc/status", status_req(run_id))["overall_statuses"]
        return overall.get(run_id)


def rules_failed(mock: Any, client: str) -> dict[str, str]:
    return {v.rule: v.outcome for v in mock.verdicts() if v.client == client}


@pytest.mark.parametrize("encoding", [wire.JSON, wire.BINARY])
def test_reading_the_final_status_once_passes_and_again_fails(kinetica_mock, encoding: str) -> None:
    kinetica_mock.clock.freeze()
    with kinetica_mock.client_time():
        tidy, wasteful = Client(kinetica_mock.url, encoding, "tidy"), Client(kinetica_mock.url, encoding, "wasteful")
        run_id = tidy.start()
        while tidy.status(run_id) not in ENDED:
            time.sleep(1)
        for _ in range(3):          # the wasteful one keeps reading a run that can no longer change
            wasteful.status(run_id)
            time.sleep(1)
    assert rules_failed(kinetica_mock, "tidy") == {"KIN-CLIENT-FINAL-ONCE": "passed",
                                                   "KIN-CLIENT-UNKNOWN-RUN": "not applicable"}
    assert rules_failed(kinetica_mock, "wasteful")["KIN-CLIENT-FINAL-ONCE"] == "failed"
    verdict = next(v for v in kinetica_mock.verdicts() if v.client == "wasteful" and v.failed)
    assert len(verdict.findings[0].evidence) == 3 and verdict.source.startswith("kinetica/show_proc_status.md:")
    with pytest.raises(AssertionError, match="KIN-CLIENT-FINAL-ONCE"):
        kinetica_mock.assert_well_behaved_client()


def test_reading_an_unknown_run_again_and_again_fails(kinetica_mock) -> None:
    kinetica_mock.clock.freeze()
    with kinetica_mock.client_time():
        client = Client(kinetica_mock.url, wire.BINARY, "lost")
        for _ in range(4):
            assert client.status("no-such-run") is None
            time.sleep(2)
    assert rules_failed(kinetica_mock, "lost") == {"KIN-CLIENT-FINAL-ONCE": "not applicable",
                                                   "KIN-CLIENT-UNKNOWN-RUN": "failed"}
    kinetica_mock.assert_well_behaved_client(ignore={"KIN-CLIENT-UNKNOWN-RUN"})
