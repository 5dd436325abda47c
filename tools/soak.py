"""A concurrent soak of `mockserver serve`: many clients, both APIs, clock jumps, invariants at the end.

    python -m tools.soak --clients 64 --ops 200 --seed 1     # starts its own `mockserver serve`

Each client runs a seeded mix of lifecycle operations on both APIs (PraisonAI: submit, status,
result, cancel, delete, list; Kinetica: execute, status, kill) while other requests jump the shared
clock forward (`/_mock/clock/advance`). Every status a client sees is recorded with the instants its
request left and its answer arrived. At the end the clock is moved far ahead, every run is read once
more, and the whole history is checked, in real-time order (an answer that arrived before another
request left must not show a later state):

- no status goes back (queued/none -> running -> finished), and a finished status never changes:
  no cancelled, killed or failed run later reads succeeded or complete;
- a run whose cancel (PraisonAI) or kill (Kinetica) was acknowledged never reads running or
  succeeded/complete afterwards;
- no run is lost: every accepted run is found at the end (unless the client deleted it);
- no 5xx (other than the `impl` profile's documented `/stats` 500) and no failed connection.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

from tools.fuzz import serve, tracebacks

__all__ = ["History", "Observation", "SoakReport", "check", "main", "soak"]

RANK = {"queued": 0, "none": 0, "running": 1}  # every other status is a finished one (rank 2)
# Few run slots, so runs queue behind hanging ones and get cancelled while queued.
SOAK_SCENARIO = {"praisonai": {"max_concurrent": 2, "max_queued": 100_000}}


def rank(status: str) -> int:
    return RANK.get(status, 2)


@dataclass(frozen=True)
class Observation:
    subject: str  # "praisonai:<job>" or "kinetica:<run>:<segment>"
    status: str
    sent: float
    received: float
    what: str  # the operation that saw it


@dataclass
class History:
    observations: list[Observation] = field(default_factory=list)
    stops: dict[str, float] = field(default_factory=dict)  # run -> when a cancel/kill was acknowledged
    accepted: dict[str, str] = field(default_factory=dict)  # run -> api
    deleted: set[str] = field(default_factory=set)

    def see(self, subject: str, status: str, sent: float, what: str) -> None:
        self.observations.append(Observation(subject, status, sent, time.monotonic(), what))


@dataclass
class SoakReport:
    clients: int
    operations: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    clock_jumps: int = 0
    server_errors: list[str] = field(default_factory=list)
    connection_errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    runs: Counter[str] = field(default_factory=Counter)
    observations: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.server_errors or self.connection_errors or self.violations or self.lost)

    def to_dict(self) -> dict[str, Any]:
        return {"clients": self.clients, "requests": sum(self.operations.values()), "seconds": round(self.seconds, 1),
                "operations": dict(sorted(self.operations.items())), "statuses": dict(sorted(self.statuses.items())),
                "clock_jumps": self.clock_jumps, "runs": dict(self.runs), "observations": self.observations,
                "5xx": len(self.server_errors), "connection_errors": len(self.connection_errors),
                "violations": len(self.violations), "lost": len(self.lost),
                "examples": (self.violations + self.lost + self.server_errors + self.connection_errors)[:12]}


# -- the invariants --------------------------------------------------------------------------------
def check(history: History) -> list[str]:
    """Every violation of the lifecycle invariants in the history (see the module docstring)."""
    found: list[str] = []
    by_subject: dict[str, list[Observation]] = defaultdict(list)
    for observation in history.observations:
        by_subject[observation.subject].append(observation)
    for subject, seen in by_subject.items():
        run = subject.rsplit(":", 1)[0] if subject.startswith("kinetica:") else subject
        stopped_at = history.stops.get(run)
        by_arrival = sorted(seen, key=lambda o: o.received)
        arrived = 0
        furthest: Observation | None = None  # the furthest state among the answers already arrived
        finished: Observation | None = None  # the first finished state among them
        for current in sorted(seen, key=lambda o: o.sent):
            while arrived < len(by_arrival) and by_arrival[arrived].received < current.sent:
                prior = by_arrival[arrived]
                if furthest is None or rank(prior.status) > rank(furthest.status):
                    furthest = prior
                if finished is None and rank(prior.status) == 2:
                    finished = prior
                arrived += 1
            if furthest is not None and rank(current.status) < rank(furthest.status):
                found.append(f"{subject}: {current.status!r} ({current.what}) after {furthest.status!r} "
                             f"({furthest.what})")
            elif finished is not None and current.status != finished.status:
                found.append(f"{subject}: finished {finished.status!r} ({finished.what}) later reads "
                             f"{current.status!r} ({current.what})")
            if stopped_at is not None and current.sent > stopped_at and (
                    rank(current.status) < 2 or current.status in ("succeeded", "complete")):
                found.append(f"{subject}: reads {current.status!r} ({current.what}) after its "
                             f"cancel/kill was acknowledged")
    return found


# -- the clients -------------------------------------------------------------------------------------
class Client:
    def __init__(self, number: int, http: dict[str, httpx.AsyncClient], history: History, report: SoakReport,
                 rng: random.Random, profile: str) -> None:
        self.number = number
        self.history = history
        self.report = report
        self.rng = rng
        self.profile = profile
        self.http = http  # one connection pool per API, shared: each client holds one connection at a time
        self.jobs: list[str] = []
        self.runs: list[str] = []
        self.proc = f"soak_{number}"

    async def request(self, api: str, what: str, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        self.report.operations[what] += 1
        try:
            response = await self.http[api].request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            self.report.connection_errors.append(f"{what}: {type(exc).__name__}: {exc}")
            return None
        self.report.statuses[response.status_code] += 1
        documented = self.profile == "impl" and path == "/stats" and response.status_code == 500
        if response.status_code >= 500 and not documented:
            self.report.server_errors.append(f"{what} {path} -> {response.status_code}: {response.text[:200]}")
        return response

    async def kinetica(self, what: str, endpoint: str, record: dict[str, Any]) -> tuple[float, dict[str, Any] | None]:
        sent = time.monotonic()
        response = await self.request("kinetica", what, "POST", endpoint, json=record)
        if response is None or response.status_code != 200:
            return sent, None
        wrapper = response.json()
        return sent, json.loads(wrapper["data_str"]) if wrapper["status"] == "OK" else None

    # -- PraisonAI ---------------------------------------------------------------------------------
    async def submit(self, config: dict[str, Any] | None = None) -> str | None:
        rng = self.rng
        if config is None:
            config = {"mock_steps": rng.randint(0, 4), "mock_step_seconds": rng.choice([0.5, 2, 10])}
            if rng.random() < 0.15:
                config["mock_hang"] = True
            if rng.random() < 0.15:
                config["mock_fail"] = "soak failure"
        body: dict[str, Any] = {"prompt": f"soak {self.number}", "config": config}
        if rng.random() < 0.1:
            body["timeout"] = rng.randint(1, 30)
        sent = time.monotonic()
        response = await self.request("praisonai", "submit", "POST", "/api/v1/runs", json=body)
        if response is not None and response.status_code == 202:
            job = response.json()["job_id"]
            self.jobs.append(job)
            self.history.accepted[f"praisonai:{job}"] = "praisonai"
            self.history.see(f"praisonai:{job}", response.json()["status"], sent, "submit")
            return str(job)
        return None

    async def cancel_in_queue(self) -> None:
        """A run queued behind a hanging one is cancelled, then the hanging one: both stay cancelled."""
        hanging = await self.submit({"mock_hang": True})
        queued = await self.submit({"mock_steps": self.rng.choice([0, 1, 2])})
        if hanging is None or queued is None:
            return
        await self.request("kinetica", "clock_advance", "POST", "/_mock/clock/advance", json={"seconds": 1})
        await self.cancel(queued)
        await self.cancel(hanging)
        await self.job_status(queued)

    async def job_status(self, job: str, what: str = "status") -> None:
        sent = time.monotonic()
        response = await self.request("praisonai", what, "GET", f"/api/v1/runs/{job}")
        if response is not None and response.status_code == 200:
            self.history.see(f"praisonai:{job}", response.json()["status"], sent, what)

    async def cancel(self, job: str) -> None:
        sent = time.monotonic()
        response = await self.request("praisonai", "cancel", "POST", f"/api/v1/runs/{job}/cancel")
        if response is not None and response.status_code == 200:
            self.history.stops[f"praisonai:{job}"] = time.monotonic()
            status = response.json().get("status", "cancelled")
            self.history.see(f"praisonai:{job}", status, sent, "cancel")

    async def result(self, job: str) -> None:
        await self.request("praisonai", "result", "GET", f"/api/v1/runs/{job}/result")

    async def delete(self, job: str) -> None:
        response = await self.request("praisonai", "delete", "DELETE", f"/api/v1/runs/{job}")
        if response is not None and response.status_code == 204:
            self.history.deleted.add(f"praisonai:{job}")
            self.jobs.remove(job)

    # -- Kinetica ----------------------------------------------------------------------------------
    async def create_proc(self) -> None:
        await self.kinetica("create_proc", "/create/proc", {
            "proc_name": self.proc, "execution_mode": "distributed", "files": {}, "command": "python",
            "args": [], "options": {}})

    async def execute(self) -> None:
        rng = self.rng
        params = {"duration_ms": str(rng.choice([200, 1500, 8000, 40000]))}
        if rng.random() < 0.15:
            params["fail_segments"] = rng.choice(["0", "all", "1,2"])
        if rng.random() < 0.1:
            params["hang"] = "true"
        _, answer = await self.kinetica("execute", "/execute/proc", {
            "proc_name": self.proc, "params": params, "bin_params": {}, "input_table_names": [],
            "input_column_names": {}, "output_table_names": [], "options": {}})
        if answer is not None:
            run = answer["run_id"]
            self.runs.append(run)
            self.history.accepted[f"kinetica:{run}"] = "kinetica"

    async def run_status(self, run: str, what: str = "show_status") -> dict[str, Any] | None:
        sent, answer = await self.kinetica(what, "/show/proc/status", {"run_id": run, "options": {}})
        if answer is not None:
            for segment, status in answer["statuses"].get(run, {}).items():
                self.history.see(f"kinetica:{run}:{segment}", status, sent, what)
        return answer

    async def kill(self, run: str) -> None:
        _, answer = await self.kinetica("kill", "/kill/proc", {"run_id": run, "options": {}})
        if answer is not None and run in answer["run_ids"]:
            self.history.stops[f"kinetica:{run}"] = time.monotonic()

    # -- the mix -----------------------------------------------------------------------------------
    async def step(self) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.06:
            seconds = rng.choice([0.2, 1, 3, 10, 60])
            if await self.request("kinetica", "clock_advance", "POST", "/_mock/clock/advance",
                                  json={"seconds": seconds}) is not None:
                self.report.clock_jumps += 1
        elif roll < 0.08:
            await self.cancel_in_queue()
        elif roll < 0.22 or not self.jobs:
            await self.submit()
        elif roll < 0.40:
            await self.job_status(rng.choice(self.jobs))
        elif roll < 0.47:
            await self.cancel(rng.choice(self.jobs))
        elif roll < 0.51:
            await self.result(rng.choice(self.jobs))
        elif roll < 0.53:
            await self.delete(rng.choice(self.jobs))
        elif roll < 0.55:
            await self.request("praisonai", "list", "GET", "/api/v1/runs", params={"page_size": 50})
        elif roll < 0.68 or not self.runs:
            await self.execute()
        elif roll < 0.93:
            await self.run_status(rng.choice(self.runs))
        else:
            await self.kill(rng.choice(self.runs))


async def soak(urls: dict[str, str], *, clients: int, ops: int, seed: int, profile: str = "impl") -> SoakReport:
    report = SoakReport(clients)
    history = History()
    started = time.monotonic()
    # Idle connections are dropped before uvicorn's 5 s keep-alive timeout closes them: reusing one
    # just as the server closes it is a race of HTTP keep-alive itself, not something of the mock's.
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=2.0)
    http = {api: httpx.AsyncClient(base_url=url, timeout=60, limits=limits) for api, url in urls.items()}
    control = http["kinetica"]
    try:
        await control.post("/_mock/reset")
        loaded = await control.put("/_mock/scenario", content=json.dumps(SOAK_SCENARIO))
        loaded.raise_for_status()
        crowd = [Client(n, http, history, report, random.Random(f"{seed}:{n}"), profile) for n in range(clients)]
        await asyncio.gather(*(c.create_proc() for c in crowd))

        async def work(client: Client) -> None:
            for _ in range(ops):
                await client.step()

        await asyncio.gather(*(work(c) for c in crowd))
        # The end: far ahead (hanging runs still run), then every run read once more.
        await control.post("/_mock/clock/advance", json={"seconds": 100_000})
        for client in crowd:
            for job in client.jobs:
                await client.job_status(job, "final")
            for run in client.runs:
                await client.run_status(run, "final")
        report.lost = _lost(history)
    finally:
        for pool in http.values():
            await pool.aclose()
    report.violations = check(history)
    report.observations = len(history.observations)
    report.runs = Counter(history.accepted.values())
    report.seconds = time.monotonic() - started
    return report


def _lost(history: History) -> list[str]:
    seen = {o.subject.rsplit(":", 1)[0] if o.subject.startswith("kinetica:") else o.subject
            for o in history.observations if o.what == "final"}
    return [f"{run} was accepted and is gone" for run in history.accepted
            if run not in seen and run not in history.deleted]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--ops", type=int, default=200, help="operations per client (default 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", choices=["impl", "docs"], default="impl")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with serve(["kinetica", "praisonai"], profile=args.profile) as (ports, log):
        urls = {api: f"http://127.0.0.1:{port}" for api, port in ports.items()}
        report = asyncio.run(soak(urls, clients=args.clients, ops=args.ops, seed=args.seed, profile=args.profile))
    result = {**report.to_dict(), "seed": args.seed, "tracebacks": tracebacks(log), "server_log": str(log)}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['clients']} clients, {result['requests']} requests in {result['seconds']} s "
              f"({result['clock_jumps']} clock jumps); runs {result['runs']}; statuses {result['statuses']}")
        print(f"5xx {result['5xx']}; connection errors {result['connection_errors']}; invariant violations "
              f"{result['violations']} over {result['observations']} observations; runs lost {result['lost']}; "
              f"tracebacks {result['tracebacks']}")
        for example in result["examples"]:
            print(f"    {example}")
    return 0 if report.ok and result["tracebacks"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
