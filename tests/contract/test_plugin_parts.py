"""The plugin's parts in isolation: CLI options, headers, the report, target probing, the switch."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from contract_tests.clauses import BY_ID
from contract_tests.cli import build_parser, pytest_args
from contract_tests.kinetica.client import KineticaTarget
from contract_tests.praisonai.client import PraisonTarget
from contract_tests.report import ClauseLedger, OutcomeRecord, render_html, render_markdown, write_reports
from contract_tests.target import Exchange, TargetConfig, parse_header_option
from mockserver.runtime import Mock
from mockserver.server import ServerThread


# -- options ---------------------------------------------------------------------------------------
def test_cli_forwards_every_option_to_pytest() -> None:
    args, rest = build_parser().parse_known_args([
        "--contract-api", "kinetica", "--contract-base-url", "http://h:9191", "--contract-profile", "docs",
        "--contract-header", "Authorization: Bearer t", "--contract-header", "X-A: b", "--contract-timeout", "5",
        "--contract-report", "out", "--contract-only", "KIN-SPS", "-x", "-k", "wire"])
    argv = pytest_args(args, rest)
    assert argv[:4] == ["--pyargs", "contract_tests", "-p", "contract_tests.plugin"]
    joined = " ".join(argv)
    for piece in ("--contract-api kinetica", "--contract-base-url http://h:9191", "--contract-profile docs",
                  "--contract-timeout 5.0", "--contract-report out", "--contract-only KIN-SPS", "-x -k wire"):
        assert piece in joined, piece
    assert argv.count("--contract-header") == 2 and "Authorization: Bearer t" in argv


def test_pytest_options_pass_through_whole_even_where_they_begin_like_ours() -> None:
    # `--co` is pytest's --collect-only, not an abbreviation of --contract-api or its siblings.
    args, rest = build_parser().parse_known_args(["--contract-api", "kinetica", "--co", "-q"])
    assert args.contract_api == "kinetica" and rest == ["--co", "-q"]
    assert pytest_args(args, rest)[-2:] == ["--co", "-q"]


def test_base_url_without_api_is_refused() -> None:
    from contract_tests.cli import main

    with pytest.raises(SystemExit):
        main(["--contract-base-url", "http://h"])


def test_header_option_parsing() -> None:
    assert parse_header_option(["Authorization: Basic eDp5", "X-Trace:1"]) == {
        "Authorization": "Basic eDp5", "X-Trace": "1"}
    with pytest.raises(ValueError):
        parse_header_option(["no colon here"])


# -- report ----------------------------------------------------------------------------------------
def _ledger() -> ClauseLedger:
    ledger = ClauseLedger()
    exchange = Exchange("POST", "http://h/show/proc/status", {"Content-Type": "application/json"},
                        b'{"run_id": "r1"}', 200, {"content-type": "application/json"}, b'{"status": "OK"}')
    ledger.add(OutcomeRecord("t::a", ["KIN-SPS-002", "KIN-SPS-003"], "call", "passed"))
    ledger.add(OutcomeRecord("t::b", ["KIN-SPS-002"], "call", "failed", "expected an empty answer",
                          [exchange.to_dict()]))
    ledger.add(OutcomeRecord("t::c", ["KIN-KIL-003"], "setup", "skipped", "needs the control plane"))
    return ledger


def test_verdicts_per_clause() -> None:
    ledger = _ledger()
    assert ledger.verdict("KIN-SPS-002") == "failed"  # one failing test is enough
    assert ledger.verdict("KIN-SPS-003") == "passed"
    assert ledger.verdict("KIN-KIL-003") == "skipped"
    assert ledger.verdict("KIN-KIL-001") == "not covered"


def test_reports_carry_the_evidence(tmp_path: Path) -> None:
    catalog = [BY_ID[i] for i in ("KIN-SPS-002", "KIN-SPS-003", "KIN-KIL-003", "KIN-KIL-001")]
    paths = write_reports(tmp_path, _ledger(), catalog, targets={"kinetica": "http://h"}, profile="impl")
    md = paths["markdown"].read_text()
    assert "1 failed, 0 advisory, 1 passed, 0 blocked, 1 skipped, 1 not covered" in md
    assert "expected an empty answer" in md and "POST http://h/show/proc/status" in md
    assert "curl -sS -X POST -H 'Content-Type: application/json' --data-raw '{\"run_id\": \"r1\"}'" in md
    assert "needs the control plane" in md
    html = render_html(_ledger(), catalog, targets={"kinetica": "http://h"}, profile="impl")
    assert 'id="KIN-SPS-002"' in html and "&quot;run_id&quot;" in html and "<script" not in html
    data = json.loads(paths["json"].read_text())
    assert data["clauses"]["KIN-SPS-002"]["verdict"] == "failed"
    assert render_markdown(_ledger(), catalog, targets={}, profile="docs").count("| KIN-") == 4


def test_advisories_and_blocked_clauses_are_verdicts_of_their_own(tmp_path: Path) -> None:
    ledger = _ledger()
    exchange = Exchange("GET", "http://h/api/v1/runs/x", {}, b"", 404, {"content-type": "application/json"},
                        b'{"detail": "gone"}')
    ledger.add(OutcomeRecord("t::d", ["PRA-ERR-003"], "call", "advisory", "expected 'Job not found: x'",
                             [exchange.to_dict()]))
    ledger.add(OutcomeRecord("t::d", ["PRA-ERR-003"], "call", "passed"))
    ledger.add(OutcomeRecord("t::e", ["KIN-KIL-001"], "call", "blocked", "blocked by KIN-EXE-001"))
    assert ledger.verdict("PRA-ERR-003") == "advisory"  # a departure outweighs the passes
    assert ledger.verdict("KIN-KIL-001") == "blocked"
    catalog = [BY_ID[i] for i in ("KIN-SPS-002", "KIN-KIL-001", "PRA-ERR-003")]
    md = write_reports(tmp_path, ledger, catalog, targets={}, profile="impl")["markdown"].read_text()
    assert "## Advisories" in md and "expected 'Job not found: x'" in md and "curl -sS -X GET" in md
    assert "| KIN-KIL-001 | blocked |" in md and "blocked by KIN-EXE-001" in md
    data = json.loads((tmp_path / "conformance.json").read_text())
    assert data["clauses"]["PRA-ERR-003"]["level"] == "advisory"


def test_curl_reproduces_binary_bodies_byte_for_byte() -> None:
    exchange = Exchange("POST", "http://h/has/proc", {"Content-Type": "application/octet-stream"}, b"\x00\xff\x10")
    assert exchange.curl().startswith("printf '%s' 00ff10 | xxd -r -p | curl")
    assert "--data-binary @- http://h/has/proc" in exchange.curl()


def test_curl_in_a_report_never_carries_credentials() -> None:
    exchange = Exchange("GET", "http://h/x", {"Authorization": "Bearer s3cret", "Cookie": "sid=1",
                                              "X-Api-Key": "k9", "Idempotency-Key": "i1"}, b"")
    command = exchange.curl()
    assert "s3cret" not in command and "sid=1" not in command and "k9" not in command
    assert "Authorization: REDACTED" in command and "Idempotency-Key: i1" in command


# -- target probing --------------------------------------------------------------------------------
class _HideControl:
    def __init__(self, app: object) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "http" and scope["path"].startswith("/_mock"):
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def kinetica_server() -> object:
    mock = Mock(apis=("kinetica",))
    with ServerThread(mock.asgi("kinetica")) as server:
        yield server


def test_target_finds_the_control_plane_and_drives_virtual_time(kinetica_server: ServerThread) -> None:
    target = KineticaTarget(TargetConfig("kinetica", kinetica_server.url, allow_control=True))
    assert target.has_control and not target.live and target.unit == 10.0
    target.prepare_test()
    before = httpx.get(kinetica_server.url + "/_mock/clock").json()
    assert before["frozen"] is True
    target.pass_time(25)
    assert httpx.get(kinetica_server.url + "/_mock/clock").json()["now"] == pytest.approx(before["now"] + 25)
    assert target.hints_honoured() is True
    with pytest.raises(AssertionError, match="within 20 virtual seconds"):
        target.wait_for(lambda: 1, lambda v: False, what="never", budget=20, step=10)


def test_a_control_plane_is_not_used_unless_allowed(kinetica_server: ServerThread) -> None:
    httpx.post(kinetica_server.url + "/_mock/clock/unfreeze")
    target = KineticaTarget(TargetConfig("kinetica", kinetica_server.url, timeout=0.3))
    assert not target.has_control and target.live
    target.prepare_test()
    assert httpx.get(kinetica_server.url + "/_mock/clock").json()["frozen"] is False
    with pytest.raises(pytest.skip.Exception, match="--contract-allow-control"):
        target.require_control("for the test")


def test_an_allowed_control_plane_gets_its_clock_mode_back(kinetica_server: ServerThread) -> None:
    httpx.post(kinetica_server.url + "/_mock/clock/unfreeze")
    target = KineticaTarget(TargetConfig("kinetica", kinetica_server.url, allow_control=True))
    target.prepare_test()  # freezes the clock to drive it
    assert httpx.get(kinetica_server.url + "/_mock/clock").json()["frozen"] is True
    target.close()
    assert httpx.get(kinetica_server.url + "/_mock/clock").json()["frozen"] is False


class _Group:
    """Stands in for pytest's option group: records what the plugin declares."""

    def __init__(self) -> None:
        self.declared: dict[str, dict[str, object]] = {}

    def getgroup(self, *args: object) -> _Group:
        return self

    def addoption(self, flag: str, **kwargs: object) -> None:
        self.declared[flag] = kwargs


def test_cli_and_plugin_share_one_declaration_of_every_option() -> None:
    from contract_tests.options import OPTIONS
    from contract_tests.plugin import pytest_addoption

    group = _Group()
    pytest_addoption(group)  # type: ignore[arg-type]
    cli = {flag: a for a in build_parser()._actions for flag in a.option_strings}
    for option in OPTIONS:
        assert option.help, f"{option.flag} has no description"
        assert group.declared[option.flag]["default"] == cli[option.flag].default, option.flag
        assert group.declared[option.flag]["help"] == cli[option.flag].help == option.help
    assert {"--contract-strict", "--contract-allow-control", "--contract-mock-misbehave"} <= set(group.declared)
    assert cli["--contract-timeout"].default == 60.0 and {"--version", "--help"} <= set(cli)
    assert all(a.help for a in cli.values())


def test_target_without_control_plane_is_live() -> None:
    mock = Mock(apis=("praisonai",))
    with ServerThread(_HideControl(mock.asgi("praisonai"))) as server:
        target = PraisonTarget(TargetConfig("praisonai", server.url, timeout=0.3))
        assert not target.has_control and target.live and target.unit < 1
        target.prepare_test()  # no reset, no freeze: nothing to call
        with pytest.raises(pytest.skip.Exception, match="control plane"):
            target.require_control("for the test")
        with pytest.raises(AssertionError, match="--contract-timeout"):
            target.wait_for(lambda: 1, lambda v: False, what="never")


def test_headers_go_with_every_request(kinetica_server: ServerThread) -> None:
    target = KineticaTarget(TargetConfig("kinetica", kinetica_server.url, headers={"X-Contract": "yes"}))
    target.call("/has/proc", {"proc_name": "x", "options": {}})
    assert target.recorder.last(1)[0].request_headers.get("x-contract") == "yes"


# -- the misbehaviour switch -----------------------------------------------------------------------
def test_switch_is_set_over_http_and_breaks_only_its_clause() -> None:
    mock = Mock(apis=("praisonai",))
    misbehaviour = mock.misbehaviour
    with ServerThread(mock.asgi("praisonai")) as server, httpx.Client(base_url=server.url) as client:
        assert client.get("/health").json()["status"] == "healthy"
        refused = client.post("/_mock/misbehave", json={"clauses": ["PRA-NOPE-001"]})
        assert refused.status_code == 400 and "PRA-HLT-001" in refused.json()["available"]
        assert client.post("/_mock/misbehave", json={"clauses": ["PRA-HLT-001"]}).json()["clauses"] == ["PRA-HLT-001"]
        assert misbehaviour.active("PRA-HLT-001")
        assert client.get("/health").json()["status"] != "healthy"
        assert client.get("/api/v1/runs").status_code == 200  # other routes untouched
        client.delete("/_mock/misbehave")
        assert client.get("/health").json()["status"] == "healthy"


def test_the_plugin_imports_nothing_heavy_until_the_suite_runs() -> None:
    # Loaded in every pytest run of an environment with the kit: the standard library, pytest, and the
    # API registry, which names the APIs without importing them.
    import subprocess
    import sys

    heavy = ("httpx", "hypothesis", "schemathesis", "starlette", "uvicorn", "urllib.request", "yaml", "fastavro",
             "mockserver.runtime", "mockserver.control", "mockserver.kinetica.api", "mockserver.praisonai.api")
    code = f"import sys, contract_tests.plugin; print([m for m in {heavy!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.strip() == "[]", done.stdout
