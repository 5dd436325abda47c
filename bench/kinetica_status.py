"""Benchmark: /show/proc/status of one 16-segment run, the mock vs a bare Starlette endpoint.

    python bench/kinetica_status.py [--seconds 3] [--threads 4] [--client raw|httpx]

The mock is the whole stack `mockserver serve` runs (journal, faults, auth, CORS, control plane). Each
server is real uvicorn on 127.0.0.1 in its own process (so the load generator does not share
its interpreter); the bare Starlette endpoint returns the very bytes the mock answers (checked).
Rounds alternate bare/mock per encoding to even out drift. Prints requests/s and p99 for each, the
ratio mock/bare (target >= 0.7), then the mock's latency with 10 and with 100,000 runs in the store
(target: flat), and for contrast a run still in progress (its answer is computed per request).

The default client is a minimal keep-alive HTTP/1.1 client (bench/keepalive.py) in several threads: it
costs far less per request than the servers, so the servers are what is measured. `--client httpx`
uses httpx instead (client-bound on small machines: ratios drift toward 1).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.keepalive import KeepAlive
from mockserver.clock import Clock
from mockserver.kinetica import wire
from mockserver.kinetica.app import create_kinetica_app
from mockserver.kinetica.models import KineticaModel
from mockserver.kinetica.requests import CreateProc, ExecuteProc
from mockserver.runtime import Mock
from mockserver.scenario import Scenario
from mockserver.server import bind

T0 = 1_700_000_000.0
PATH = "/show/proc/status"
ENCODINGS = (wire.JSON, wire.BINARY)


# -- the mock's state ---------------------------------------------------------------------------
def build_mock(total_runs: int, *, measured_running: bool = False) -> tuple[Mock, str]:
    """The whole mock as `mockserver serve` runs it (journal, faults, auth, CORS, control plane and
    all), holding one 16-segment run (finished unless `measured_running`) among `total_runs - 1`
    one-segment runs; returns the mock and the measured run's id."""
    mock = Mock(apis=("kinetica",), scenario=Scenario.from_dict({"kinetica": {"segments": 16}}),
                clock=Clock(T0, frozen=True))
    model: KineticaModel = mock.model("kinetica")
    model.create_proc(CreateProc.from_record({"proc_name": "bench", "execution_mode": "distributed", "files": {},
                                              "command": "python", "args": [], "options": {}}))
    model.create_proc(CreateProc.from_record({"proc_name": "filler", "execution_mode": "nondistributed",
                                              "files": {}, "command": "", "args": [], "options": {}}))
    filler = {"proc_name": "filler", "params": {"duration_ms": "0"}, "bin_params": {}, "input_table_names": [],
              "input_column_names": {}, "output_table_names": [], "options": {}}
    filler_request = ExecuteProc.from_record(filler)
    for _ in range(total_runs // 2):
        model.execute_proc(filler_request)
    params = {"duration_ms": "60000" if measured_running else "1000", "stdout_lines": "20", "stderr_lines": "2",
              "result_rows": "1000", "result_status": "ok"}
    run_id = model.execute_proc(ExecuteProc.from_record({
        **filler, "proc_name": "bench", "params": params, "input_table_names": ["ki_home.sales"],
        "options": {"run_tag": "bench"}}))
    for _ in range(total_runs - total_runs // 2 - 1):
        model.execute_proc(filler_request)
    model.clock.advance(30 if measured_running else 2)
    assert run_id == measured_run_id(total_runs)
    return mock, run_id


def measured_run_id(total_runs: int) -> str:
    """build_mock puts the measured run in the middle of the store."""
    return str(total_runs // 2 + 1)


def request_body(run_id: str, encoding: str) -> bytes:
    return wire.encode_request(PATH, {"run_id": run_id, "options": {}}, encoding)


# -- servers (each in a child process) ----------------------------------------------------------------
def _serve(kind: str, filler_runs: int, running: bool, answers: dict[str, bytes], ports: Any, stop: Any) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    if kind == "bare":
        async def endpoint(request: Any) -> Response:
            encoding = wire.encoding_of(request.headers.get("content-type"))
            return Response(answers[encoding], media_type=wire.MEDIA_TYPES[encoding])

        app: Any = Starlette(routes=[Route(PATH, endpoint, methods=["POST"])])
    else:
        app = build_mock(filler_runs, measured_running=running)[0].asgi("kinetica")
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)  # start-up handshake with the server thread
    ports.put(sock.getsockname()[1])
    stop.wait()
    server.should_exit = True
    thread.join(10)


class Server:
    def __init__(self, kind: str, *, filler_runs: int = 1, running: bool = False,
                 answers: dict[str, bytes] | None = None) -> None:
        ctx = mp.get_context("spawn")
        self._ports, self._stop = ctx.Queue(), ctx.Event()
        self._proc = ctx.Process(target=_serve, args=(kind, filler_runs, running, answers or {}, self._ports,
                                                      self._stop), daemon=True)

    def __enter__(self) -> int:
        self._proc.start()
        return int(self._ports.get(timeout=120))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._proc.join(10)


# -- load ---------------------------------------------------------------------------------------------
class RawClient:
    """Keep-alive HTTP/1.1 POSTs of one body over one socket (bench/keepalive.py)."""

    def __init__(self, port: int, body: bytes, encoding: str) -> None:
        self.connection = KeepAlive(port, "POST", PATH, body, wire.MEDIA_TYPES[encoding])

    def post(self) -> tuple[int, bytes]:
        return self.connection.call()

    def close(self) -> None:
        self.connection.close()


class HttpxClient:
    def __init__(self, port: int, body: bytes, encoding: str) -> None:
        import httpx

        self.client = httpx.Client(base_url=f"http://127.0.0.1:{port}")
        self.body, self.headers = body, {"Content-Type": wire.MEDIA_TYPES[encoding]}

    def post(self) -> tuple[int, bytes]:
        answer = self.client.post(PATH, content=self.body, headers=self.headers)
        return answer.status_code, answer.content

    def close(self) -> None:
        self.client.close()


def load(port: int, body: bytes, encoding: str, expected: bytes | None, *, seconds: float, threads: int,
         client: str) -> tuple[float, list[float]]:
    """Requests per second and every latency (s), with `threads` concurrent keep-alive clients."""
    factory = RawClient if client == "raw" else HttpxClient
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors: list[str] = []
    start = threading.Barrier(threads + 1)
    deadline = [0.0]

    def worker(i: int) -> None:
        conn = factory(port, body, encoding)
        conn.post()  # warm the connection
        start.wait()
        mine = latencies[i]
        try:
            while (t0 := time.perf_counter()) < deadline[0]:
                status, payload = conn.post()
                mine.append(time.perf_counter() - t0)
                if status != 200 or (expected is not None and payload != expected):
                    errors.append(f"HTTP {status}, {len(payload)} bytes")
                    return
        finally:
            conn.close()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    deadline[0] = time.perf_counter() + seconds
    start.wait()
    began = time.perf_counter()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise SystemExit(f"unexpected answer from port {port}: {errors[0]}")
    flat = [x for xs in latencies for x in xs]
    return len(flat) / elapsed, flat


def p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98] * 1000 if len(latencies) > 100 else float("nan")


def p50(latencies: list[float]) -> float:
    return statistics.median(latencies) * 1000


# -- main ---------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each measurement (default 3)")
    parser.add_argument("--threads", type=int, default=4, help="concurrent client connections (default 4)")
    parser.add_argument("--rounds", type=int, default=2, help="bare/mock alternations per encoding (default 2)")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument("--big-store", type=int, default=100_000, help="runs in the large store (default 100000)")
    args = parser.parse_args()
    began = time.perf_counter()

    mock, run_id = build_mock(1)
    app = create_kinetica_app(mock.model("kinetica"))
    answers = {enc: app.handle(PATH, request_body(run_id, enc), enc)[1] for enc in ENCODINGS}
    bodies = {enc: request_body(run_id, enc) for enc in ENCODINGS}
    print(f"# /show/proc/status, one finished run of 16 segments; answer sizes: "
          f"JSON {len(answers[wire.JSON])} B, Avro {len(answers[wire.BINARY])} B; "
          f"{args.threads} {args.client} client connections, {args.seconds:g} s per measurement")

    def measure(port: int, enc: str, expected: bytes) -> tuple[float, list[float]]:
        return load(port, bodies[enc], enc, expected, seconds=args.seconds, threads=args.threads,
                    client=args.client)

    with Server("bare", answers=answers) as bare_port, Server("mock") as mock_port:
        print(f"{'encoding':8} {'server':6} {'req/s':>9} {'p99 ms':>8}")
        for enc in ENCODINGS:
            totals: dict[str, list[float]] = {"bare": [], "mock": []}
            lat: dict[str, list[float]] = {"bare": [], "mock": []}
            for _ in range(args.rounds):
                for name, port in (("bare", bare_port), ("mock", mock_port)):
                    rate, latencies = measure(port, enc, answers[enc])
                    totals[name].append(rate)
                    lat[name] += latencies
            rates = {name: statistics.fmean(v) for name, v in totals.items()}
            label = "JSON" if enc == wire.JSON else "Avro"
            for name in ("bare", "mock"):
                print(f"{label:8} {name:6} {rates[name]:9.0f} {p99(lat[name]):8.2f}")
            print(f"{label:8} ratio mock/bare = {rates['mock'] / rates['bare']:.2f}  (target >= 0.7)")

    print("\n# mock latency by store size (1 connection, sequential requests, Avro)")
    print(f"{'runs in store':>14} {'measured run':>14} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}")
    for runs, running in ((10, False), (args.big_store, False), (10, True), (args.big_store, True)):
        body = request_body(measured_run_id(runs), wire.BINARY)
        with Server("mock", filler_runs=runs, running=running) as port:
            rate, latencies = load(port, body, wire.BINARY, None, seconds=args.seconds, threads=1,
                                   client=args.client)
        state = "running" if running else "finished"
        print(f"{runs:>14} {state:>14} {p50(latencies):8.3f} {p99(latencies):8.3f} {rate:8.0f}")
    print(f"\n# total bench time {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
