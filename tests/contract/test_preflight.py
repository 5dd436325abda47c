"""A target that cannot be tested ends the run before any test: one line on stderr, exit code 2, under
5 seconds, from `contract-tests` and from `pytest --pyargs contract_tests` alike."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract_tests.preflight import PreflightError, check_options, parse_headers
from mockserver.runtime import Mock
from mockserver.server import ServerThread

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
FRONT_ENDS = {
    "contract-tests": [sys.executable, "-m", "contract_tests.cli"],
    "pytest --pyargs": [sys.executable, "-m", "pytest", "--pyargs", "contract_tests", "-p", "no:cacheprovider"],
}


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, str]]:
    mock = Mock(allow_loopback_webhooks=True)
    with ServerThread(mock.asgi("kinetica")) as kinetica, ServerThread(mock.asgi("praisonai")) as praisonai:
        yield {"kinetica": kinetica.url, "praisonai": praisonai.url}


@pytest.fixture(scope="module")
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens there once the socket is closed


@pytest.fixture(scope="module")
def silent_url() -> Iterator[str]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def refused(front_end: str, tmp_path: Path, *args: str) -> str:
    """Run the front end; assert the one-line refusal, exit code 2, before any test; return the line."""
    done = subprocess.run([*FRONT_ENDS[front_end], *args], cwd=tmp_path, env=ENV, capture_output=True, text=True,
                          timeout=60)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert len(lines) == 1, done.stderr
    assert "passed" not in done.stdout and "failed" not in done.stdout, done.stdout
    return lines[0]


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_a_down_server(front_end: str, tmp_path: Path, closed_port: int) -> None:
    line = refused(front_end, tmp_path, "--contract-api", "kinetica", "--contract-base-url",
                   f"http://127.0.0.1:{closed_port}")
    assert "cannot reach" in line and str(closed_port) in line


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_a_server_that_never_answers(front_end: str, tmp_path: Path, silent_url: str) -> None:
    start = time.monotonic()
    line = refused(front_end, tmp_path, "--contract-api", "praisonai", "--contract-base-url", silent_url)
    assert "did not answer within 1.5 s" in line
    # The preflight's own wait ended it, not a test's timeout (60 s): a bound far from both, so that a
    # busy machine's slow interpreter start cannot fail it.
    assert time.monotonic() - start < 30


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_a_url_without_a_scheme(front_end: str, tmp_path: Path, servers: dict[str, str]) -> None:
    bare = servers["kinetica"].removeprefix("http://")
    line = refused(front_end, tmp_path, "--contract-api", "kinetica", "--contract-base-url", bare)
    assert "is not an http:// or https:// URL" in line


@pytest.mark.parametrize("front_end", FRONT_ENDS)
@pytest.mark.parametrize(("api", "other", "looks_like"), [("kinetica", "praisonai", "PraisonAI"),
                                                         ("praisonai", "kinetica", "Kinetica")])
def test_the_wrong_api_on_a_port(front_end: str, tmp_path: Path, servers: dict[str, str], api: str, other: str,
                                 looks_like: str) -> None:
    line = refused(front_end, tmp_path, "--contract-api", api, "--contract-base-url", servers[other])
    assert "does not speak the" in line and f"answers like a {looks_like} server" in line


@pytest.mark.parametrize("front_end", FRONT_ENDS)
@pytest.mark.parametrize("header", ["Authorization Bearer x", "Bad Name: x", "X-Token: a\u00e9b"])
def test_a_malformed_header(front_end: str, tmp_path: Path, servers: dict[str, str], header: str) -> None:
    line = refused(front_end, tmp_path, "--contract-api", "praisonai", "--contract-base-url", servers["praisonai"],
                   "--contract-header", header)
    assert "--contract-header" in line and repr(header) in line


def test_a_header_is_checked_with_the_embedded_mock_too(tmp_path: Path) -> None:
    assert "--contract-header" in refused("contract-tests", tmp_path, "--contract-header", "NoColon")


def test_a_base_url_without_an_api(tmp_path: Path) -> None:
    line = refused("pytest --pyargs", tmp_path, "--contract-base-url", "http://127.0.0.1:9")
    assert "--contract-base-url needs --contract-api" in line


def test_the_checks_without_network() -> None:
    assert parse_headers(["Authorization: Basic eDp5", "X-Trace:1"]) == {"Authorization": "Basic eDp5",
                                                                          "X-Trace": "1"}
    for header in ("x", ": v", "A B: v", "A: v\r\nB: w", "A: \u00e9"):
        with pytest.raises(PreflightError):
            parse_headers([header])
    for url in ("127.0.0.1:9191", "ftp://h:1", "http://", "http://h:99999", "http://:80"):
        with pytest.raises(PreflightError):
            check_options("kinetica", url, [])
    assert check_options("kinetica", "https://db.example:9191/gpudb-0", ["A: b"]) == {"A": "b"}


def test_a_good_target_passes_the_preflight(tmp_path: Path, servers: dict[str, str]) -> None:
    done = subprocess.run([*FRONT_ENDS["contract-tests"], "--contract-api", "praisonai", "--contract-base-url",
                           servers["praisonai"], "--contract-only", "PRA-HLT-001", "-q", "-p", "no:randomly"],
                          cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
