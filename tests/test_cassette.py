from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.cassette import CassetteError, CassetteWriter, RecordedExchange, StreamEvent, read_cassette


def exchange(**changes: object) -> RecordedExchange:
    fields: dict[str, object] = dict(
        api="praisonai", method="POST", path="/api/v1/runs", query="",
        request_headers=[("content-type", "application/json"), ("Authorization", "Bearer s3cret")],
        request_body=b'{"prompt": "x"}', status=202,
        response_headers=[("content-type", "application/json")], response_body=b'{"job_id": "a"}',
        started=1.5, duration=0.25)
    fields.update(changes)
    return RecordedExchange(**fields)  # type: ignore[arg-type]


def test_exchanges_come_back_as_written_in_start_order_with_credentials_redacted(tmp_path: Path) -> None:
    avro = exchange(api="kinetica", path="/show/proc/status", started=0.5,
                    request_headers=[("Content-Type", "application/octet-stream")],
                    request_body=b"\x00\xff\x02", response_headers=[("Content-Type", "application/octet-stream")],
                    response_body=b"\x80\x01")
    stream = exchange(method="GET", path="/api/v1/runs/a/stream", status=200, started=2.0,
                      response_headers=[("content-type", "text/event-stream")], response_body=b"",
                      events=(StreamEvent(0.1, "event: status\ndata: {}\n\n"),))
    with CassetteWriter(tmp_path / "c.jsonl", apis=("kinetica", "praisonai")) as writer:
        for item in (exchange(), avro, stream):
            writer.write(item)
    cassette = read_cassette(tmp_path / "c.jsonl")
    assert cassette.apis == ("kinetica", "praisonai")
    assert [e.path for e in cassette] == ["/show/proc/status", "/api/v1/runs", "/api/v1/runs/a/stream"]
    assert cassette.exchanges[0].request_body == b"\x00\xff\x02"
    assert cassette.exchanges[0].response_body == b"\x80\x01"
    assert cassette.exchanges[1].header("authorization", response=False) == "REDACTED"
    assert cassette.exchanges[1].request_body == b'{"prompt": "x"}'
    assert cassette.exchanges[2].events == (StreamEvent(0.1, "event: status\ndata: {}\n\n"),)
    assert "s3cret" not in (tmp_path / "c.jsonl").read_text()


def test_a_cassette_cut_short_keeps_its_whole_lines_and_a_bad_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    with CassetteWriter(path, apis=("praisonai",)) as writer:
        writer.write(exchange())
    whole = path.read_text()
    path.write_text(whole + '{"api": "praisonai", "meth')
    assert [e.path for e in read_cassette(path)] == ["/api/v1/runs"]
    path.write_text(whole + '{"api": "praisonai"}\n' + whole.splitlines()[1] + "\n")
    with pytest.raises(CassetteError, match=r"c.jsonl:3: not an exchange"):
        read_cassette(path)
    path.write_text('{"not": "a cassette"}\n')
    with pytest.raises(CassetteError, match=r"c.jsonl:1: not a version-1 cassette header"):
        read_cassette(path)


def test_secret_query_parameters_are_redacted_and_other_queries_kept_byte_for_byte(tmp_path: Path) -> None:
    plain = RecordedExchange("praisonai", "GET", "/api/v1/runs", "status=running&page_size=5&x=a%20b", [], b"",
                             200, [], b"", 0.0, 0.1)
    secret = RecordedExchange("praisonai", "GET", "/api/v1/runs/x", "api_key=k3y&page=1", [], b"", 200, [], b"",
                              0.2, 0.1)
    path = tmp_path / "q.jsonl"
    with CassetteWriter(path, apis=("praisonai",)) as writer:
        writer.write(plain)
        writer.write(secret)
    assert "k3y" not in path.read_text()
    first, second = read_cassette(path).exchanges
    assert first.query == plain.query
    assert second.query == "api_key=REDACTED&page=1"
