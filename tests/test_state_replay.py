"""Restoring is exact: any sequence of operations on both APIs (Hypothesis draws them), made on a mock
with a state file, gives the same answers, byte for byte, from a second mock started on that file."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.kinetica import wire
from mockserver.runtime import Mock
from tests.asgi import SyncASGIClient
from tests.kinetica.conftest import create_proc_req, execute_req, kill_req, status_req

JSON = {"Content-Type": "application/json"}
SCENARIOS = (
    b"seed: 3\nkinetica:\n  rules:\n    - match: {run_tag: t}\n      duration: {polls: 2}\n      stdout: 4\n"
    b"  jobs:\n    duration: {polls: 1}\npraisonai:\n  max_concurrent: 1\n",
    b"seed: 4\nkinetica:\n  segments: 2\n  max_concurrency_per_node: 1\n"
    b"  defaults:\n    duration: {uniform: [0.5, 3]}\npraisonai:\n  max_concurrent: 3\n",
)
PARAMS: tuple[dict[str, str], ...] = (
    {"duration_ms": "0"}, {"duration_ms": "1500"}, {"hang": "true"}, {"fail_segments": "0"}, {})

operation = st.one_of(
    st.tuples(st.just("create"), st.sampled_from(["p", "q"]), st.sampled_from(["distributed", "nondistributed"])),
    st.tuples(st.just("execute"), st.sampled_from(["p", "q"]), st.sampled_from(range(len(PARAMS))),
              st.sampled_from(["", "t"]), st.booleans()),
    st.tuples(st.just("poll"), st.integers(0, 9)),
    st.tuples(st.just("kill"), st.integers(0, 9)),
    st.tuples(st.just("clear"), st.just(0)),
    st.tuples(st.just("job"), st.just(0)),
    st.tuples(st.just("get_job"), st.integers(0, 4)),
    st.tuples(st.just("delete_proc"), st.sampled_from(["p", "q"])),
    st.tuples(st.just("restart"), st.just(0)),
    st.tuples(st.just("fail"), st.integers(0, 9)),
    st.tuples(st.just("submit"), st.sampled_from([None, "k1", "k2"]), st.integers(0, 3)),
    st.tuples(st.just("run_get"), st.integers(0, 9)),
    st.tuples(st.just("cancel"), st.integers(0, 9)),
    st.tuples(st.just("delete_run"), st.integers(0, 9)),
    st.tuples(st.just("advance"), st.sampled_from([0.4, 1, 2.5, 30])),
    st.tuples(st.just("scenario"), st.sampled_from(range(len(SCENARIOS)))),
)


class Clients:
    def __init__(self, mock: Mock) -> None:
        self.mock = mock
        self.kinetica = SyncASGIClient(mock.asgi("kinetica"), base_url="http://127.0.0.1:9191")
        self.praisonai = SyncASGIClient(mock.asgi("praisonai"), base_url="http://127.0.0.1:8005")

    def k(self, endpoint: str, record: dict[str, Any]) -> bytes:
        return self.kinetica.post(endpoint, content=wire.encode_request(endpoint, record, wire.JSON),
                                  headers=JSON).content

    def k_ok(self, endpoint: str, record: dict[str, Any]) -> dict[str, Any] | None:
        wrapper = wire.decode_wrapper(self.k(endpoint, record), wire.JSON)
        if wrapper["status"] != "OK":
            return None
        return wire.decode_response_record(endpoint, wrapper["data_str"], wire.JSON)

    def close(self) -> None:
        self.praisonai.run(self.mock.parts["praisonai"].app.webhooks.stop())  # type: ignore[attr-defined]
        self.kinetica.close()
        self.praisonai.close()
        self.mock.close()


def perform(c: Clients, ops: list[tuple[Any, ...]], made: dict[str, list[str]]) -> None:
    runs, jobs, pruns = made["runs"], made["jobs"], made["pruns"]

    def pick(items: list[str], i: int) -> str:
        return items[i % len(items)] if items else "404"

    for op, *args in ops:
        if op == "create":
            c.k("/create/proc", create_proc_req(args[0], args[1]))
        elif op == "execute":
            name, params, tag, at_startup = args
            options = {"run_tag": tag} if tag else {}
            if at_startup:
                options["execute_at_startup"] = "true"
            done = c.k_ok("/execute/proc", {**execute_req(name, dict(PARAMS[params])), "options": options})
            if done is not None:
                runs.append(done["run_id"])
        elif op == "poll":
            c.k("/show/proc/status", status_req(pick(runs, args[0])))
        elif op == "kill":
            c.k("/kill/proc", kill_req(pick(runs, args[0])))
        elif op == "clear":
            c.k("/show/proc/status", status_req("", clear_complete="true"))
        elif op == "job":
            inner = wire.encode_request("/execute/proc", execute_req("p", {"duration_ms": "500"}), wire.JSON)
            done = c.k_ok("/create/job", {"endpoint": "/execute/proc", "request_encoding": "json", "data": b"",
                                          "data_str": inner.decode(), "options": {}})
            if done is not None:
                jobs.append(str(done["job_id"]))
        elif op == "get_job":
            c.k("/get/job", {"job_id": int(pick(jobs, args[0])), "options": {}})
        elif op == "delete_proc":
            c.k("/delete/proc", {"proc_name": args[0], "options": {}})
        elif op == "restart":
            c.kinetica.post("/_mock/kinetica/restart")
        elif op == "fail":
            c.kinetica.post(f"/_mock/kinetica/runs/{pick(runs, args[0])}/segments/0/fail")
        elif op == "submit":
            key, steps = args
            headers = {"Idempotency-Key": key} if key else {}
            answer = c.praisonai.post("/api/v1/runs", json={"prompt": f"s{steps}", "config": {
                "mock_steps": steps, "mock_step_seconds": 1.0}}, headers=headers)
            if answer.status_code in (200, 202):
                pruns.append(answer.json()["job_id"])
        elif op == "run_get":
            c.praisonai.get(f"/api/v1/runs/{pick(pruns, args[0])}")
        elif op == "cancel":
            c.praisonai.post(f"/api/v1/runs/{pick(pruns, args[0])}/cancel")
        elif op == "delete_run":
            c.praisonai.delete(f"/api/v1/runs/{pick(pruns, args[0])}")
        elif op == "advance":
            c.mock.clock.advance(args[0])
        elif op == "scenario":
            c.kinetica.put("/_mock/scenario", content=SCENARIOS[args[0]])


def answers(c: Clients, made: dict[str, list[str]], run_ids: list[str]) -> dict[str, bytes]:
    """Reads only: what a client would see of everything made."""
    out = {f"status {r}": c.k("/show/proc/status", status_req(r)) for r in run_ids}
    out["procs"] = c.k("/show/proc", {"proc_name": "", "options": {}})
    out.update({f"job {j}": c.k("/get/job", {"job_id": int(j), "options": {}}) for j in made["jobs"]})
    for job_id in made["pruns"]:
        out[f"run {job_id}"] = c.praisonai.get(f"/api/v1/runs/{job_id}").content
        out[f"result {job_id}"] = c.praisonai.get(f"/api/v1/runs/{job_id}/result").content
    out["list"] = c.praisonai.get("/api/v1/runs", params={"page_size": 100}).content
    out["stats"] = c.praisonai.get("/stats").content
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=1, max_size=30), running=st.booleans())
def test_any_sequence_restores_to_the_same_answers(ops: list[tuple[Any, ...]], running: bool) -> None:
    """With the clock following real time too: each operation is recorded at the one instant it
    saw (then the clock is frozen, so that both mocks are read at the same instant)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.sqlite"
        first = Clients(Mock(state=path, frozen_clock=not running, max_runs=6))
        made: dict[str, list[str]] = {"runs": [], "jobs": [], "pruns": []}
        try:
            perform(first, ops, made)
            first.mock.clock.freeze()
            # Runs the status map shows now (auto-start runs not started yet are not in it: the
            # second mock's start starts them).
            shown = [r for r in made["runs"]
                     if r in wire.decode_response_record("/show/proc/status", wire.decode_wrapper(
                         first.k("/show/proc/status", status_req(r)), wire.JSON)["data_str"],
                         wire.JSON)["overall_statuses"]]
            before = answers(first, made, shown)
        finally:
            first.close()
        second = Clients(Mock(state=path, max_runs=6))
        try:
            after = answers(second, made, shown)
        finally:
            second.close()
        assert {k: v for k, v in after.items() if k != "procs"} == {k: v for k, v in before.items() if k != "procs"}
        assert before["procs"] == after["procs"]
