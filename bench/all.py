"""Every figure of issues 12 and 14 side by side, in one run.

    python bench/all.py [--runs 100000] [--samples 1000] [--memory-runs 10000] [--seconds 5] [--rounds 3]
                        [--proxy-samples 2000]

1. flat cost: p50 per operation with 10 and with `--runs` stored runs (bench/flat_cost.py);
2. resident bytes per finished run, tracemalloc over `--memory-runs` (bench/memory.py);
3. status polls of a finished run per second, `mockserver serve` (and `serve --state`) against a
   bare Starlette endpoint, with wrk and its own ceiling (bench/poll_throughput.py);
4. what the validating proxy adds to a status poll at p50, side by side with a direct connection
   (bench/proxy_overhead.py);
5. what the base install adds to a user's `pytest --co` (bench/pytest_overhead.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import flat_cost, memory, poll_throughput, proxy_overhead, pytest_overhead


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--memory-runs", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--proxy-samples", type=int, default=2000)
    args = parser.parse_args()
    began = time.perf_counter()
    print("## 1. cost per operation with 10 and with", f"{args.runs:,}", "stored runs (in-process ASGI, whole stack)")
    print("\n".join(flat_cost.run(args.runs, args.samples)), flush=True)
    print("\n## 2. resident memory per finished run")
    print("\n".join(memory.run(args.memory_runs)), flush=True)
    print("\n## 3. status-poll throughput of a finished run")
    print("\n".join(poll_throughput.measure(args.seconds, args.connections, args.rounds)), flush=True)
    print("\n## 4. what the proxy adds to a status poll (loopback, p50)")
    print("\n".join(proxy_overhead.measure(args.proxy_samples)), flush=True)
    print("\n## 5. what the kit adds to pytest")
    print("\n".join(pytest_overhead.measure(5)))
    print(f"\n# total {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
