"""Benchmark: what the proxy adds to a status poll on loopback, side by side with a direct connection.

    python bench/proxy_overhead.py [--samples 2000] [--rounds 4]

One `mockserver serve` (frozen clock) holds a finished run per API; one `mockserver proxy` per API
stands in front of it, each in its own process, as a user runs them. A keep-alive HTTP/1.1 client
(bench/keepalive.py, cheaper per request than either server) polls the run's status directly and through the
proxy, in alternating rounds to even out drift: PraisonAI `GET /api/v1/runs/{id}` (JSON) and Kinetica
`/show/proc/status` (Avro binary). Prints p50 and p99 of each path and the p50 the proxy adds (target
<= 1 ms), checking on the way that both paths answer the same bytes.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.keepalive import KeepAlive
from bench.poll_throughput import child, free_port, stop, wait_for
from mockserver.kinetica import wire

TARGET_MS = 1.0


def timed(client: KeepAlive, samples: int) -> tuple[list[float], bytes]:
    latencies = []
    body = b""
    for _ in range(samples):
        began = time.perf_counter()
        status, body = client.call()
        latencies.append(time.perf_counter() - began)
        assert status == 200, (status, body[:200])
    return latencies, body


def finished_runs(kinetica: str, praisonai: str) -> tuple[str, str]:
    job_id = httpx.post(praisonai + "/api/v1/runs", json={"prompt": "bench"}).json()["job_id"]
    create = {"proc_name": "bench", "execution_mode": "distributed", "files": {}, "command": "python", "args": [],
              "options": {}}
    httpx.post(kinetica + "/create/proc", json=create).raise_for_status()
    run_id = httpx.post(kinetica + "/execute/proc", json={
        "proc_name": "bench", "params": {"duration_ms": "1000"}, "bin_params": {}, "input_table_names": [],
        "input_column_names": {}, "output_table_names": [], "options": {}}).json()["data_str"]
    httpx.post(praisonai + "/_mock/clock/advance", json={"seconds": 60}).raise_for_status()
    return job_id, httpx.Response(200, content=run_id).json()["run_id"]


def p50(values: list[float]) -> float:
    return statistics.median(values) * 1000


def p99(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.99) - 1] * 1000


def measure(samples: int = 2000, rounds: int = 4) -> list[str]:
    ports = {name: free_port() for name in ("kinetica", "praisonai", "kinetica-proxy", "praisonai-proxy")}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(child("-m", "mockserver", "serve", "--frozen-clock", "--kinetica-port", str(ports["kinetica"]),
                           "--praisonai-port", str(ports["praisonai"])))
        wait_for(ports["kinetica"])
        wait_for(ports["praisonai"])
        for api in ("kinetica", "praisonai"):
            procs.append(child("-m", "mockserver", "proxy", "--api", api, "--target",
                               f"http://127.0.0.1:{ports[api]}", "--port", str(ports[f"{api}-proxy"])))
            wait_for(ports[f"{api}-proxy"])
        job_id, run_id = finished_runs(f"http://127.0.0.1:{ports['kinetica']}",
                                       f"http://127.0.0.1:{ports['praisonai']}")
        status_body = wire.encode_request("/show/proc/status", {"run_id": run_id, "options": {}}, wire.BINARY)
        polls = {
            "praisonai GET /api/v1/runs/{id}": ("praisonai", "GET", f"/api/v1/runs/{job_id}", b"", ""),
            "kinetica /show/proc/status (binary)": ("kinetica", "POST", "/show/proc/status", status_body,
                                                    wire.MEDIA_TYPES[wire.BINARY]),
        }
        lines = [f"{'status poll':<38} {'direct p50':>10} {'proxy p50':>10} {'added p50':>10} "
                 f"{'direct p99':>10} {'proxy p99':>10}"]
        worst = 0.0
        for name, (api, method, path, body, ctype) in polls.items():
            direct = KeepAlive(ports[api], method, path, body, ctype)
            proxied = KeepAlive(ports[f"{api}-proxy"], method, path, body, ctype)
            timed(direct, 200)  # warm-up: connections, caches, the proxy's pool
            timed(proxied, 200)
            seen: dict[str, list[float]] = {"direct": [], "proxy": []}
            answers = set()
            for _ in range(rounds):
                for label, client in (("direct", direct), ("proxy", proxied)):
                    latencies, answer = timed(client, samples // rounds)
                    seen[label] += latencies
                    answers.add(answer)
            direct.close()
            proxied.close()
            assert len(answers) == 1, "the proxy's answer differs from the server's"
            added = p50(seen["proxy"]) - p50(seen["direct"])
            worst = max(worst, added)
            lines.append(f"{name:<38} {p50(seen['direct']):>8.3f}ms {p50(seen['proxy']):>8.3f}ms "
                         f"{added:>+8.3f}ms {p99(seen['direct']):>8.3f}ms {p99(seen['proxy']):>8.3f}ms")
        verdict = "within" if worst <= TARGET_MS else "OVER"
        lines.append(f"proxy adds at most {worst:.3f} ms at p50 ({verdict} the {TARGET_MS:g} ms target); "
                     f"{samples} samples per path, {rounds} alternating rounds")
        return lines
    finally:
        for proc in reversed(procs):
            stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    print("\n".join(measure(args.samples, args.rounds)))


if __name__ == "__main__":
    main()
