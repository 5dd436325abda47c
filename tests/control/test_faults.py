"""/_mock/faults: add, list, read, delete one, clear; the rules act on the API, never on /_mock."""

from __future__ import annotations


def test_add_list_read_delete_and_clear(client, mock) -> None:
    added = client.post("/_mock/faults", json={"action": "status", "path": "/has/proc", "status": 503,
                                               "body": "busy", "first": 1})
    assert added.status_code == 201
    rule = added.json()
    assert rule["action"] == "status" and rule["status"] == 503 and rule["id"]
    assert client.get("/_mock/faults").json()["faults"] == [rule]
    faulted = client.post("/has/proc", json={"proc_name": "p", "options": {}})
    assert faulted.status_code == 503 and faulted.text == "busy"
    after = client.post("/has/proc", json={"proc_name": "p", "options": {}})
    assert after.status_code == 200 and after.json()["status"] == "OK"
    assert client.get(f"/_mock/faults/{rule['id']}").json()["fired"] == 1
    removed = client.delete(f"/_mock/faults/{rule['id']}")
    assert removed.status_code == 200 and removed.json() == {"removed": [rule["id"]]}
    assert client.delete(f"/_mock/faults/{rule['id']}").status_code == 404
    assert client.get(f"/_mock/faults/{rule['id']}").status_code == 404
    ids = [client.post("/_mock/faults", json={"action": "reset"}).json()["id"] for _ in range(2)]
    assert client.delete("/_mock/faults").json() == {"removed": ids}
    assert mock.faults.list() == []


def test_a_catch_all_rule_leaves_the_control_plane_working(client) -> None:
    client.post("/_mock/faults", json={"action": "status", "path": "*", "status": 500})
    assert client.post("/has/proc", json={"proc_name": "p", "options": {}}).status_code == 500
    assert client.get("/_mock/faults").status_code == 200
    assert client.delete("/_mock/faults").status_code == 200
    assert client.post("/has/proc", json={"proc_name": "p", "options": {}}).status_code == 200


def test_invalid_rules_are_400_and_nothing_is_added(client, mock) -> None:
    for body in ({"action": "melt"}, {"action": "status", "status": "500"}, {"path": "/x"}):
        response = client.post("/_mock/faults", json=body)
        assert response.status_code == 400 and response.json()["error"]
    assert client.post("/_mock/faults", content=b"{oops").status_code == 400
    assert mock.faults.list() == []
