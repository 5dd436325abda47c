"""`mockserver serve` (every API on its client's default port), `mockserver proxy`, `mockserver presets`,
`mockserver misbehaviours` and `mockserver schemas generate`.

Every usage mistake is one line on stderr and exit code 2 (`mockserver.cli_parser.Parser`), never a
traceback."""

from __future__ import annotations

import argparse
import asyncio
import difflib
import errno
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from mockserver import registry
from mockserver.cli_parser import (
    Parser,
    kit_version,
    network,
    port_number,
    positive_int,
    positive_seconds,
    quiet_on_broken_pipe,
)
from mockserver.guard import DEFAULT_BODY_TIMEOUT_S, DEFAULT_MAX_BODY_BYTES
from mockserver.runtime import PROFILES, Mock
from mockserver.slow_clients import DEFAULT_HEADER_TIMEOUT_S

LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog="mockserver", description="A stateful mock of long-running-work APIs "
                    "(Kinetica procs and jobs, PraisonAI async runs) on a virtual clock, and the "
                    "generator of their contract schemas.",
                    epilog="Exit codes: 0 stopped normally, 2 a usage mistake (said in one line).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {kit_version()}",
                        help="print the version of asyncjobs-contract-kit and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    specs = registry.specs()
    titles = " and/or ".join(spec.title for spec in specs)
    serve = commands.add_parser("serve", help="run the mock in the foreground",
                                description=f"Run the {titles} mock until interrupted.")
    serve.add_argument("--api", choices=[*registry.names(), "both"], default="both",
                       help="which API to serve (default: both (every API), each on its own port)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    for spec in specs:
        serve.add_argument(f"--{spec.name}-port", type=port_number, default=spec.default_port, metavar="PORT",
                           dest=_port_option(spec.name),
                           help=f"{spec.title} port, 0 to 65535, 0 for any free one (default: {spec.default_port})")
    serve.add_argument("--scenario", metavar="NAME|PATH",
                       help="a scenario preset (`mockserver presets` lists them) or a YAML file, "
                            "hot-reloaded when edited")
    serve.add_argument("--segments", type=positive_int, metavar="N",
                       help="data segments a distributed Kinetica run uses (default: the scenario's)")
    serve.add_argument("--frozen-clock", action="store_true",
                       help="start with the clock frozen (move it through /_mock/clock)")
    serve.add_argument("--auth-basic", metavar="USER:PASS", help="require these Basic credentials")
    serve.add_argument("--auth-bearer", metavar="TOKEN", help="require this Bearer token")
    serve.add_argument("--profile", choices=PROFILES, default="impl",
                       help="PraisonAI behaviour: impl (as praisonai 4.7.19 does) or docs (as documented)")
    serve.add_argument("--allow-loopback-webhooks", action="store_true",
                       help="let PraisonAI webhooks go to localhost (a dev server on this machine)")
    serve.add_argument("--cors-origin", action="append", metavar="ORIGIN", dest="cors_origins",
                       help="a browser origin allowed to call the mock, e.g. http://localhost:5173; "
                            "repeat for more, * for any (default: any http://localhost:* or "
                            "http://127.0.0.1:* origin)")
    serve.add_argument("--no-cors", action="store_true",
                       help="send no CORS headers (as a server without CORS configured)")
    _add_allowed_host(serve)
    serve.add_argument("--max-body-bytes", type=positive_int, default=DEFAULT_MAX_BODY_BYTES, metavar="N",
                       help=f"largest request body on every port (default: {DEFAULT_MAX_BODY_BYTES}); "
                            "larger is 413")
    serve.add_argument("--header-timeout", type=positive_seconds, default=DEFAULT_HEADER_TIMEOUT_S, metavar="SECONDS",
                       help="a connection must send a request's headers within this time "
                            f"(default: {DEFAULT_HEADER_TIMEOUT_S:g})")
    serve.add_argument("--body-timeout", type=positive_seconds, default=DEFAULT_BODY_TIMEOUT_S, metavar="SECONDS",
                       help=f"a request body must arrive whole within this time (default: "
                            f"{DEFAULT_BODY_TIMEOUT_S:g}); else 408 and the connection is closed")
    serve.add_argument("--webhook-allow", action="append", default=[], metavar="CIDR", type=network,
                       help="a network PraisonAI webhooks may reach although private, e.g. 10.0.0.0/8; "
                            "repeatable")
    serve.add_argument("--max-runs", type=int, metavar="N",
                       help="per API, forget the oldest finished runs beyond N stored (default: keep all)")
    serve.add_argument("--retain-seconds", type=float, metavar="SECONDS",
                       help="per API, forget a finished run this long after it finished (default: keep all)")
    serve.add_argument("--state", type=Path, metavar="PATH",
                       help="keep procs, runs, jobs, idempotency keys, webhook deliveries, the clock and "
                            "the scenario in this SQLite file (created if missing): a restarted mock "
                            "answers as before")
    serve.add_argument("--misbehave", action="append", default=[], metavar="CLAUSE",
                       help="break this contract clause on purpose (the conformance suite's self-test; "
                            "`mockserver misbehaviours` lists them); repeatable")
    serve.add_argument("--vary", action="append", default=[], metavar="LATITUDE=CHOICE",
                       help="make a choice the contract leaves open differently, e.g. "
                            "LAT-KIN-ERROR-STATUS=200 (GET /_mock/vary lists them); repeatable")
    serve.add_argument("--replay", metavar="FILE", type=Path,
                       help="replay a recorded session (a cassette from `mockserver proxy --record FILE`): "
                            "each recorded run and job follows its recorded timeline on the clock")
    serve.add_argument("--replay-speed", type=_replay_speed, metavar="X",
                       help="play the recording X times as fast (default: 1; 60 plays an hour in a minute)")
    serve.add_argument("--log-level", default="warning", choices=LOG_LEVELS,
                       help="how much the server (uvicorn) logs on stderr: "
                            f"{', '.join(LOG_LEVELS)} (default: warning)")
    serve.set_defaults(handler=_serve)

    _add_proxy(commands)

    presets = commands.add_parser("presets", help="list the scenario presets, one line each",
                                  description="List the scenario presets `--scenario NAME` accepts "
                                              "(YAML files under fixtures/), one line each.")
    presets.set_defaults(handler=_presets)
    misbehaviours = commands.add_parser(
        "misbehaviours", help="list the contract clauses --misbehave can break",
        description="List the ids of the contract clauses `serve --misbehave CLAUSE` can break.")
    misbehaviours.set_defaults(handler=_misbehaviours)

    schemas = commands.add_parser("schemas", help="schema tooling")
    schema_commands = schemas.add_subparsers(dest="schemas_command", required=True, metavar="COMMAND")
    generate = schema_commands.add_parser(
        "generate", help="regenerate schemas/ from the doc pages and the client's Avro schemas",
        description="Regenerate schemas/ from the doc pages and the gpudb client's Avro schemas "
                    "(needs `pip install 'gpudb>=7.2.3,<7.3'`). Files under --out that this run does "
                    "not produce are removed, so --out must be empty or a generated tree.")
    generate.add_argument("--docs", type=Path, required=True, metavar="DIR", help="the doc pages")
    generate.add_argument("--out", type=Path, required=True, metavar="DIR", help="where schemas go")
    generate.set_defaults(handler=_generate)
    return parser


def _add_allowed_host(command: Parser) -> None:
    command.add_argument("--allowed-host", action="append", default=[], metavar="NAME", dest="allowed_hosts",
                         help="a Host name served besides loopback ones and the --host address "
                              "(against DNS rebinding); repeatable, * for any")


def _own_names(args: argparse.Namespace) -> list[str]:
    """--allowed-host and the bound address, which is the server's own name (a wildcard names nothing)."""
    return [*args.allowed_hosts, *([] if args.host in ("0.0.0.0", "::", "") else [args.host])]


def _add_proxy(commands: argparse._SubParsersAction[Parser]) -> None:
    from mockserver.proxy.app import PROFILES as PROXY_PROFILES
    from mockserver.proxy.app import proxy_apis

    proxy = commands.add_parser(
        "proxy", help="stand between a client and a live server: check and record the traffic",
        description="Forward every request unchanged to --target and stream its answers back, checking "
                    "each exchange against the contract (schemas; per run and per job the lifecycle "
                    "clauses a passive observer can judge). Violations are logged as they happen and "
                    "listed at GET /_mock/violations on the proxy's port.",
        epilog="Exit codes: 0 stopped normally, 1 stopped with violations seen and --fail-on-violation, "
               "2 a usage mistake (said in one line).")
    proxy.add_argument("--api", choices=proxy_apis(), required=True, help="which API the target speaks")
    proxy.add_argument("--target", required=True, metavar="URL", type=target_url,
                       help="the server to forward to, e.g. http://127.0.0.1:9191")
    proxy.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    _add_allowed_host(proxy)
    proxy.add_argument("--port", type=port_number, default=0,
                       help="port to listen on, 0 to 65535 (default: 0, any free one; the URL is printed)")
    proxy.add_argument("--profile", choices=PROXY_PROFILES, default="impl",
                       help="the contract to hold PraisonAI to: impl (praisonai 4.7.19) or docs (the pages)")
    proxy.add_argument("--record", type=Path, metavar="FILE",
                       help="write every exchange, with its timing, to this cassette (JSON lines)")
    proxy.add_argument("--report", type=Path, metavar="DIR",
                       help="on stop, write the conformance report (conformance.md/.html/.json) here")
    proxy.add_argument("--fail-on-violation", action="store_true",
                       help="exit 1 when stopped (SIGINT/SIGTERM) if any violation was seen")
    proxy.add_argument("--log-level", default="warning", choices=LOG_LEVELS,
                       help=f"how much the server (uvicorn) logs on stderr: {', '.join(LOG_LEVELS)} "
                            "(default: warning; violations are always logged)")
    proxy.set_defaults(handler=_proxy)


def target_url(text: str) -> str:
    import httpx

    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise argparse.ArgumentTypeError(f"expected an http:// or https:// URL with a host; got {text!r}")
    return text


def _proxy(args: argparse.Namespace) -> int:
    import uvicorn

    from mockserver.proxy.app import ProxyApp
    from mockserver.server import bind, uvicorn_config

    try:
        app = ProxyApp(args.api, args.target, profile=args.profile, record=args.record,
                       allowed_hosts=_own_names(args))
    except OSError as exc:
        return _fail(f"--record: {exc.filename or args.record}: {exc.strerror or exc}")
    except ValueError as exc:
        return _fail(str(exc))
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        app.close()
        hint = "--port chooses another port; 0 any free one" if exc.errno == errno.EADDRINUSE else \
            "--host: an address of this machine, e.g. 127.0.0.1"
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc} ({hint})")
    _log_violations()
    host, port = sock.getsockname()[:2]
    print(f"proxy ({args.api}, profile {args.profile}): http://{host}:{port} -> {app.target}  "
          f"(violations: http://{host}:{port}/_mock/violations)", flush=True)
    if args.record is not None:
        print(f"recording to {args.record}", flush=True)
    server = uvicorn.Server(uvicorn_config(app, log_level=args.log_level))
    stopped: list[int] = []
    # uvicorn stops on SIGINT/SIGTERM and then raises the signal again for the handler it found:
    # this one, so that stopping is a normal end and the report still gets written.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda number, frame: stopped.append(number))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        app.close()
    app.settle(1.0)
    found = app.violations.all()
    print(f"proxy stopped: {app.exchanges} exchange(s), {len(found)} violation(s)", file=sys.stderr, flush=True)
    if args.report is not None:
        from mockserver.proxy.report import write_proxy_report

        try:
            written = write_proxy_report(args.report, api=args.api, profile=args.profile, target=app.target,
                                         violations=found, judged=set(app.observer.judged))
        except OSError as exc:
            return _fail(f"--report: {exc.filename or args.report}: {exc.strerror or exc}")
        print(f"report: {written['markdown']}", file=sys.stderr, flush=True)
    return 1 if found and args.fail_on_violation else 0


def _log_violations() -> None:
    """Each violation the proxy finds, one line on stderr as it is found."""
    _log_to_stderr("mockserver.proxy", "mockserver proxy")


def _log_to_stderr(logger_name: str, prefix: str) -> None:
    """Lines of one logger on stderr, `prefix: message`, not passed on to the root logger."""
    logger = logging.getLogger(logger_name)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(f"{prefix}: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def _serve(args: argparse.Namespace) -> int:
    from mockserver.auth import AuthConfig, AuthConfigError
    from mockserver.replaying import ReplayError
    from mockserver.runtime import MockError
    from mockserver.scenario import ScenarioError
    from mockserver.state import StateError

    apis = registry.names() if args.api == "both" else (args.api,)
    ports = {api: getattr(args, _port_option(api)) for api in registry.names()}
    if args.no_cors and args.cors_origins:
        return _fail("give --cors-origin or --no-cors, not both")
    cors_origins = [] if args.no_cors else args.cors_origins
    breakable = _breakable()
    unknown = sorted(set(args.misbehave) - set(breakable))
    if unknown:
        near = sorted({m for clause in unknown for m in difflib.get_close_matches(clause, breakable, 3)})
        return _fail(f"--misbehave: no clause {', '.join(unknown)} can be broken"
                     + (f" (did you mean {', '.join(near)}?)" if near else "")
                     + f"; `mockserver misbehaviours` lists the {len(breakable)} that can")
    from mockserver.vary import VariationError, parse_choices

    try:
        vary = parse_choices(args.vary)
    except VariationError as exc:
        return _fail(f"--vary: {exc}")
    if args.replay_speed is not None and args.replay is None:
        return _fail("--replay-speed needs --replay FILE")
    _log_scenario_reloads()
    try:
        auth = AuthConfig.from_options(basic=args.auth_basic, bearer=args.auth_bearer)
        mock = Mock(apis, scenario=args.scenario, segments=args.segments, frozen_clock=args.frozen_clock,
                    auth=auth, profile=args.profile, allow_loopback_webhooks=args.allow_loopback_webhooks,
                    cors_origins=cors_origins, misbehave=args.misbehave, vary=vary,
                    max_body_bytes=args.max_body_bytes, body_timeout=args.body_timeout,
                    header_timeout=args.header_timeout, webhook_allow=args.webhook_allow,
                    max_runs=args.max_runs, retain_seconds=args.retain_seconds, state=args.state,
                    replay=args.replay, replay_speed=_speed(args),
                    allowed_hosts=_own_names(args))
    except VariationError as exc:
        return _fail(f"--vary: {exc}")
    except ReplayError as exc:
        return _fail(f"--replay {exc}")
    except (AuthConfigError, ScenarioError, StateError, MockError, ValueError) as exc:
        return _fail(str(exc))
    try:
        return _serve_mock(mock, args, ports)
    finally:
        mock.close()  # the state file, closed and unlocked however serving ended


def _serve_mock(mock: Mock, args: argparse.Namespace, ports: dict[str, int]) -> int:
    from uvicorn.loops.auto import auto_loop_factory

    from mockserver.runtime import BindError, listeners, request_exit, serve_all

    try:
        found = listeners(mock, args.host, ports, log_level=args.log_level)
    except BindError as exc:
        if exc.errno == errno.EADDRINUSE:
            return _fail(f"{exc.strerror} (--{exc.api}-port chooses another port; 0 any free one)")
        return _fail(f"{exc.strerror} (--host: an address of this machine, e.g. 127.0.0.1)")
    except OSError as exc:  # e.g. a --host that is no address of this machine
        return _fail(f"cannot listen on {args.host}: {exc.strerror or exc}")
    for listener in found:
        print(f"{listener.api}: {listener.url}  (control plane: {listener.url}/_mock/)", flush=True)
    print(f"inspector: {found[0].url}/_mock/inspector", flush=True)
    if mock.variation.choices:
        chosen = ", ".join(f"{k}={v}" for k, v in sorted(mock.variation.choices.items()))
        print(f"latitude choices (not the defaults): {chosen}", flush=True)
    if mock.misbehaviour.ids:
        broken = ", ".join(sorted(mock.misbehaviour.ids))
        print(f"MISBEHAVING on purpose: breaks {broken} (not a correct implementation)", flush=True)
    if mock.durable is not None:
        print(f"state: {mock.durable.file.path} (every acknowledged change is kept there)", flush=True)
    if mock.replaying is not None:
        held = "; ".join(f"{api}: {summary}" for api, summary in mock.replayed.items()) or "nothing to replay"
        print(f"replaying {mock.replaying} at {_speed(args):g}x speed ({held})", flush=True)
    watching = mock.scenario.watching
    if watching is not None:
        print(f"scenario: {mock.scenario.current.name} from {watching} (edits apply without a restart)",
              flush=True)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, request_exit, mock, found)
        await serve_all(found)

    try:
        # uvloop where installed, as uvicorn's loop="auto" would choose.
        with asyncio.Runner(loop_factory=auto_loop_factory()) as runner:
            runner.run(run())
    finally:
        for listener in found:
            listener.sock.close()
    return 0


def _replay_speed(text: str) -> float:
    """--replay-speed, held to the replay's own rule (mockserver.replaying.checked_speed)."""
    from mockserver.replaying import checked_speed

    try:
        return checked_speed(float(text))
    except ValueError:   # not a number, or ReplayError
        raise argparse.ArgumentTypeError(f"{text} is not a number more than 0") from None


def _speed(args: argparse.Namespace) -> float:
    from mockserver.replaying import DEFAULT_SPEED

    return DEFAULT_SPEED if args.replay_speed is None else float(args.replay_speed)


def _port_option(api: str) -> str:
    return f"{api.replace('-', '_')}_port"


def _log_scenario_reloads() -> None:
    """Say on stderr when a scenario file is reloaded, or why a change to it was refused."""
    _log_to_stderr("mockserver.scenario", "mockserver")


def _breakable() -> list[str]:
    return sorted(clause for spec in registry.specs() if (breakers := spec.breakers()) is not None
                  for clause in breakers.clauses)


def _presets(args: argparse.Namespace) -> int:
    from mockserver.runtime import preset_summary, scenario_presets

    found = scenario_presets()
    if not found:
        return _fail("no scenario presets: the fixtures/ folder is missing from this installation")
    width = max(map(len, found))
    for name, path in found.items():
        print(f"{name:<{width}}  {preset_summary(path)}")
    return 0


def _misbehaviours(args: argparse.Namespace) -> int:
    for clause in _breakable():
        print(clause)
    return 0


def _generate(args: argparse.Namespace) -> int:
    from mockserver.spec.generate import GenerateError, generate  # heavy, and optional at serve time
    from mockserver.spec.mintlify import PageError
    from mockserver.spec.types import TypePhraseError

    try:
        generate(args.docs, args.out)
    except (GenerateError, PageError, TypePhraseError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc.filename or args.out}: {exc.strerror or exc}")
    return 0


def _fail(message: str) -> int:
    print(f"mockserver: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    def command() -> int:
        args = _parser().parse_args(argv)
        return int(args.handler(args))

    return quiet_on_broken_pipe(command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
