"""/_mock/journal: list with filters, clear; bad filters are 400."""

from __future__ import annotations

from tests.control.control_helpers import T0


def test_list_filter_and_clear(client, mock) -> None:
    client.post("/has/proc", json={"proc_name": "a", "options": {}})
    mock.clock.advance(5)
    client.post("/show/proc", json={"proc_name": "nope", "options": {}})  # unknown proc: 400
    client.get("/no/such/endpoint")
    everything = client.get("/_mock/journal").json()
    assert everything["capacity"] == mock.journal.capacity
    assert [e["path"] for e in everything["entries"]] == ["/has/proc", "/show/proc", "/no/such/endpoint"]
    assert all(e["api"] == "kinetica" for e in everything["entries"])

    def paths(query: str) -> list[str]:
        response = client.get("/_mock/journal?" + query)
        assert response.status_code == 200, response.text
        return [e["path"] for e in response.json()["entries"]]

    assert paths("path=/show/*") == ["/show/proc"]
    assert paths("method=GET") == ["/no/such/endpoint"]
    assert paths("status=4xx") == ["/show/proc", "/no/such/endpoint"]
    assert paths("status=200") == ["/has/proc"]
    assert paths(f"since={T0 + 5}") == ["/show/proc", "/no/such/endpoint"]
    assert paths("limit=1") == ["/no/such/endpoint"]
    assert paths("api=praisonai") == []
    body = client.get("/_mock/journal?path=/has/proc").json()["entries"][0]["body"]
    assert '"proc_name":"a"' in body.replace(" ", "")
    assert client.delete("/_mock/journal").json() == {"removed": 3}
    assert client.get("/_mock/journal").json()["entries"] == []


def test_bad_filters_are_400(client) -> None:
    for query in ("status=teapot", "since=yesterday", "limit=-1", "colour=red"):
        response = client.get("/_mock/journal?" + query)
        assert response.status_code == 400, query
        assert response.json()["error"]
