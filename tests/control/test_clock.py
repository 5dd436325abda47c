"""/_mock/clock: read, advance, set, freeze, real; bad input is 400 and leaves the clock alone."""

from __future__ import annotations

import pytest

from tests.control.control_helpers import T0, create_proc, execute_proc, run_status


def test_read_advance_and_set(client, mock) -> None:
    read = client.get("/_mock/clock").json()
    assert read == {"now": T0, "frozen": True, "iso": "2023-11-14T22:13:20+00:00"}
    assert client.post("/_mock/clock/advance", json={"seconds": 2.5}).json()["now"] == T0 + 2.5
    assert mock.clock.now() == T0 + 2.5
    assert client.post("/_mock/clock/set", json={"now": T0 + 100}).json()["now"] == T0 + 100
    at = client.post("/_mock/clock/set", json={"now": "2023-11-14T23:00:00Z"}).json()
    assert at["now"] == T0 + 46 * 60 + 40
    naive = client.post("/_mock/clock/set", json={"now": "2023-11-14T23:00:01"}).json()
    assert naive["now"] == at["now"] + 1


def test_advancing_the_clock_moves_a_kinetica_run_along(client) -> None:
    create_proc(client)
    run_id = execute_proc(client, duration_ms="3000")
    assert run_status(client, run_id)["overall_statuses"][run_id] == "running"
    client.post("/_mock/clock/advance", json={"seconds": 3})
    assert run_status(client, run_id)["overall_statuses"][run_id] == "complete"


def test_freeze_and_real(client, mock) -> None:
    real = client.post("/_mock/clock/real").json()
    assert real["frozen"] is False and not mock.clock.frozen
    frozen = client.post("/_mock/clock/freeze").json()
    assert frozen["frozen"] is True and frozen["now"] >= real["now"]
    assert client.post("/_mock/clock/unfreeze").json()["frozen"] is False


@pytest.mark.parametrize(("path", "body", "reason"), [
    ("/_mock/clock/advance", {"seconds": -1}, "time only moves forward"),
    ("/_mock/clock/advance", {"seconds": "1"}, "must be a number"),
    ("/_mock/clock/advance", {"seconds": True}, "must be a number"),
    ("/_mock/clock/advance", {}, "missing field 'seconds'"),
    ("/_mock/clock/advance", b"{not json", "not valid JSON"),
    ("/_mock/clock/advance", b"[1]", "must be a JSON object"),
    ("/_mock/clock/advance", b"", "must be a JSON object"),
    ("/_mock/clock/set", {"now": T0 - 1}, "cannot set the clock"),
    ("/_mock/clock/set", {"now": "yesterday"}, "not an ISO 8601"),
    ("/_mock/clock/set", {"now": None}, "epoch seconds or an ISO 8601"),
    # Found by tools/fuzz.py: past year 9999 no timestamp can be written, and every answer broke.
    ("/_mock/clock/advance", {"seconds": 1e308}, "year 9999"),
    ("/_mock/clock/advance", {"seconds": 10**400}, "year 9999"),
    ("/_mock/clock/set", {"now": 1e300}, "year 9999"),
])
def test_bad_input_is_400_and_the_clock_does_not_move(client, mock, path, body, reason) -> None:
    before = mock.clock.state()
    kwargs = {"content": body} if isinstance(body, bytes) else {"json": body}
    response = client.post(path, **kwargs)
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert mock.clock.state() == before
    assert client.get("/_mock/state").status_code == 200
