"""Parity: the same scripted sequence against the real praisonai 4.7.19 jobs app (with the test
double executor of reference_double.py, in a subprocess on 127.0.0.1) and against the mock in the
`impl` profile; responses compared field by field. Ids, base URLs, timestamp values and durations
are normalised (their formats are still checked); everything else must be equal.

The reference runs in real time, so its side waits on the server's own SSE stream (no sleeping);
the mock's side advances the virtual clock. The reference is started by tests/praisonai/reference.py."""

from __future__ import annotations

import json
import queue
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import connect_sse

from mockserver.clock import Clock
from mockserver.praisonai.app import create_praisonai_app
from mockserver.praisonai.models import PraisonAIModel
from mockserver.scenario import Scenario, ScenarioStore
from mockserver.server import ServerThread
from tests.praisonai.conftest import EPOCH
from tests.praisonai.reference import reference_server

pytestmark = pytest.mark.xdist_group("reference-app")  # one reference server at a time, on one worker

LIMITS = {"max_concurrent": 1, "max_queued": 3}
TERMINAL = ("succeeded", "failed", "cancelled")
JOB_ID = re.compile(r"run_[0-9a-f]{12}")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$")
HEARTBEAT_TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00")


# -- the two servers ------------------------------------------------------------------------------
class Driver:
    base: str

    def __init__(self) -> None:
        self.http = httpx.Client(timeout=30, follow_redirects=False)

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return self.http.request(method, self.base + path, **kw)

    def status(self, job_id: str) -> str:
        return self.request("GET", f"/api/v1/runs/{job_id}").json()["status"]

    def settle(self, job_id: str, statuses: tuple[str, ...]) -> None:
        raise NotImplementedError

    def live_stream(self, job_id: str) -> list[tuple[str, str]]:
        raise NotImplementedError

    def finished_stream(self, job_id: str) -> list[tuple[str, str]]:
        with connect_sse(self.http, "GET", f"{self.base}/api/v1/runs/{job_id}/stream") as source:
            return [(e.event, e.data) for e in source.iter_sse()]


class ReferenceDriver(Driver):
    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def settle(self, job_id: str, statuses: tuple[str, ...]) -> None:
        """Wait on the server's own event stream (every status change is an event) - no sleeps."""
        if self.status(job_id) in statuses:
            return
        with connect_sse(self.http, "GET", f"{self.base}/api/v1/runs/{job_id}/stream") as source:
            for event in source.iter_sse():
                if event.event == "status" and json.loads(event.data)["status"] in statuses:
                    return
        assert self.status(job_id) in statuses

    def live_stream(self, job_id: str) -> list[tuple[str, str]]:
        return self.finished_stream(job_id)   # the run moves on its own; read to the end


class MockDriver(Driver):
    def __init__(self, base: str, model: PraisonAIModel) -> None:
        super().__init__()
        self.base = base
        self.model = model

    def settle(self, job_id: str, statuses: tuple[str, ...]) -> None:
        for _ in range(10_000):
            view = self.model.get(job_id)
            if view.status in statuses:
                return
            self.model.clock.set(self.model.next_change(job_id, view.at))
        raise AssertionError(f"{job_id} never reached {statuses}")

    def live_stream(self, job_id: str) -> list[tuple[str, str]]:
        """Read in a thread; advance the clock change by change, each time waiting until the
        stream has shown that change, so it sees every state as the reference's stream does."""
        got: queue.Queue[Any] = queue.Queue()
        done = object()

        def read() -> None:
            try:
                with httpx.Client(timeout=30) as c, connect_sse(
                        c, "GET", f"{self.base}/api/v1/runs/{job_id}/stream") as source:
                    for e in source.iter_sse():
                        got.put((e.event, e.data))
            finally:
                got.put(done)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        events: list[tuple[str, str]] = []

        def until(marker: str) -> None:
            while not any(marker in data for _, data in events):
                item = got.get(timeout=10)
                assert item is not done, f"stream ended before {marker!r}: {events}"
                events.append(item)

        view = self.model.get(job_id)
        until(f'"status": "{view.status}"')
        while not view.terminal:
            self.model.clock.set(self.model.next_change(job_id, view.at))
            new = self.model.get(job_id)
            until(f'"status": "{new.status}"' if new.status != view.status
                  else f'"percentage": {new.progress.percentage}')
            view = new
        while (item := got.get(timeout=10)) is not done:
            events.append(item)
        reader.join(10)
        return events


@pytest.fixture(scope="module")
def agent_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("agent-root")


@pytest.fixture(scope="module")
def reference(agent_root: Path) -> Iterator[ReferenceDriver]:
    limits = ("--max-concurrent", str(LIMITS["max_concurrent"]), "--max-queued", str(LIMITS["max_queued"]))
    with reference_server(agent_root, *limits) as url:
        yield ReferenceDriver(url)


@pytest.fixture(scope="module")
def mock(agent_root: Path) -> Iterator[MockDriver]:
    store = ScenarioStore(Scenario.from_dict({"praisonai": LIMITS}))
    model = PraisonAIModel(Clock(EPOCH, frozen=True), store, profile="impl")
    with ServerThread(create_praisonai_app(model, "impl", agent_root=str(agent_root))) as server:
        yield MockDriver(server.url, model)


# -- the script -----------------------------------------------------------------------------------
Record = tuple[str, Any]


def script(d: Driver) -> list[Record]:
    out: list[Record] = []

    def rec(label: str, response: httpx.Response) -> httpx.Response:
        out.append((label, snapshot(d, response)))
        return response

    def submit(label: str, body: Any = None, **kw: Any) -> str:
        r = rec(label, d.request("POST", "/api/v1/runs", json=body, **kw))
        return r.json().get("job_id", "") if r.status_code == 202 else ""

    def each_route(label: str, job: str) -> None:
        for method, suffix in (("GET", ""), ("GET", "/result"), ("POST", "/cancel"), ("DELETE", ""),
                               ("GET", "/stream")):
            rec(f"{label} {method}{suffix}", d.request(method, f"/api/v1/runs/{job}{suffix}"))

    rec("health at start", d.request("GET", "/health"))
    a = submit("submit A", {"prompt": "alpha", "session_id": "s1", "config": {
        "mock_steps": 2, "mock_step_seconds": 0.4, "mock_result": {"k": [1, 'x"y'], "n": None}}})
    b = submit("submit B (hangs)", {"prompt": "beta", "timeout": 600, "config": {"mock_steps": 1, "mock_hang": True}})
    d.settle(a, ("running",))
    rec("A running", d.request("GET", f"/api/v1/runs/{a}"))
    rec("B queued", d.request("GET", f"/api/v1/runs/{b}"))
    rec("result of running A", d.request("GET", f"/api/v1/runs/{a}/result"))
    rec("result of queued B", d.request("GET", f"/api/v1/runs/{b}/result"))
    rec("delete running A", d.request("DELETE", f"/api/v1/runs/{a}"))
    rec("delete queued B", d.request("DELETE", f"/api/v1/runs/{b}"))
    c = submit("submit C", {"prompt": "gamma", "config": {"mock_steps": 1, "mock_step_seconds": 0.2}})
    submit("submit D: queue full", {"prompt": "delta"})
    rec("health, queue full", d.request("GET", "/health"))
    d.settle(a, TERMINAL)
    rec("A succeeded", d.request("GET", f"/api/v1/runs/{a}"))
    rec("result of A", d.request("GET", f"/api/v1/runs/{a}/result"))
    rec("cancel finished A", d.request("POST", f"/api/v1/runs/{a}/cancel"))
    d.settle(b, ("running",))
    rec("B running", d.request("GET", f"/api/v1/runs/{b}"))
    rec("cancel running B", d.request("POST", f"/api/v1/runs/{b}/cancel"))
    rec("cancel cancelled B", d.request("POST", f"/api/v1/runs/{b}/cancel"))
    rec("result of cancelled B", d.request("GET", f"/api/v1/runs/{b}/result"))
    d.settle(c, TERMINAL)
    rec("C succeeded", d.request("GET", f"/api/v1/runs/{c}"))
    e = submit("submit E (fails)", {"prompt": "eps", "config": {
        "mock_steps": 2, "mock_step_seconds": 0.2, "mock_fail": 'boom "x"'}})
    d.settle(e, TERMINAL)
    rec("E failed", d.request("GET", f"/api/v1/runs/{e}"))
    rec("result of failed E", d.request("GET", f"/api/v1/runs/{e}/result"))
    f = submit("submit F (times out)", {"prompt": "phi", "timeout": 1,
                                        "config": {"mock_steps": 1, "mock_step_seconds": 30}})
    d.settle(f, TERMINAL)
    rec("F timed out", d.request("GET", f"/api/v1/runs/{f}"))
    rec("result of timed-out F", d.request("GET", f"/api/v1/runs/{f}/result"))
    g = submit("submit G with key", {"prompt": "g", "config": {"mock_steps": 1, "mock_hang": True}},
               headers={"Idempotency-Key": "k1"})
    d.settle(g, ("running",))
    submit("repeat key in header", {"prompt": "other"}, headers={"Idempotency-Key": "k1"})
    submit("repeat key in body", {"prompt": "other", "idempotency_key": "k1"})
    submit("repeat key, bad body", {"prompt": 5}, headers={"Idempotency-Key": "k1"})
    rec("cancel G", d.request("POST", f"/api/v1/runs/{g}/cancel"))
    submit("repeat key, finished", {"prompt": "other"}, headers={"Idempotency-Key": "k1"})
    out.append(("stream of finished A", normalise(d, d.finished_stream(a))))
    out.append(("stream of cancelled B", normalise(d, d.finished_stream(b))))
    out.append(("stream of failed E", normalise(d, d.finished_stream(e))))
    h = submit("submit H", {"prompt": "eta", "config": {
        "mock_steps": 3, "mock_step_seconds": 0.3, "mock_result": "line1\nline2 \\ end"}})
    d.settle(h, ("running",))
    out.append(("live stream of H", normalise(d, d.live_stream(h))))
    for label, params in (("list", {}), ("list failed", {"status": "failed"}), ("list s1", {"session_id": "s1"}),
                          ("list page 2", {"page": 2, "page_size": 2}), ("list empty status", {"status": ""}),
                          ("list lax page", {"page": " 2 ", "page_size": "2.0"}),
                          ("list page_size 101", {"page_size": 101}), ("list page 0", {"page": 0}),
                          ("list page x, size 1000", {"page": "x", "page_size": 1000}),
                          ("list bad status", {"status": "bogus"})):
        rec(label, d.request("GET", "/api/v1/runs", params=params))
    rec("delete finished A", d.request("DELETE", f"/api/v1/runs/{a}"))
    each_route("deleted A", a)
    each_route("unknown", "run_000000000000")
    rec("delete G", d.request("DELETE", f"/api/v1/runs/{g}"))
    created = [submit("key after delete", {"prompt": "again", "config": {"mock_steps": 0}},
                      headers={"Idempotency-Key": "k1"})]
    for label, content, ctype in (
            ("missing prompt", b"{}", "application/json"), ("prompt int", b'{"prompt": 5}', "application/json"),
            ("prompt null", b'{"prompt": null}', "application/json"),
            ("malformed", b'{"prompt": ', "application/json"), ("trailing", b'{"prompt": "x"} x', "application/json"),
            ("no body", b"", "application/json"), ("array", b"[1, 2]", "application/json"),
            ("null body", b"null", "application/json"), ("text/plain", b'{"prompt": "x"}', "text/plain"),
            ("not utf-8", b'{"prompt": "\xff"}', "application/json"),
            ("many errors", b'{"prompt": 5, "timeout": "z", "config": 3, "session_id": 1.5}', "application/json"),
            ("timeout 5.5", b'{"prompt": "x", "timeout": 5.5}', "application/json"),
            ("timeout list", b'{"prompt": "x", "timeout": [1]}', "application/json"),
            ("webhook ftp", b'{"prompt": "x", "webhook_url": "ftp://h.example/x"}', "application/json"),
            ("webhook loopback", b'{"prompt": "x", "webhook_url": "http://127.0.0.1:9/h"}', "application/json"),
            ("webhook private", b'{"prompt": "x", "webhook_url": "http://10.1.2.3/h"}', "application/json"),
            ("webhook no host", b'{"prompt": "x", "webhook_url": "http:///x"}', "application/json"),
            ("agent_file outside", b'{"prompt": "x", "agent_file": "/etc/passwd"}', "application/json"),
            ("+json ctype", b'{"prompt": "x", "timeout": "7", "config": {"mock_steps": 0}}', "application/vnd.x+json"),
    ):
        r = rec(f"bad input: {label}", d.request("POST", "/api/v1/runs", content=content,
                                                 headers={"content-type": ctype}))
        if r.status_code == 202:
            created.append(r.json()["job_id"])
    for job in created:
        d.settle(job, TERMINAL)
    rec("stats", d.request("GET", "/stats"))
    rec("PUT runs", d.request("PUT", "/api/v1/runs"))
    rec("unknown path", d.request("GET", "/nothing"))
    rec("trailing slash", d.request("GET", "/api/v1/runs/"))
    rec("health at end", d.request("GET", "/health"))
    return out


def snapshot(d: Driver, r: httpx.Response) -> dict[str, Any]:
    # `Allow` on a 405 is a deliberate difference: the mock names every method of the path (RFC 9110),
    # praisonai 4.7.19 only its first route's; that the header is there is compared.
    headers = {k: r.headers[k] for k in ("content-type", "location", "retry-after") if k in r.headers}
    if "allow" in r.headers:
        headers["allow"] = "present"
    try:
        body: Any = r.json()
    except ValueError:
        body = r.text
    return normalise(d, {"status": r.status_code, "headers": headers, "body": body})


def normalise(d: Driver, value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: normalise(d, v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(d, v) for v in value]
    if key == "duration_seconds" and value is not None:
        return f"<{type(value).__name__}>"
    if isinstance(value, str):
        if TIMESTAMP.match(value):
            return "<timestamp>"
        value = value.replace(d.base, "<base>")
        value = HEARTBEAT_TS.sub("<timestamp+00:00>", value)
        return JOB_ID.sub(lambda m: d.ids.setdefault(m.group(), f"<job {len(d.ids) + 1}>"), value)
    return value


# -- the test -------------------------------------------------------------------------------------
def test_impl_profile_matches_the_reference(reference: ReferenceDriver, mock: MockDriver) -> None:
    reference.ids, mock.ids = {}, {}
    theirs = script(reference)
    ours = script(mock)
    assert [label for label, _ in ours] == [label for label, _ in theirs]
    mismatches = [f"{label}:\n  reference: {t}\n  mock:      {o}"
                  for (label, t), (_, o) in zip(theirs, ours, strict=True) if t != o]
    assert not mismatches, f"{len(mismatches)} of {len(theirs)} steps differ:\n" + "\n".join(mismatches)


def test_the_script_checks_something(mock: MockDriver) -> None:
    """Guards the comparison itself: a mock answering differently must be caught."""
    mock.ids = {}
    a = [("x", normalise(mock, {"status": 409, "body": {"job_id": "run_0123456789ab"}}))]
    b = [("x", normalise(mock, {"status": 400, "body": {"job_id": "run_0123456789ab"}}))]
    assert a != b and a[0][1]["body"]["job_id"] == "<job 1>"
