"""Schemathesis's own CLI, run as its docs show (`st run <openapi-url> --checks all`), against the
OpenAPI document each port of a running mock serves, with the project's schemathesis.toml."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mockserver import MockServer
from tests.conftest import REPO

pytest.importorskip("schemathesis")


def _st() -> list[str]:
    found = shutil.which("st", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "schemathesis.cli"]


def _st_run(document_url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    # Bounded: few examples per operation, one worker, loopback only; the config file is found in
    # the folder st runs in (the repository), as it would be for a user in their clone.
    return subprocess.run(
        [*_st(), "run", document_url, "--checks", "all", "--max-examples", "5", "--seed", "1", "--workers", "1",
         "--generation-database", "none", "--no-color", "--request-timeout", "10", *extra],
        cwd=REPO, capture_output=True, text=True, timeout=240)


def _outcome(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout[result.stdout.find("SUMMARY"):] or result.stdout[-3000:] + result.stderr[-2000:]


@pytest.mark.parametrize("profile", ["impl", "docs"])
def test_schemathesis_finds_nothing_against_either_api(profile: str) -> None:
    with MockServer(profile=profile) as mock:
        for api, url in mock.urls.items():
            document = httpx.get(f"{url}/openapi.json", timeout=10).json()
            assert document["servers"] == [{"url": url}]
            if profile == "docs" and api != "praisonai":
                continue  # the profile concerns PraisonAI only: Kinetica is run once
            result = _st_run(f"{url}/openapi.json")
            summary = _outcome(result)
            assert result.returncode == 0, f"{api} ({profile}): {summary}"
            assert " passed" in summary and "failures" not in summary.split("Test cases:")[-1], summary


def test_each_port_serves_its_document_naming_that_port() -> None:
    with MockServer() as mock:
        for url in mock.urls.values():
            answer = httpx.get(f"{url}/openapi.json", timeout=10)
            assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
            document = answer.json()
            assert document["openapi"].startswith("3.") and document["paths"]
            assert document["servers"] == [{"url": url}]
            # Under another (allowed) Host name, the servers entry follows it.
            port = url.rsplit(":", 1)[1]
            renamed = httpx.get(f"{url}/openapi.json", headers={"host": f"localhost:{port}"}, timeout=10).json()
            assert renamed["servers"] == [{"url": f"http://localhost:{port}"}]
        kinetica = httpx.get(f"{mock.urls['kinetica']}/openapi.json", timeout=10).json()
        assert "/show/proc/status" in kinetica["paths"]
        # The PraisonAI document is the profile's: impl declares the reference's 409s.
        praisonai = httpx.get(f"{mock.urls['praisonai']}/openapi.json", timeout=10).json()
        assert "409" in praisonai["paths"]["/api/v1/runs/{job_id}/cancel"]["post"]["responses"]
        assert json.dumps(praisonai).count("/api/v1/runs") > 3


def test_a_kinetica_405_says_allow_post() -> None:
    with MockServer(apis=["kinetica"]) as mock:
        answer = httpx.request("TRACE", f"{mock.url}/show/proc/status", timeout=10,
                               headers={"content-type": "application/json"})
    assert answer.status_code == 405 and answer.headers["allow"] == "POST"
    assert answer.json()["status"] == "ERROR"
