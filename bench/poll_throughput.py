"""Status polls of a finished run per second: `mockserver serve` against a bare Starlette endpoint.

    python bench/poll_throughput.py [--seconds 5] [--connections 50] [--rounds 3]

The load generator is wrk (Debian's /usr/bin/wrk), one thread, keep-alive connections. Its own
ceiling is measured first, against a minimal responder (asyncio protocol on uvloop where installed,
no HTTP framework): it must be far above what it then measures, or the ratios mean nothing.

Both measured servers are real processes on 127.0.0.1 and run uvicorn the same way
(`mockserver.server.uvicorn_config`; uvloop and httptools where installed, the mock's parser with its
header deadline):
- the mock: `mockserver serve --frozen-clock` (every layer: guard, CORS, journal, control router,
  faults, misbehaviour, the API), holding one finished run per API, created over HTTP;
- the same with `--state` (every change written to a SQLite state file; reads of a finished run
  must not touch it), holding the same runs made the same way (answers of the same length: only
  the instants differ);
- bare: a Starlette app whose one route returns the very bytes the mock answered (checked).
Measured: PraisonAI `GET /api/v1/runs/{id}`; Kinetica `POST /show/proc/status` in JSON and in Avro.
Each server gets a one-second warm-up per case, then rounds alternate bare, mock and mock --state;
the figures are the rounds' medians. Targets: mock >= 0.7x bare, mock --state >= 0.5x.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mockserver.kinetica import wire  # noqa: E402

WRK = shutil.which("wrk") or "/usr/bin/wrk"
STATUS = "/show/proc/status"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, deadline: float = 30.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)   # polling a child process's port until it listens
    raise SystemExit(f"nothing listens on {port} after {deadline:g} s")


# -- child processes ---------------------------------------------------------------------------------
def serve_minimal(port: int) -> None:
    """wrk's ceiling: answer every request's headers with the same small response, no framework."""
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"

    class Answer(asyncio.Protocol):
        def connection_made(self, transport: Any) -> None:
            self.transport, self.buffer = transport, b""

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            count = self.buffer.count(b"\r\n\r\n")   # GET requests only: no bodies
            if count:
                self.buffer = self.buffer[self.buffer.rfind(b"\r\n\r\n") + 4:]
                self.transport.write(answer * count)

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Answer, "127.0.0.1", port)
        await server.serve_forever()

    run(main())


def serve_bare(port: int, answers_file: str) -> None:
    """A bare Starlette app answering the given bytes, on uvicorn as the mock runs it."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from mockserver.server import uvicorn_config

    answers = json.loads(Path(answers_file).read_text())
    praisonai = bytes.fromhex(answers["praisonai"])
    kinetica = {enc: bytes.fromhex(answers[enc]) for enc in (wire.JSON, wire.BINARY)}

    async def run_status(request: Request) -> Response:
        return Response(praisonai, media_type="application/json")

    async def proc_status(request: Request) -> Response:
        encoding = wire.encoding_of(request.headers.get("content-type"))
        return Response(kinetica[encoding], media_type=wire.MEDIA_TYPES[encoding])

    app = Starlette(routes=[Route("/api/v1/runs/{job_id}", run_status), Route(STATUS, proc_status, methods=["POST"])])
    # The mock's own uvicorn settings (mockserver.server.uvicorn_config), so that only the app differs.
    uvicorn.Server(uvicorn_config(app, host="127.0.0.1", port=port, loop="auto", http="auto")).run()


def run(coro: Any) -> None:
    from uvicorn.loops.auto import auto_loop_factory

    with asyncio.Runner(loop_factory=auto_loop_factory()) as runner:
        runner.run(coro)


def child(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.Popen([sys.executable, *args], env=env, cwd=ROOT, stdout=subprocess.DEVNULL)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


# -- wrk ----------------------------------------------------------------------------------------------
def wrk(url: str, seconds: float, connections: int, *, body: bytes | None = None, content_type: str = "",
        workdir: Path) -> float:
    """Requests per second; refuses a run with errors or non-2xx answers."""
    args = [WRK, "-t1", f"-c{connections}", f"-d{seconds:g}s"]
    if body is not None:
        body_file = workdir / f"body-{len(body)}-{content_type.replace('/', '_')}"
        body_file.write_bytes(body)
        script = workdir / f"{body_file.name}.lua"
        script.write_text(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "{content_type}"\n'
                          f'local f = io.open("{body_file}", "rb")\nwrk.body = f:read("*a")\nf:close()\n')
        args += ["-s", str(script)]
    out = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 60).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk saw errors against {url}:\n{out}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise SystemExit(f"no rate in wrk's output:\n{out}")
    return float(found.group(1))


# -- the runs -----------------------------------------------------------------------------------------
def finished_runs(kinetica: str, praisonai: str) -> dict[str, Any]:
    """One finished run per API, through the API and the control plane; what each answers."""
    with httpx.Client(timeout=10) as client:
        job = client.post(f"{praisonai}/api/v1/runs", json={"prompt": "status poll",
                                                             "config": {"mock_steps": 3}}).json()["job_id"]
        create = {"proc_name": "bench", "execution_mode": "distributed", "files": {}, "command": "python",
                  "args": [], "options": {}}
        execute = {"proc_name": "bench", "params": {"duration_ms": "1000", "result_rows": "100"},
                   "bin_params": {}, "input_table_names": [], "input_column_names": {},
                   "output_table_names": [], "options": {}}
        for path, record in (("/create/proc", create), ("/execute/proc", execute)):
            answer = client.post(f"{kinetica}{path}", content=wire.encode_request(path, record, wire.JSON),
                                 headers={"Content-Type": wire.MEDIA_TYPES[wire.JSON]})
            answer.raise_for_status()
        run_id = json.loads(answer.json()["data_str"])["run_id"]
        client.post(f"{kinetica}/_mock/clock/advance", json={"seconds": 3600}).raise_for_status()
        polls = {enc: wire.encode_request(STATUS, {"run_id": run_id, "options": {}}, enc)
                 for enc in (wire.JSON, wire.BINARY)}
        answers = {enc: client.post(f"{kinetica}{STATUS}", content=body,
                                    headers={"Content-Type": wire.MEDIA_TYPES[enc]}).content
                   for enc, body in polls.items()}
        status = client.get(f"{praisonai}/api/v1/runs/{job}")
        assert status.json()["status"] == "succeeded", status.text
        return {"job_id": job, "praisonai": status.content, "polls": polls, "kinetica": answers}


def measure(seconds: float = 5.0, connections: int = 50, rounds: int = 3) -> list[str]:
    lines = [f"# load generator: wrk ({WRK}), 1 thread, {connections} keep-alive connections, "
             f"{seconds:g} s per measurement, {rounds} alternating rounds"]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        minimal_port = free_port()
        minimal = child(__file__, "--serve-minimal", str(minimal_port))
        try:
            wait_for(minimal_port)
            ceiling = wrk(f"http://127.0.0.1:{minimal_port}/", seconds, connections, workdir=workdir)
        finally:
            stop(minimal)
        lines.append(f"wrk ceiling (minimal asyncio responder, GET): {ceiling:,.0f} req/s")

        kport, pport, bport = free_port(), free_port(), free_port()
        skport, spport = free_port(), free_port()
        mock = child("-m", "mockserver", "serve", "--frozen-clock", "--kinetica-port", str(kport),
                     "--praisonai-port", str(pport))
        stated = child("-m", "mockserver", "serve", "--frozen-clock", "--kinetica-port", str(skport),
                       "--praisonai-port", str(spport), "--state", str(workdir / "state.sqlite"))
        bare = None
        try:
            for port in (kport, pport, skport, spport):
                wait_for(port)
            runs = finished_runs(f"http://127.0.0.1:{kport}", f"http://127.0.0.1:{pport}")
            stated_runs = finished_runs(f"http://127.0.0.1:{skport}", f"http://127.0.0.1:{spport}")
            answers_file = workdir / "answers.json"
            answers_file.write_text(json.dumps({"praisonai": runs["praisonai"].hex(),
                                                **{enc: runs["kinetica"][enc].hex() for enc in runs["kinetica"]}}))
            bare = child(__file__, "--serve-bare", str(bport), str(answers_file))
            wait_for(bport)
            cases: list[tuple[str, str, bytes | None, str, str]] = [
                ("PraisonAI GET /api/v1/runs/{id}", f"/api/v1/runs/{runs['job_id']}", None, "", "praisonai"),
                *((f"Kinetica {STATUS} {'JSON' if enc == wire.JSON else 'Avro'}", STATUS, runs["polls"][enc],
                   wire.MEDIA_TYPES[enc], enc) for enc in (wire.JSON, wire.BINARY))]
            assert stated_runs["job_id"] == runs["job_id"] and stated_runs["polls"] == runs["polls"]

            def port_of(name: str, body: bytes | None) -> int:
                return {"bare": (bport, bport), "mock": (kport, pport), "state": (skport, spport)}[name][body is None]

            with httpx.Client(timeout=10) as client:   # the bare server answers the very same bytes
                for _, path, body, ctype, _kind in cases:
                    got = {}
                    for name in ("mock", "bare", "state"):
                        url = f"http://127.0.0.1:{port_of(name, body)}{path}"
                        got[name] = (client.post(url, content=body, headers={"Content-Type": ctype}) if body is not None
                                     else client.get(url)).content
                    assert got["mock"] == got["bare"], path
                    assert len(got["state"]) == len(got["mock"]), path   # the same answer at other instants
            lines.append(f"{'status poll of a finished run':40} {'bare req/s':>11} {'mock req/s':>11} {'ratio':>6}"
                         f" {'--state req/s':>14} {'ratio':>6}")
            for label, path, body, ctype, _kind in cases:
                rates: dict[str, list[float]] = {"bare": [], "mock": [], "state": []}
                for name in rates:   # a short warm-up: no server is measured on its first requests
                    wrk(f"http://127.0.0.1:{port_of(name, body)}{path}", 1, connections, body=body,
                        content_type=ctype, workdir=workdir)
                for _ in range(rounds):
                    for name in rates:
                        rates[name].append(wrk(f"http://127.0.0.1:{port_of(name, body)}{path}", seconds, connections,
                                               body=body, content_type=ctype, workdir=workdir))
                # Medians: one round disturbed by the machine moves the figure less than a mean would.
                b, m, st = (statistics.median(rates[name]) for name in ("bare", "mock", "state"))
                flag = "ok" if m / b >= 0.7 else "UNDER 0.7"
                state_flag = "ok" if st / b >= 0.5 else "UNDER 0.5"
                lines.append(f"{label:40} {b:11,.0f} {m:11,.0f} {m / b:6.2f} {st:14,.0f} {st / b:6.2f}"
                             f"  {flag} / --state {state_flag}")
        finally:
            if bare is not None:
                stop(bare)
            stop(mock)
            stop(stated)
    return lines


def main() -> None:
    if sys.argv[1:2] == ["--serve-minimal"]:
        return serve_minimal(int(sys.argv[2]))
    if sys.argv[1:2] == ["--serve-bare"]:
        return serve_bare(int(sys.argv[2]), sys.argv[3])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print("\n".join(measure(args.seconds, args.connections, args.rounds)))


if __name__ == "__main__":
    main()
