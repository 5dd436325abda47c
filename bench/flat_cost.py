"""Does an operation cost more when the store holds more runs? p50 per operation, 10 vs 100,000.

    python bench/flat_cost.py [--runs 100000] [--samples 1000]

Each operation goes through the whole stack of one port as `mockserver serve` assembles it (guard,
CORS, journal, control router, faults, misbehaviour, the API), called in-process as ASGI so that
only the mock's own work is timed. Two mocks are filled (one with 10 finished runs, one with
`--runs`), then every operation is timed on both, alternating sample by sample so drift hits both
alike. The runs are added through the models (finished ones, the clock moved past their end).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockserver.clock import Clock
from mockserver.kinetica import wire
from mockserver.kinetica.requests import CreateProc, ExecuteProc
from mockserver.praisonai.models import SubmitRequest
from mockserver.runtime import Mock

T0 = 1_700_000_000.0
SHORT_RUN = {"mock_steps": 1, "mock_step_seconds": 0.5}


# -- calling an ASGI app in-process --------------------------------------------------------------
async def call(app: Any, method: str, path: str, body: bytes = b"", content_type: str = "application/json"
               ) -> tuple[int, bytes]:
    path, _, query = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
             "root_path": "", "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80),
             "headers": [(b"host", b"127.0.0.1"), (b"content-type", content_type.encode()),
                         (b"content-length", str(len(body)).encode())]}
    sent = False
    status, chunks = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


# -- filling the stores ----------------------------------------------------------------------------
def praisonai_mock(runs: int) -> Mock:
    mock = Mock(apis=("praisonai",), clock=Clock(T0, frozen=True))
    model = mock.model("praisonai")
    for i in range(runs):
        model.submit(SubmitRequest(prompt=f"prompt {i}", config=SHORT_RUN))
        if i % 50 == 49:
            mock.clock.advance(3)   # 50 runs of 0.5 s on 10 slots: all finished
    mock.clock.advance(10)
    assert model.counts()["succeeded"] == runs
    return mock


KINETICA_EXECUTE = {"proc_name": "bench", "params": {"duration_ms": "500"}, "bin_params": {},
                    "input_table_names": [], "input_column_names": {}, "output_table_names": [], "options": {}}


def kinetica_mock(runs: int) -> Mock:
    mock = Mock(apis=("kinetica",), clock=Clock(T0, frozen=True))
    model = mock.model("kinetica")
    model.create_proc(CreateProc.from_record({"proc_name": "bench", "execution_mode": "distributed", "files": {},
                                              "command": "python", "args": [], "options": {}}))
    request = ExecuteProc.from_record(KINETICA_EXECUTE)
    for _ in range(runs):
        LAST_RUN[id(mock)] = model.execute_proc(request)
    mock.clock.advance(10)
    return mock


LAST_RUN: dict[int, str] = {}   # per mock, the id of its newest run


# -- the operations --------------------------------------------------------------------------------
Op = Callable[[Mock], Awaitable[float]]


async def _timed(app: Any, method: str, path: str, body: bytes = b"", expect: int = 200,
                 content_type: str = "application/json") -> float:
    t0 = time.perf_counter()
    status, answer = await call(app, method, path, body, content_type)
    elapsed = time.perf_counter() - t0
    if status != expect:
        raise SystemExit(f"{method} {path} answered {status}: {answer[:200]!r}")
    return elapsed


def praisonai_ops() -> dict[str, Op]:
    def last_id(mock: Mock) -> str:
        model = mock.model("praisonai")
        return next(reversed(model._by_id))

    async def submit(mock: Mock) -> float:
        body = json.dumps({"prompt": "hello", "config": SHORT_RUN}).encode()
        took = await _timed(mock.asgi("praisonai"), "POST", "/api/v1/runs", body, 202)
        mock.clock.advance(1)   # let it finish: the admission queue stays empty
        return took

    async def status(mock: Mock) -> float:
        return await _timed(mock.asgi("praisonai"), "GET", f"/api/v1/runs/{last_id(mock)}")

    async def list_first_page(mock: Mock) -> float:
        return await _timed(mock.asgi("praisonai"), "GET", "/api/v1/runs")

    async def health(mock: Mock) -> float:
        return await _timed(mock.asgi("praisonai"), "GET", "/health")

    async def cancel(mock: Mock) -> float:
        mock.model("praisonai").submit(SubmitRequest(prompt="to cancel", config={"mock_hang": True}))
        return await _timed(mock.asgi("praisonai"), "POST", f"/api/v1/runs/{last_id(mock)}/cancel")

    return {"submit": submit, "status": status, "list (first page)": list_first_page, "health": health,
            "cancel": cancel}


def kinetica_ops() -> dict[str, Op]:
    def post(mock: Mock, path: str, record: dict[str, Any]) -> Awaitable[float]:
        return _timed(mock.asgi("kinetica"), "POST", path, wire.encode_request(path, record, wire.JSON))

    def last_run(mock: Mock) -> str:
        return LAST_RUN[id(mock)]

    async def execute(mock: Mock) -> float:
        took = await post(mock, "/execute/proc", KINETICA_EXECUTE)
        mock.clock.advance(1)
        return took

    async def status(mock: Mock) -> float:
        return await post(mock, "/show/proc/status", {"run_id": last_run(mock), "options": {}})

    async def kill(mock: Mock) -> float:
        hanging = ExecuteProc.from_record({**KINETICA_EXECUTE, "params": {"hang": "true"}})
        LAST_RUN[id(mock)] = mock.model("kinetica").execute_proc(hanging)
        return await post(mock, "/kill/proc", {"run_id": last_run(mock), "options": {}})

    async def show_proc(mock: Mock) -> float:
        return await post(mock, "/show/proc", {"proc_name": "", "options": {}})

    return {"execute": execute, "status (one run)": status, "kill": kill, "list procs (/show/proc)": show_proc}


async def compare(small: Mock, big: Mock, ops: dict[str, Op], samples: int) -> list[tuple[str, float, float]]:
    rows = []
    for name, op in ops.items():
        for mock in (small, big):     # warm-up
            for _ in range(20):
                await op(mock)
        times: dict[int, list[float]] = {0: [], 1: []}
        for _ in range(samples):
            for i, mock in enumerate((small, big)):
                times[i].append(await op(mock))
        rows.append((name, statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000))
    return rows


def table(api: str, rows: list[tuple[str, float, float]], small: int, big: int) -> list[str]:
    out = [f"{api:10} {'operation':26} {f'p50 ms @{small}':>12} {f'p50 ms @{big}':>14} {'ratio':>6}"]
    for name, a, b in rows:
        flag = "ok" if b / a <= 1.2 else "OVER 1.2"
        out.append(f"{'':10} {name:26} {a:12.3f} {b:14.3f} {b / a:6.2f}  {flag}")
    return out


def run(big: int = 100_000, samples: int = 1000, small: int = 10) -> list[str]:
    lines = []
    for api, build, ops in (("praisonai", praisonai_mock, praisonai_ops()),
                            ("kinetica", kinetica_mock, kinetica_ops())):
        t0 = time.perf_counter()
        small_mock, big_mock = build(small), build(big)
        fill = time.perf_counter() - t0
        rows = asyncio.run(compare(small_mock, big_mock, ops, samples))
        lines += table(api, rows, small, big)
        lines.append(f"{'':10} (filled {small} + {big} runs in {fill:.1f} s)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=1000)
    args = parser.parse_args()
    print("\n".join(run(args.runs, args.samples)))


if __name__ == "__main__":
    main()
