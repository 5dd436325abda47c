"""The conformance report's client section: how the code under test behaved with the fixtures' mocks."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from contract_tests.report import ClauseLedger, render_html, render_markdown
from tests.contract.test_suite_runs import ENV

USER_TEST = textwrap.dedent('''
    import time

    import httpx


    def test_hasty_client(praisonai_mock):
        praisonai_mock.clock.freeze()
        with praisonai_mock.client_time():
            job = httpx.post(praisonai_mock.url + "/api/v1/runs", json={"prompt": "x"}).json()["job_id"]
            time.sleep(2)
            while httpx.get(f"{praisonai_mock.url}/api/v1/runs/{job}").json()["status"] not in (
                    "succeeded", "failed", "cancelled"):
                time.sleep(0.01)


    def test_no_client_at_all(praisonai_mock):
        assert praisonai_mock.verdicts() == []
''')


def test_the_report_lists_the_clients_verdicts_with_their_evidence(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TEST)
    report = tmp_path / "out"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "contract_tests.plugin", "-p", "no:cacheprovider",
               "test_user.py", "--contract-report", str(report)]
    done = subprocess.run(command, cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    data = json.loads((report / "conformance.json").read_text())
    outcomes = {(v["nodeid"], v["rule"]): v["outcome"] for v in data["client_verdicts"]}
    assert outcomes[("test_user.py::test_hasty_client", "PRA-CLIENT-WAIT")] == "failed"
    assert outcomes[("test_user.py::test_hasty_client", "PRA-CLIENT-STOP")] == "passed"
    assert not any(nodeid.endswith("test_no_client_at_all") for nodeid, _ in outcomes)
    markdown = (report / "conformance.md").read_text()
    assert "## Client verdicts" in markdown and "where" in markdown.split("## Client verdicts")[1]
    assert "PRA-CLIENT-WAIT" in (report / "conformance.html").read_text()


def test_no_client_section_without_client_verdicts() -> None:
    ledger = ClauseLedger()
    assert "Client verdicts" not in render_markdown(ledger, [], targets={}, profile="impl")
    assert "Client verdicts" not in render_html(ledger, [], targets={}, profile="impl")
