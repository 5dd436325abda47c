"""The pytest plugin (pytest11 entry point `contract_tests.plugin`).

- Options (`--contract-*`) choose the API, the target, the profile, extra headers, the live-target
  timeout and where the conformance report goes.
- Without `--contract-base-url` the embedded mock is started (one per API, per xdist worker) and
  the suite runs against it; with it, against that URL.
- `@pytest.mark.clause("KIN-SPS-007", ...)` names the clauses a test checks; the outcome of every
  test is credited to its clauses, and `--contract-report DIR` writes JUnit XML plus Markdown and
  HTML conformance reports from that.
- Fixtures for users' own CI: `kinetica_mock` and `praisonai_mock`, a running mock (`.url`,
  `.clock`, `.scenario`, `.journal`, `.faults`, `.reset()`, `.mock`) with fresh state per test; one
  server per session and per pytest-xdist worker (each on its own free port).
- `@checking(...)` (contract_tests.violation) pins a failed assertion on the clauses it is about;
  the test's other clauses are then reported "not reached" rather than failed.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from contract_tests.clauses import BY_ID, clauses_for
from contract_tests.hypo import NO_SHRINK
from contract_tests.report import ClauseLedger, OutcomeRecord, write_reports
from contract_tests.target import Target, TargetConfig, parse_header_option
from contract_tests.violation import violated_clauses
from mockserver import registry

APIS = registry.names()
PACKAGE_DIR = Path(__file__).resolve().parent


# -- options -----------------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "conformance suite (contract_tests)")
    group.addoption("--contract-api", choices=APIS, default=None,
                    help="which API to check (default: both, against the embedded mocks)")
    group.addoption("--contract-base-url", default=None,
                    help="URL of the server under test; without it the embedded mock is started")
    group.addoption("--contract-profile", choices=("impl", "docs"), default="impl",
                    help="PraisonAI: check against the reference implementation (impl) or the docs")
    group.addoption("--contract-header", action="append", default=[], metavar="'Name: value'",
                    help="header sent with every request (repeatable), e.g. authentication")
    group.addoption("--contract-timeout", type=float, default=60.0,
                    help="live targets: seconds to wait for a run to reach a state")
    group.addoption("--contract-report", default=None, metavar="DIR",
                    help="write junit.xml, conformance.md and conformance.html to DIR")
    group.addoption("--contract-only", action="append", default=[], metavar="PREFIX",
                    help="run only tests checking a clause whose id starts with PREFIX (repeatable)")
    group.addoption("--contract-mock-misbehave", action="append", default=[], metavar="CLAUSE",
                    help="embedded mock only: break this clause on purpose (the suite's self-test)")
    group.addoption("--contract-max-examples", type=int, default=None,
                    help="Hypothesis examples per property (default tuned to stay under 3 minutes)")
    group.addoption("--contract-no-shrink", action="store_true", default=False,
                    help="report the first counterexample Hypothesis finds instead of shrinking it")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "clause(*ids): the contract clauses this test checks")
    NO_SHRINK["on"] = bool(config.getoption("--contract-no-shrink", default=False))
    report_dir = config.getoption("--contract-report", default=None)
    if report_dir and not getattr(config.option, "xmlpath", None):
        Path(report_dir).mkdir(parents=True, exist_ok=True)
        config.option.xmlpath = str(Path(report_dir) / "junit.xml")
    if config.getoption("--contract-report", default=None):
        config.pluginmanager.register(ContractReporter(config), "contract-reporter")


# The JUnit writer reads `xmlpath` in its own pytest_configure: ours must run first.
pytest_configure = pytest.hookimpl(tryfirst=True)(pytest_configure)


def selected_apis(config: pytest.Config) -> tuple[str, ...]:
    api = config.getoption("--contract-api")
    if api:
        return (api,)
    if config.getoption("--contract-base-url"):
        raise pytest.UsageError("--contract-base-url needs --contract-api kinetica|praisonai")
    return APIS


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Collect only the test modules of the chosen API(s) inside this package."""
    try:
        relative = collection_path.resolve().relative_to(PACKAGE_DIR)
    except ValueError:
        return None
    if relative.parts and relative.parts[0] in APIS and relative.parts[0] not in selected_apis(config):
        return True
    return None


def clause_ids(item: pytest.Item) -> list[str]:
    ids: list[str] = []
    for mark in item.iter_markers("clause"):
        ids.extend(str(a) for a in mark.args)
    return list(dict.fromkeys(ids))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problems = [f"{item.nodeid}: unknown clause {cid}" for item in items for cid in clause_ids(item)
                if cid not in BY_ID]
    if problems:
        raise pytest.UsageError("\n".join(problems))
    profile = config.getoption("--contract-profile")
    only = config.getoption("--contract-only")
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        ids = clause_ids(item)
        if any(not BY_ID[c].applies_to(profile) for c in ids):
            dropped.append(item)  # a test of the other profile's side of a disagreement
        elif only and not any(c.startswith(p) for c in ids for p in only):
            dropped.append(item)
        else:
            keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


# -- targets -----------------------------------------------------------------------------------------
def _embedded_mock(api: str, profile: str = "impl", misbehave: list[str] | None = None) -> Any:
    """A `MockServer` of one API on a free 127.0.0.1 port (`.url`, `.clock`, `.scenario`, `.journal`,
    `.faults`, `.reset()`, `.mock`). With `misbehave`, the listed clauses are broken on purpose (see
    mockserver.misbehave)."""
    from mockserver.runtime import MockServer

    return MockServer(apis=(api,), profile=profile, allow_loopback_webhooks=True,
                      misbehave=misbehave or ()).start()


def _target_class(api: str) -> type[Target]:
    module, _, name = registry.get(api).suite_target.partition(":")
    cls: type[Target] = getattr(importlib.import_module(module), name)
    return cls


def _make_target(config: pytest.Config, api: str) -> tuple[Target, Any]:
    base_url = config.getoption("--contract-base-url")
    profile = config.getoption("--contract-profile")
    mock = None
    if not base_url:
        mock = _embedded_mock(api, profile, config.getoption("--contract-mock-misbehave"))
        base_url = mock.url
    target = _target_class(api)(TargetConfig(
        api=api, base_url=base_url, profile=profile,
        headers=parse_header_option(config.getoption("--contract-header")),
        timeout=config.getoption("--contract-timeout"), embedded=mock is not None))
    return target, mock


@pytest.fixture(scope="session")
def contract_profile(pytestconfig: pytest.Config) -> str:
    return str(pytestconfig.getoption("--contract-profile"))


@pytest.fixture(scope="session")
def contract_max_examples(pytestconfig: pytest.Config) -> int | None:
    return pytestconfig.getoption("--contract-max-examples")


# -- per API: the suite's target, and fixtures for users' own CI ------------------------------------
def _mock_server(api: str, profile: str = "impl") -> Iterator[Any]:
    server = _embedded_mock(api, profile)
    try:
        yield server
    finally:
        server.stop()


def _api_fixtures(spec: registry.ApiSpec) -> dict[str, Callable[..., Any]]:
    """`<api>_target_session` (the suite's target), and `<fixture>` (a running mock, reset per test)
    over a session-wide `_<fixture>_server`."""
    api = spec.name

    @pytest.fixture(scope="session", name=f"{api}_target_session")
    def target_session(pytestconfig: pytest.Config) -> Iterator[Target]:
        target, mock = _make_target(pytestconfig, api)
        yield target
        target.close()
        if mock:
            mock.stop()

    # One server per session; pytest-xdist workers are separate processes, each with its own server
    # on its own free port, so parallel workers never share state. The profile follows
    # --contract-profile (impl unless told otherwise).
    @pytest.fixture(scope="session", name=f"_{spec.fixture}_server")
    def server(pytestconfig: pytest.Config) -> Iterator[Any]:
        yield from _mock_server(api, profile=pytestconfig.getoption("--contract-profile"))

    @pytest.fixture(name=spec.fixture)
    def fixture(request: pytest.FixtureRequest) -> Any:
        running = request.getfixturevalue(f"_{spec.fixture}_server")
        running.reset()
        return running

    fixture.__doc__ = (f"A running {spec.title} mock (`.url`, `.clock`, `.scenario`, `.journal`, `.faults`), "
                       "reset for this test.")
    return {f"_fixture_{api}_target_session": target_session, f"_fixture_{api}_server": server,
            f"_fixture_{api}_mock": fixture}


for _spec in registry.specs():
    globals().update(_api_fixtures(_spec))


# -- outcomes per clause ---------------------------------------------------------------------------
# The clause ids and, for failures, the last exchanges ride on the report's user_properties: those
# cross from pytest-xdist workers to the controller, which is where the ledger is kept.
CLAUSE_PROPERTY = "contract_clauses"
EXCHANGE_PROPERTY = "contract_exchanges"
UNREACHED_PROPERTY = "contract_unreached"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    ids = clause_ids(item)
    if not ids:
        return
    if report.failed and call.excinfo is not None:
        profile = item.config.getoption("--contract-profile")
        pinned = [c for c in sorted(violated_clauses(call.excinfo.value) or ())
                  if c in BY_ID and BY_ID[c].applies_to(profile)]
        if pinned:
            # Credit the failure to the clauses the failed check was about (a helper may pin one
            # the test does not list); the test's other clauses were not reached.
            unreached = [c for c in ids if c not in pinned]
            ids = pinned
            if unreached:
                report.user_properties.append((UNREACHED_PROPERTY, " ".join(unreached)))
    report.user_properties.append((CLAUSE_PROPERTY, " ".join(ids)))
    if report.failed:
        for value in getattr(item, "funcargs", {}).values():
            recorder = getattr(value, "recorder", None)
            if recorder is not None:
                exchanges = [e.to_dict() for e in recorder.last(3)]
                report.user_properties.append((EXCHANGE_PROPERTY, json.dumps(exchanges)))
                break


class ContractReporter:
    """Keeps the per-clause ledger on the process that sees every report, and writes the report."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.ledger = ClauseLedger()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if CLAUSE_PROPERTY not in props:
            return
        if report.when != "call" and not (report.failed or report.skipped):
            return
        exchanges = json.loads(props[EXCHANGE_PROPERTY]) if EXCHANGE_PROPERTY in props else []
        self.ledger.add(OutcomeRecord(
            nodeid=report.nodeid, clauses=str(props[CLAUSE_PROPERTY]).split(), phase=report.when,
            outcome="passed" if report.passed else "failed" if report.failed else "skipped",
            message=_message(report), exchanges=exchanges))
        if UNREACHED_PROPERTY in props:
            self.ledger.add(OutcomeRecord(
                nodeid=report.nodeid, clauses=str(props[UNREACHED_PROPERTY]).split(), phase=report.when,
                outcome="skipped", message="not reached: an earlier check of this test failed"))

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        config = self.config
        report_dir = config.getoption("--contract-report")
        if not report_dir or hasattr(config, "workerinput"):
            return  # xdist workers: the controller writes the report
        apis = selected_apis(config)
        profile = config.getoption("--contract-profile")
        catalog = [c for api in apis for c in clauses_for(api, profile)]
        base_url = config.getoption("--contract-base-url")
        targets = {api: base_url or "embedded mock" for api in apis}
        write_reports(Path(report_dir), self.ledger, catalog, targets=targets, profile=profile,
                      exitstatus=int(exitstatus))


def _message(report: pytest.TestReport) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2])
    if report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        text = crash.message if crash is not None else str(report.longrepr)
        return text[:4000]
    return ""
