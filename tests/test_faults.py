"""Fault injection against a tiny stand-in app: in-process (ASGITransport) and under real uvicorn."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mockserver.faults import (
    FaultConnectionBroken,
    FaultMiddleware,
    FaultRule,
    FaultRuleError,
    FaultRules,
    note_transport,
)
from mockserver.server import ServerThread


async def _echo(request: Request) -> JSONResponse:
    return JSONResponse({"path": request.url.path, "body": (await request.body()).decode()})


def _stand_in() -> Starlette:
    return Starlette(routes=[
        Route("/{rest:path}", _echo, methods=["GET", "POST"]),
    ])


def _app(rules: FaultRules, api: str = "kinetica"):
    inner = FaultMiddleware(_stand_in(), rules, api=api)

    async def app(scope, receive, send) -> None:
        if scope["type"] == "http":
            note_transport(scope, send)  # as the guard does in front of a mock's stack
        await inner(scope, receive, send)

    return app


def _run(coro):
    return asyncio.run(coro)


async def _statuses(app, requests: list[tuple[str, str]]) -> list[int]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://mock") as client:
        return [(await client.request(method, path)).status_code for method, path in requests]


def test_status_rule_answers_with_its_status_and_body_and_leaves_other_paths_alone() -> None:
    rules = FaultRules()
    rules.add({"action": "status", "path": "/show/proc/*", "status": 503, "body": {"status": "ERROR"},
               "headers": {"Retry-After": "3"}})

    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(_app(rules)), base_url="http://m") as c:
            faulted = await c.post("/show/proc/status", content=b"{}")
            passed = await c.post("/execute/proc", content=b"x")
            return faulted, passed

    faulted, passed = _run(go())
    assert faulted.status_code == 503
    assert faulted.json() == {"status": "ERROR"}
    assert faulted.headers["retry-after"] == "3"
    assert passed.status_code == 200 and passed.json() == {"path": "/execute/proc", "body": "x"}


def test_method_regex_and_api_narrow_what_a_rule_matches() -> None:
    rules = FaultRules()
    rules.add({"action": "status", "path_regex": r"/api/v1/runs/[^/]+", "method": "get", "status": 418})
    rules.add({"action": "status", "path": "/health", "api": "kinetica", "status": 429})
    got = _run(_statuses(_app(rules, api="praisonai"), [
        ("GET", "/api/v1/runs/abc"), ("POST", "/api/v1/runs/abc"), ("GET", "/api/v1/runs/abc/result"),
        ("GET", "/health")]))
    assert got == [418, 200, 200, 200]
    assert _run(_statuses(_app(rules, api="kinetica"), [("GET", "/health")])) == [429]


def test_first_n_fires_on_the_first_matches_only() -> None:
    rules = FaultRules()
    rule_id = rules.add({"action": "status", "path": "/x", "status": 500, "first": 2})
    got = _run(_statuses(_app(rules), [("GET", "/x")] * 4 + [("GET", "/y")]))
    assert got == [500, 500, 200, 200, 200]
    listed = rules.get(rule_id)
    assert listed is not None and listed["matched"] == 4 and listed["fired"] == 2


def test_every_nth_fires_on_multiples_of_n() -> None:
    rules = FaultRules()
    rules.add({"action": "status", "path": "/x", "status": 502, "every": 3})
    got = _run(_statuses(_app(rules), [("GET", "/x")] * 7))
    assert got == [200, 200, 502, 200, 200, 502, 200]


def test_probability_with_a_seed_repeats_exactly_and_mixes_outcomes() -> None:
    def sequence(seed: int) -> list[int]:
        rules = FaultRules()
        rules.add({"action": "status", "path": "*", "status": 500, "probability": 0.5, "seed": seed})
        return _run(_statuses(_app(rules), [("GET", "/x")] * 40))

    first, again, other = sequence(7), sequence(7), sequence(8)
    assert first == again
    assert 500 in first and 200 in first
    assert first != other
    never = FaultRules()
    never.add({"action": "status", "probability": 0.0, "seed": 1})
    assert set(_run(_statuses(_app(never), [("GET", "/x")] * 10))) == {200}


def test_first_matching_rule_wins_but_every_matching_rule_counts() -> None:
    rules = FaultRules()
    a = rules.add({"action": "status", "path": "/x", "status": 501, "first": 1})
    b = rules.add({"action": "status", "path": "*", "status": 502, "first": 2})
    got = _run(_statuses(_app(rules), [("GET", "/x")] * 3))
    # Request 1: both fire, the first rule answers. Request 2: only b fires. Request 3: neither.
    assert got == [501, 502, 200]
    assert rules.get(a)["matched"] == 3 and rules.get(b)["matched"] == 3


def test_delay_postpones_the_real_answer_by_real_seconds() -> None:
    rules = FaultRules()
    rules.add({"action": "delay", "path": "/slow", "delay": 0.2})

    async def timed(path: str) -> tuple[float, httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(_app(rules)), base_url="http://m") as c:
            started = time.perf_counter()
            response = await c.get(path)
            return time.perf_counter() - started, response

    slow, response = _run(timed("/slow"))
    fast, _ = _run(timed("/fast"))
    assert response.json()["path"] == "/slow"
    assert slow >= 0.2 > fast


def test_in_process_hang_never_answers_and_broken_connections_raise() -> None:
    rules = FaultRules()
    rules.add({"action": "hang", "path": "/hang"})
    rules.add({"action": "reset", "path": "/reset"})
    rules.add({"action": "truncate", "path": "/cut", "body": "0123456789"})

    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(_app(rules)), base_url="http://m") as c:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(c.get("/hang"), 0.2)
            with pytest.raises(FaultConnectionBroken, match="reset"):
                await c.get("/reset")
            with pytest.raises(FaultConnectionBroken, match="closed"):
                await c.get("/cut")
            return (await c.get("/fine")).status_code

    assert _run(go()) == 200


def test_invalid_rules_are_refused_with_a_reason() -> None:
    bad = [
        ({"action": "explode"}, "action must be one of"),
        ({"path": "/x"}, "needs an action"),
        ({"action": "status", "colour": "red"}, "unknown fault rule field"),
        ({"action": "status", "path_regex": "("}, "not a valid regular expression"),
        ({"action": "status", "status": 99}, "status must be"),
        ({"action": "status", "status": True}, "status must be"),
        ({"action": "delay"}, "needs delay > 0"),
        ({"action": "status", "probability": 1.5}, "probability"),
        ({"action": "status", "first": 0}, "first must be a positive integer"),
        ({"action": "status", "every": "2"}, "every must be a positive integer"),
        ({"action": "status", "headers": {"a": 1}}, "headers"),
        ("not an object", "JSON object"),
    ]
    rules = FaultRules()
    for data, reason in bad:
        with pytest.raises(FaultRuleError, match=reason):
            rules.add(data)
    assert rules.list() == []


def test_add_remove_clear_and_list() -> None:
    rules = FaultRules()
    a = rules.add(FaultRule(action="status", status=404))
    b = rules.add({"action": "reset", "path": "/r"})
    assert [r["id"] for r in rules.list()] == [a, b]
    assert rules.list()[0]["status"] == 404 and rules.list()[1]["path"] == "/r"
    assert rules.remove(a) is True and rules.remove(a) is False
    assert [r["id"] for r in rules.list()] == [b]
    rules.clear()
    assert rules.list() == [] and len(rules) == 0


# -- under a real uvicorn server --------------------------------------------------------------------

@pytest.fixture
def served():
    rules = FaultRules()
    server = ServerThread(_app(rules)).start()
    try:
        yield server, rules
    finally:
        rules.release_hangs()
        server.stop()


def test_reset_is_seen_by_a_real_client_as_a_reset_connection(served) -> None:
    server, rules = served
    rules.add({"action": "reset", "path": "/reset", "first": 1})
    with httpx.Client(base_url=server.url, timeout=5) as client:
        with pytest.raises(httpx.ReadError, match="reset"):
            client.post("/reset", content=b"payload")
        # The server keeps serving, and the rule has run out.
        assert client.post("/reset", content=b"again").json()["body"] == "again"


def test_truncated_body_is_seen_as_an_incomplete_message(served) -> None:
    server, rules = served
    rules.add({"action": "truncate", "path": "/cut", "body": "0123456789", "truncate_at": 4})
    with httpx.Client(base_url=server.url, timeout=5) as client:
        with pytest.raises(httpx.RemoteProtocolError, match=r"received 4 bytes, expected 10"):
            client.get("/cut")
        assert client.get("/whole").status_code == 200


def test_hang_until_the_client_gives_up_then_release_on_removal(served) -> None:
    server, rules = served
    rule_id = rules.add({"action": "hang", "path": "/hang"})
    with httpx.Client(base_url=server.url, timeout=0.3) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/hang")
    outcome: list[BaseException] = []

    def waiting_client() -> None:
        try:
            httpx.get(server.url + "/hang", timeout=30)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=waiting_client)
    thread.start()
    # Wait (a real thread on a real socket, not mock state) until the request is held.
    deadline = time.monotonic() + 5
    while rules.get(rule_id)["matched"] < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert rules.remove(rule_id) is True
    thread.join(5)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.RemoteProtocolError)


def test_server_stops_promptly_with_a_request_hanging() -> None:
    rules = FaultRules()
    server = ServerThread(_app(rules)).start()
    rules.add({"action": "hang"})
    outcome: list[BaseException] = []

    def waiting_client() -> None:
        try:
            httpx.get(server.url + "/x", timeout=30)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=waiting_client)
    thread.start()
    deadline = time.monotonic() + 5
    while rules.list()[0]["matched"] < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    assert rules.release_hangs() == 1
    server.stop()
    thread.join(5)
    assert time.monotonic() - started < 3
    assert len(outcome) == 1


def test_a_request_picked_for_a_hang_after_shutdown_began_is_let_go_at_once() -> None:
    rules = FaultRules()
    rule_id = rules.add({"action": "hang"})
    rules.release_hangs(stopping=True)  # the server stops between the pick and the hold

    async def hold() -> bool:
        return rules._hold(rule_id).done()

    assert asyncio.run(hold()) is True
    rules.serving()  # served again: hangs hold again
    assert asyncio.run(hold()) is False


# -- pauses held on the mock's clock ---------------------------------------------------------------
def test_a_pause_on_the_mock_clock_is_one_of_delay_until_virtual_seconds() -> None:
    with pytest.raises(FaultRuleError, match="give one of delay"):
        FaultRule.from_dict({"action": "delay", "delay": 1, "virtual_seconds": 5})
    with pytest.raises(FaultRuleError, match="needs delay > 0"):
        FaultRule.from_dict({"action": "delay"})
    with pytest.raises(FaultRuleError, match="virtual_seconds must be"):
        FaultRule.from_dict({"action": "delay", "virtual_seconds": -1})
    assert FaultRule.from_dict({"action": "status", "status": 503, "until": 10.0}).until == 10.0


def test_a_delay_held_on_the_frozen_clock_answers_once_the_clock_gets_there() -> None:
    asyncio.run(_held_on_the_frozen_clock())


async def _held_on_the_frozen_clock() -> None:
    from mockserver import Mock

    mock = Mock(["praisonai"], frozen_clock=True)
    start = mock.clock.now()
    mock.faults.add({"action": "delay", "path": "/health", "virtual_seconds": 30})
    mock.faults.add({"action": "status", "status": 503, "path": "/stats", "until": start + 60})
    transport = httpx.ASGITransport(mock.asgi("praisonai"))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        health = asyncio.ensure_future(client.get("/health"))
        stats = asyncio.ensure_future(client.get("/stats"))
        # Held: nothing moves a frozen clock but the test (bounded look, not a wait for state).
        done, _ = await asyncio.wait({health, stats}, timeout=0.2)
        assert not done
        mock.clock.advance(29.5)
        done, _ = await asyncio.wait({health, stats}, timeout=0.2)
        assert not done
        mock.clock.advance(0.5)          # 30 s of mock time since the request came
        assert (await asyncio.wait_for(health, 5)).status_code == 200
        assert not stats.done()
        mock.clock.set(start + 60)       # the instant the second rule names
        assert (await asyncio.wait_for(stats, 5)).status_code == 503


def test_a_held_delay_is_released_by_a_clock_moved_from_another_thread() -> None:
    from mockserver import MockServer

    with MockServer(apis=["praisonai"], frozen_clock=True) as server:
        # An instant, not a span: the answer does not depend on when the request reaches the mock.
        server.faults.add({"action": "delay", "path": "/health", "until": server.clock.now() + 3600})
        answers: list[int] = []
        client = threading.Thread(target=lambda: answers.append(
            httpx.get(f"{server.url}/health", timeout=20).status_code))
        client.start()
        client.join(0.3)
        assert client.is_alive() and not answers     # held: an hour of mock time has not passed
        server.clock.advance(3600)
        client.join(10)
    assert answers == [200]


def test_the_clock_tells_its_listeners_of_every_move_until_removed() -> None:
    from mockserver.clock import Clock

    clock = Clock(1000.0, frozen=True)
    moves: list[float] = []
    remove = clock.on_move(lambda: moves.append(clock.now()))
    clock.advance(5)
    clock.set(1010)
    clock.unfreeze()
    clock.freeze()
    remove()
    clock.advance(1)
    assert moves[:2] == [1005.0, 1010.0] and len(moves) == 4
