"""The pytest plugin (pytest11 entry point `contract_tests.plugin`).

- Options (`--contract-*`, declared once in contract_tests.options for this plugin and the
  `contract-tests` script) choose the API, the target, the profile, extra headers, the live-target
  timeout, whether a target's control plane may be used, and where the conformance report goes.
- Before any test, a preflight (contract_tests.preflight): a target that cannot be tested ends the
  run with one line and exit code 2.
- Without `--contract-base-url` the embedded mock is started (one per API, per xdist worker) and
  the suite runs against it; with it, against that URL.
- `@pytest.mark.clause("KIN-SPS-007", ...)` names the clauses a test checks; the outcome of every
  test is credited to its clauses, and `--contract-report DIR` writes JUnit XML plus Markdown and
  HTML conformance reports from that.
- Fixtures for users' own CI: `kinetica_mock` and `praisonai_mock`, a running mock (`.url`,
  `.clock`, `.scenario`, `.journal`, `.faults`, `.reset()`, `.mock`) with fresh state per test; one
  server per session and per pytest-xdist worker (each on its own free port). `contract_proxy`, a
  factory of validating, recording proxies in front of any server (`mockserver.proxy.Proxy`).
  `replay_mock` starts a mock replaying a recorded session: `replay_mock("session.jsonl", speed=60)`
  (mockserver.replaying).
- `@checking(...)` (contract_tests.violation) pins a failed assertion on the clauses it is about;
  the test's other clauses are then reported "not reached" rather than failed.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from contract_tests.options import OPTIONS
from contract_tests.violation import STRICT, take_advice, violated_clauses
from mockserver import apis

# This module is loaded in every pytest run of an environment with the kit installed (pytest11):
# what it imports at the top stays light (the standard library, pytest, and `mockserver.apis`, which
# names the APIs without importing them). The clause catalog, the reports, the preflight, httpx,
# Hypothesis, the targets and the mock are imported where the suite or a fixture really runs.
if TYPE_CHECKING:
    from contract_tests.target import Target
PACKAGE_DIR = Path(__file__).resolve().parent


# -- options ---------------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    # Declared once in contract_tests.options, for this plugin and the `contract-tests` script alike.
    group = parser.getgroup("contract", "conformance suite (contract_tests)")
    for option in OPTIONS:
        group.addoption(option.flag, help=option.help, **option.kwargs)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "clause(*ids): the contract clauses this test checks")
    preflight(config)
    STRICT["on"] = bool(config.getoption("--contract-strict", default=False))
    if config.getoption("--contract-no-shrink", default=False):
        from contract_tests.hypo import NO_SHRINK

        NO_SHRINK["on"] = True
    report_dir = config.getoption("--contract-report", default=None)
    if report_dir and not getattr(config.option, "xmlpath", None):
        Path(report_dir).mkdir(parents=True, exist_ok=True)
        config.option.xmlpath = str(Path(report_dir) / "junit.xml")
    if config.getoption("--contract-report", default=None):
        config.pluginmanager.register(ContractReporter(config), "contract-reporter")


# The JUnit writer reads `xmlpath` in its own pytest_configure: ours must run first.
pytest_configure = pytest.hookimpl(tryfirst=True)(pytest_configure)


def preflight(config: pytest.Config) -> None:
    """Before any test, and before xdist starts workers: a target that cannot be tested ends the run
    with one line on stderr and exit code 2 (contract_tests.preflight says what is checked)."""
    if hasattr(config, "workerinput"):
        return  # the controller checked already
    base_url = config.getoption("--contract-base-url", default=None)
    api = config.getoption("--contract-api", default=None)
    headers = config.getoption("--contract-header", default=[])
    requested = suite_requested(config)
    if not (requested or base_url or api or headers):
        return  # a run of the user's own tests: nothing of the suite's to check
    from contract_tests.preflight import PreflightError, check_options, check_suite_installed, check_target

    try:
        if requested:
            check_suite_installed()
        parsed = check_options(api, base_url, headers)
        if base_url:
            check_target(api, base_url, parsed)
    except PreflightError as exc:
        pytest.exit(f"contract_tests: {exc}", returncode=2)


def suite_requested(config: pytest.Config) -> bool:
    """Whether this run is the conformance suite (`--pyargs contract_tests`, or a target chosen),
    rather than a user's own tests with the fixtures."""
    named = any(str(arg).split("::")[0].split(".")[0] == "contract_tests" for arg in config.args)
    return named or bool(config.getoption("--contract-api", default=None)
                         or config.getoption("--contract-base-url", default=None))


def selected_apis(config: pytest.Config) -> tuple[str, ...]:
    api = config.getoption("--contract-api")
    if api:
        return (api,)
    if config.getoption("--contract-base-url"):
        raise pytest.UsageError("--contract-base-url needs --contract-api kinetica|praisonai")
    return apis.names()


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Collect only the test modules of the chosen API(s) inside this package."""
    try:
        relative = collection_path.resolve().relative_to(PACKAGE_DIR)
    except ValueError:
        return None
    if relative.parts and relative.parts[0] in apis.names() and relative.parts[0] not in selected_apis(config):
        return True
    return None


def clause_ids(item: pytest.Item) -> list[str]:
    ids: list[str] = []
    for mark in item.iter_markers("clause"):
        ids.extend(str(a) for a in mark.args)
    return list(dict.fromkeys(ids))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not any(clause_ids(item) for item in items):
        return  # not the suite's tests
    from contract_tests.clauses import BY_ID

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
def _embedded_mock(api: str, profile: str = "impl", misbehave: list[str] | None = None,
                   vary: list[str] | None = None) -> Any:
    """A `MockServer` of one API on a free 127.0.0.1 port (`.url`, `.clock`, `.scenario`, `.journal`,
    `.faults`, `.reset()`, `.mock`). With `misbehave`, the listed clauses are broken on purpose (see
    mockserver.misbehave); with `vary` (`ID=CHOICE`), open choices are made differently (mockserver.vary)."""
    from mockserver.runtime import MockServer, latitudes
    from mockserver.vary import parse_choices

    choices = {k: v for k, v in parse_choices(vary or []).items()
               if any(lat.id == k and lat.api == api for lat in latitudes())}
    return MockServer(apis=(api,), profile=profile, allow_loopback_webhooks=True,
                      misbehave=misbehave or (), vary=choices).start()


def _target_class(api: str) -> type[Target]:
    from mockserver import registry

    module, _, name = registry.get(api).suite_target.partition(":")
    cls: type[Target] = getattr(importlib.import_module(module), name)
    return cls


def _make_target(config: pytest.Config, api: str) -> tuple[Target, Any]:
    from contract_tests.preflight import parse_headers

    base_url = config.getoption("--contract-base-url")
    profile = config.getoption("--contract-profile")
    mock = None
    if not base_url:
        mock = _embedded_mock(api, profile, config.getoption("--contract-mock-misbehave"),
                              config.getoption("--contract-mock-vary"))
        base_url = mock.url
    from contract_tests.target import TargetConfig

    target = _target_class(api)(TargetConfig(
        api=api, base_url=base_url, profile=profile, headers=parse_headers(config.getoption("--contract-header")),
        timeout=config.getoption("--contract-timeout"), embedded=mock is not None,
        allow_control=config.getoption("--contract-allow-control")))
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


def _api_fixtures(api: str) -> dict[str, Callable[..., Any]]:
    """`<api>_target_session` (the suite's target), and `<api>_mock` (a running mock, reset per test)
    over a session-wide `_<api>_mock_server`."""
    fixture_name = f"{api}_mock"  # registry.ApiSpec.fixture

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
    @pytest.fixture(scope="session", name=f"_{fixture_name}_server")
    def server(pytestconfig: pytest.Config) -> Iterator[Any]:
        yield from _mock_server(api, profile=pytestconfig.getoption("--contract-profile"))

    @pytest.fixture(name=fixture_name)
    def fixture(request: pytest.FixtureRequest) -> Iterator[Any]:
        running = request.getfixturevalue(f"_{fixture_name}_server")
        running.reset()
        yield running
        if request.config.getoption("--contract-report"):
            # The report's client section: how the code under test behaved (mockserver.grading).
            judged = [v.to_dict() for v in running.verdicts(api) if v.judged]
            if judged:
                request.node.user_properties.append((CLIENT_PROPERTY, json.dumps(judged)))

    fixture.__doc__ = (f"A running {api} mock (`.url`, `.clock`, `.scenario`, `.journal`, `.faults`), "
                       "reset for this test.")
    return {f"_fixture_{api}_target_session": target_session, f"_fixture_{api}_server": server,
            f"_fixture_{api}_mock": fixture}


@pytest.fixture
def replay_mock() -> Iterator[Callable[..., Any]]:
    """Start a mock that replays a cassette: `replay_mock(path, speed=1.0, apis=None, **mock_options)`
    gives a running `MockServer` (frozen clock unless told otherwise), stopped after the test."""
    from mockserver.replaying import DEFAULT_SPEED
    from mockserver.runtime import MockServer

    started: list[Any] = []

    def start(path: str | Path, speed: float = DEFAULT_SPEED, apis: Any = None, **options: Any) -> Any:
        options.setdefault("frozen_clock", True)
        server = MockServer(apis=apis, replay=path, replay_speed=speed, **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


# Names only: the APIs themselves are imported when a fixture or the suite first needs one.
for _api in apis.names(distributions=False):
    globals().update(_api_fixtures(_api))


@pytest.fixture
def contract_proxy() -> Iterator[Callable[..., Any]]:
    """A factory of validating, recording proxies (`mockserver.proxy.Proxy`), each stopped after the
    test: `proxy = contract_proxy(api="praisonai", target=url)`, then point the client at `proxy.url`
    and assert `proxy.violations() == []`. Keyword arguments as `Proxy` takes them (profile, record)."""
    from mockserver.proxy import Proxy

    started: list[Proxy] = []

    def make(*, api: str, target: str, **options: Any) -> Proxy:
        proxy = Proxy(api=api, target=target, **options).start()
        started.append(proxy)
        return proxy

    yield make
    for proxy in started:
        proxy.stop()


# -- outcomes per clause ---------------------------------------------------------------------------
# The clause ids and, for failures, the last exchanges ride on the report's user_properties: those
# cross from pytest-xdist workers to the controller, which is where the ledger is kept.
CLAUSE_PROPERTY = "contract_clauses"
EXCHANGE_PROPERTY = "contract_exchanges"
UNREACHED_PROPERTY = "contract_unreached"
BLOCKED_PROPERTY = "contract_blocked"
CLIENT_PROPERTY = "contract_client_verdicts"
ADVICE_PROPERTY = "contract_advice"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    ids = clause_ids(item)
    if not ids:
        return
    exchanges = _last_exchanges(item)
    if call.when == "call":
        advice = [{"clause": a.clause, "message": a.message, "exchanges": exchanges} for a in take_advice()]
        if advice:
            report.user_properties.append((ADVICE_PROPERTY, json.dumps(advice)))
    if report.failed and call.excinfo is not None:
        from contract_tests.clauses import BY_ID

        profile = item.config.getoption("--contract-profile")
        pinned = [c for c in sorted(violated_clauses(call.excinfo.value) or ())
                  if c in BY_ID and BY_ID[c].applies_to(profile)]
        if pinned:
            # Credit the failure to the clauses the failed check was about. When that is a clause
            # the test does not check itself (a precondition), the test's own clauses are blocked by
            # it; otherwise the test's other clauses were simply not reached.
            others = [c for c in ids if c not in pinned]
            ids = pinned
            if others:
                blocked = not set(pinned) & set(clause_ids(item))
                report.user_properties.append(
                    (BLOCKED_PROPERTY if blocked else UNREACHED_PROPERTY, " ".join(others)))
    report.user_properties.append((CLAUSE_PROPERTY, " ".join(ids)))
    if report.failed and exchanges:
        report.user_properties.append((EXCHANGE_PROPERTY, json.dumps(exchanges)))


def pytest_runtest_setup(item: pytest.Item) -> None:
    take_advice()  # nothing a previous test noted may be credited to this one
    target = sys.modules.get("contract_tests.target")  # only once the suite runs (it imports httpx)
    if target is not None:
        target.Recorder.latest = None


def _last_exchanges(item: pytest.Item) -> list[dict[str, str]]:
    """The test's last exchanges with its target, for the report (whichever fixture holds the target)."""
    recorders = [getattr(value, "recorder", None) for value in getattr(item, "funcargs", {}).values()]
    target = sys.modules.get("contract_tests.target")
    latest = target.Recorder.latest if target is not None else None
    recorder = next((r for r in recorders if r is not None and r.exchanges), latest)
    return [e.to_dict() for e in recorder.last(3)] if recorder is not None else []


class ContractReporter:
    """Keeps the per-clause ledger on the process that sees every report, and writes the report."""

    def __init__(self, config: pytest.Config) -> None:
        from contract_tests.report import ClauseLedger

        self.config = config
        self.ledger = ClauseLedger()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        from contract_tests.report import OutcomeRecord

        props = dict(report.user_properties)
        if report.when == "teardown" and CLIENT_PROPERTY in props:
            self.ledger.client_verdicts.extend({"nodeid": report.nodeid, **verdict}
                                               for verdict in json.loads(props[CLIENT_PROPERTY]))
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
        if BLOCKED_PROPERTY in props:
            self.ledger.add(OutcomeRecord(
                nodeid=report.nodeid, clauses=str(props[BLOCKED_PROPERTY]).split(), phase=report.when,
                outcome="blocked", message=f"blocked by {props[CLAUSE_PROPERTY]}"))
        for advice in json.loads(props.get(ADVICE_PROPERTY, "[]")):
            self.ledger.add(OutcomeRecord(
                nodeid=report.nodeid, clauses=[advice["clause"]], phase=report.when, outcome="advisory",
                message=advice["message"], exchanges=advice["exchanges"]))

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        config = self.config
        report_dir = config.getoption("--contract-report")
        if not report_dir or hasattr(config, "workerinput"):
            return  # xdist workers: the controller writes the report
        from contract_tests.clauses import clauses_for
        from contract_tests.report import write_reports

        chosen = selected_apis(config)
        profile = config.getoption("--contract-profile")
        catalog = [c for api in chosen for c in clauses_for(api, profile)]
        base_url = config.getoption("--contract-base-url")
        targets = {api: base_url or "embedded mock" for api in chosen}
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
