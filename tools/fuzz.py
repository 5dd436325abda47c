"""A bounded, seeded fuzzer against `mockserver serve` on loopback.

    python -m tools.fuzz --requests 10000 --seed 1          # starts its own `mockserver serve`
    python -m tools.fuzz --requests 300 --api praisonai --json

Every request goes out on its own connection as raw bytes (so lengths can lie and bytes can be
anything) and its answer is read with h11. Families of requests: random and typed-wrong JSON, valid,
truncated and random Avro (Kinetica, `application/octet-stream`), NUL, lone surrogates, invalid
UTF-8, huge and lying Content-Lengths, odd methods and paths, and the control plane.

Counted, per API: 5xx answers (other than the `impl` profile's documented `/stats` 500 and a full
queue's documented 503), tracebacks in the server's log, answers outside the API's error format,
and state changed by a batch of requests that were all refused. A non-zero exit says something was
found. Requests go out in batches of one family; the mock's state (`/_mock/state` without the
journal) is compared around each batch whose requests were all refused or read-only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastavro
import h11

from mockserver.kinetica import wire
from mockserver.spec.loader import kinetica_avro

__all__ = ["Answer", "FuzzReport", "Probe", "fuzz", "main", "serve"]

BATCH = 16
RESET_EVERY = 40  # batches: keeps the store (and each state fingerprint) small
PRAISONAI_FIELDS = {"prompt": "str", "agent_file": "str", "agent_yaml": "str", "recipe_name": "str",
                    "recipe_config": "dict", "framework": "str", "config": "dict", "webhook_url": "str",
                    "timeout": "int", "session_id": "str", "idempotency_key": "str",
                    "idempotency_scope": "str"}
PRAISONAI_PATHS = ["/api/v1/runs", "/api/v1/runs/{id}", "/api/v1/runs/{id}/result", "/api/v1/runs/{id}/cancel",
                   "/api/v1/runs/{id}/stream", "/health", "/stats"]
ODD_PATHS = ["/", "//", "/%00", "/..%2f..%2fetc%2fpasswd", "/a/../../b", "/%ff%fe", "/" + "p" * 3000,
             "/api/v1/runs/%ED%A0%80", "/_mock", "/_mock/", "/_mock/%00", "/_mock/../_mock/state",
             "/gpudb-0/show/proc/status", "/show/proc/status/extra", "/?a=%ff&b=\x7f", "/api/v1/runs?page=-1",
             "/api/v1/runs?page_size=abc&status=bogus", "/api/v1/runs?page=99999999999999999999999"]
ODD_METHODS = ["FOO", "PROPFIND", "TRACE", "PATCH", "PUT", "DELETE", "M-SEARCH", "OPTIONS", "HEAD", "GET",
               "POST", "get"]
CONTROL_POSTS = ["/_mock/clock/advance", "/_mock/clock/set", "/_mock/faults", "/_mock/scenario",
                 "/_mock/misbehave", "/_mock/kinetica/runs/1/kill", "/_mock/praisonai/runs/x/cancel"]


# -- what goes out and what comes back ----------------------------------------------------------------
@dataclass
class Probe:
    api: str
    family: str
    method: str
    path: str
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_length: int | None = None  # None: the true length; otherwise what the header claims
    half_close: bool = False  # the client stops sending (and so goes away) after these bytes

    def raw(self) -> bytes:
        length = len(self.body) if self.content_length is None else self.content_length
        lines = [f"{self.method} {self.path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close",
                 *(f"{k}: {v}" for k, v in self.headers), f"Content-Length: {length}"]
        return "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + self.body

    @property
    def mutating(self) -> bool:
        return self.method.upper() not in ("GET", "HEAD", "OPTIONS")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


async def send(host: str, port: int, probe: Probe, timeout: float) -> Answer | None:
    """One probe on its own connection; None when the mock answered nothing (it was left hanging)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(probe.raw())
        await writer.drain()
        if probe.half_close:
            writer.write_eof()
        try:
            data = await asyncio.wait_for(reader.read(), timeout)
        except TimeoutError:
            return None
    except ConnectionError:
        return None
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
    return parse_answer(data, head=probe.method.upper() == "HEAD")


def parse_answer(data: bytes, *, head: bool = False) -> Answer | None:
    if not data:
        return None
    conn = h11.Connection(h11.CLIENT)
    conn.send(h11.Request(method="HEAD" if head else "GET", target="/", headers=[("Host", "x")]))
    conn.send(h11.EndOfMessage())
    conn.receive_data(data)
    conn.receive_data(b"")
    status, headers, body = 0, {}, bytearray()
    while True:
        try:
            event = conn.next_event()
        except h11.RemoteProtocolError:
            break
        if isinstance(event, h11.Response):
            status = event.status_code
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in event.headers}
        elif isinstance(event, h11.Data):
            body += event.data
        elif event is h11.NEED_DATA or isinstance(event, h11.EndOfMessage | h11.ConnectionClosed) \
                or event is h11.PAUSED:
            break
    return Answer(status, headers, bytes(body)) if status else None


# -- is an answer in the API's own format? -----------------------------------------------------------
def format_problem(probe: Probe, answer: Answer, profile: str) -> str | None:
    """Why this answer is not in its API's format (None: it is)."""
    path = probe.path.split("?", 1)[0]
    ctype = answer.headers.get("content-type", "").split(";")[0].strip()
    if probe.method.upper() == "HEAD":
        return None  # an answer to HEAD has no body to be in any format
    if answer.status == 400 and ctype == "text/plain" and answer.body.startswith(b"Invalid HTTP request"):
        return None  # not HTTP at all: the HTTP server answers before any API is reached
    if path == "/_mock" or path.startswith("/_mock/"):
        if answer.status < 400:
            return None
        return _json_with(answer, "error")
    if probe.api == "kinetica":
        if ctype not in wire.MEDIA_TYPES.values():
            return f"content type {ctype!r}"
        encoding = wire.JSON if ctype == "application/json" else wire.BINARY
        try:
            wrapper = wire.decode_wrapper(answer.body, encoding)
        except Exception as exc:
            return f"not a wrapper: {type(exc).__name__}"
        wanted = "OK" if answer.status == 200 else "ERROR"
        return None if wrapper.get("status") == wanted else f"wrapper status {wrapper.get('status')!r}"
    if answer.status < 400:
        return None
    if profile == "impl" and path == "/stats" and answer.status == 500:
        return None  # documented: praisonai 4.7.19's /stats is a text 500
    if profile == "docs" and path == "/api/v1/runs" and answer.status == 409:
        return _json_with(answer, "job_id")  # submit-run.mdx:161-167: an idempotency key's run, no detail
    return _json_with(answer, "detail")


def _json_with(answer: Answer, key: str) -> str | None:
    try:
        value = json.loads(answer.body)
    except ValueError:
        return f"not JSON ({answer.body[:40]!r})"
    return None if isinstance(value, dict) and key in value else f"JSON without {key!r}"


def documented_5xx(probe: Probe, answer: Answer, profile: str) -> bool:
    path = probe.path.split("?", 1)[0]
    if profile == "impl" and path == "/stats" and answer.status == 500 and probe.api == "praisonai":
        return True
    # A full queue: 503 + Retry-After on submit is part of the contract.
    return answer.status == 503 and "retry-after" in answer.headers and path == "/api/v1/runs"


# -- generators ---------------------------------------------------------------------------------------
def _text(rng: random.Random, n: int = 8) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789_") for _ in range(rng.randint(1, n)))


def _wrong_value(rng: random.Random) -> Any:
    return rng.choice([None, True, -1, 2**70, 1.5, "x", "", [], {}, [1, "a"], {"a": {"b": []}},
                       "9" * 40, [[[[[[]]]]]], -0.0, 1e308])


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(7 if depth < 3 else 4)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.choice([rng.randint(-2**40, 2**40), rng.random() * 1e6, 0])
    if kind in (2, 3):
        return _text(rng, 12)
    if kind in (4, 5):
        return {_text(rng): _random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    return [_random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]


def _avro_sample(avro_type: Any, rng: random.Random) -> Any:
    kind = avro_type if isinstance(avro_type, str) else avro_type["type"]
    if kind == "string":
        return _text(rng)
    if kind == "bytes":
        return rng.randbytes(rng.randint(0, 6))
    if kind in ("int", "long"):
        return rng.randint(0, 5)
    if kind in ("float", "double"):
        return rng.random()
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "map":
        return {_text(rng): _avro_sample(avro_type["values"], rng) for _ in range(rng.randint(0, 2))}
    if kind == "array":
        return [_avro_sample(avro_type["items"], rng) for _ in range(rng.randint(0, 2))]
    if kind == "record":
        return {f["name"]: _avro_sample(f["type"], rng) for f in avro_type["fields"]}
    raise ValueError(kind)


def _avro(endpoint: str, record: dict[str, Any]) -> bytes:
    schema = kinetica_avro(endpoint)[0]
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(schema), record)
    return out.getvalue()


JSON_HEADERS = [("Content-Type", "application/json")]
AVRO_HEADERS = [("Content-Type", "application/octet-stream")]


def _sprinkle(rng: random.Random, text: bytes, what: bytes) -> bytes:
    """`what` put inside one of the JSON text's string values (or at a random place)."""
    quotes = [i for i, b in enumerate(text) if b == ord('"')]
    at = rng.choice(quotes) + 1 if quotes else rng.randint(0, len(text))
    return text[:at] + what + text[at:]


class Generator:
    def __init__(self, api: str, rng: random.Random) -> None:
        self.api = api
        self.rng = rng
        self.endpoints = wire.served_endpoints() if api == "kinetica" else []
        self.families: dict[str, Callable[[], Probe]] = {
            "random-json": self.random_json, "typed-wrong-json": self.typed_wrong, "nul": self.nul,
            "surrogate": self.surrogate, "invalid-utf8": self.invalid_utf8, "huge-length": self.huge_length,
            "lying-length": self.lying_length, "odd-method-path": self.odd, "control": self.control,
        }
        if api == "kinetica":
            self.families |= {"truncated-avro": self.truncated_avro, "random-avro": self.random_avro,
                              "valid-avro": self.valid_avro}

    def batch(self) -> tuple[str, list[Probe]]:
        family = self.rng.choice(sorted(self.families))
        return family, [self.families[family]() for _ in range(BATCH)]

    # -- targets -------------------------------------------------------------------------------------
    def _endpoint(self) -> str:
        return self.rng.choice(self.endpoints)

    def _praisonai_path(self) -> tuple[str, str]:
        path = self.rng.choice(PRAISONAI_PATHS).replace("{id}", self.rng.choice(["run_0", _text(self.rng, 20)]))
        method = "POST" if path == "/api/v1/runs" or path.endswith("/cancel") else self.rng.choice(["GET", "DELETE"])
        return method, path

    def _sample_json(self) -> tuple[str, str, dict[str, Any]]:
        if self.api == "kinetica":
            endpoint = self._endpoint()
            record = wire.to_json_form(_avro_sample(kinetica_avro(endpoint)[0], self.rng))
            return "POST", endpoint, record
        return "POST", "/api/v1/runs", {"prompt": _text(self.rng), "config": {"mock_steps": 1}}

    def _probe(self, method: str, path: str, body: bytes, family: str,
               headers: list[tuple[str, str]] | None = None, **extra: Any) -> Probe:
        return Probe(self.api, family, method, path, body, JSON_HEADERS if headers is None else headers, **extra)

    # -- families ------------------------------------------------------------------------------------
    def random_json(self) -> Probe:
        if self.api == "kinetica":
            method, path = "POST", self._endpoint()
        else:
            method, path = self._praisonai_path()
        value = _random_json(self.rng)
        return self._probe(method, path, json.dumps(value).encode(), "random-json")

    def typed_wrong(self) -> Probe:
        method, path, record = self._sample_json()
        if self.api == "praisonai":
            record[self.rng.choice(sorted(PRAISONAI_FIELDS))] = _wrong_value(self.rng)
            if self.rng.random() < 0.5:
                record["prompt"] = _wrong_value(self.rng)
                if isinstance(record["prompt"], str):
                    record["prompt"] = 7
        else:
            key = self.rng.choice(sorted(record)) if record else "x"
            record[key] = _wrong_value(self.rng)
        return self._probe(method, path, json.dumps(record).encode(), "typed-wrong-json")

    def nul(self) -> Probe:
        method, path, record = self._sample_json()
        text = json.dumps(record).encode()
        body = _sprinkle(self.rng, text, self.rng.choice([b"\\u0000", b"\x00", b"a\\u0000b"]))
        return self._probe(method, path, body, "nul")

    def surrogate(self) -> Probe:
        method, path, record = self._sample_json()
        text = json.dumps(record).encode()
        lone = self.rng.choice([b"\\ud800", b"\\udfff", b"\\udbff", b"x\\udc00y", b"\\ud83d"])
        return self._probe(method, path, _sprinkle(self.rng, text, lone), "surrogate")

    def invalid_utf8(self) -> Probe:
        method, path, record = self._sample_json()
        text = json.dumps(record).encode()
        bad = self.rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80\x80"])
        return self._probe(method, path, _sprinkle(self.rng, text, bad), "invalid-utf8")

    def huge_length(self) -> Probe:
        method, path, record = self._sample_json()
        claim = self.rng.choice([10**12, 2**63, 2**64 + 5, 100 * 1024 * 1024])
        return self._probe(method, path, json.dumps(record).encode(), "huge-length", content_length=claim,
                           half_close=True)

    def lying_length(self) -> Probe:
        method, path, record = self._sample_json()
        body = json.dumps(record).encode()
        if self.rng.random() < 0.5:  # claims more than it sends, then goes away
            return self._probe(method, path, body, "lying-length", content_length=len(body) + self.rng.randint(1, 500),
                               half_close=True)
        cut = self.rng.randint(0, max(0, len(body) - 1))  # claims less: the rest is a second "request"
        return self._probe(method, path, body, "lying-length", content_length=cut)

    def odd(self) -> Probe:
        method = self.rng.choice(ODD_METHODS)
        path = self.rng.choice(ODD_PATHS + (self.endpoints[:3] if self.endpoints else PRAISONAI_PATHS[:3]))
        body = self.rng.choice([b"", b"{}", b"null", self.rng.randbytes(self.rng.randint(1, 64))])
        headers = self.rng.choice([JSON_HEADERS, AVRO_HEADERS, [], [("Content-Type", "text/plain")],
                                   [("Content-Type", "application/x-snappy")], [("Content-Type", "\x7f;;")]])
        return Probe(self.api, "odd-method-path", method, path.replace("{id}", "x"), body, headers)

    def control(self) -> Probe:
        path = self.rng.choice(CONTROL_POSTS)
        value = self.rng.choice([_wrong_value(self.rng), {"seconds": _wrong_value(self.rng)},
                                 {"now": _wrong_value(self.rng)}, {"action": _wrong_value(self.rng)},
                                 {"segment": "x"}, {"seconds": -5}, {"clauses": [_wrong_value(self.rng)]}])
        body = json.dumps(value).encode()
        if path == "/_mock/scenario":
            body = self.rng.choice([b"kinetica: [", b"praisonai: {max_concurrent: -1}", b"\x00\xff",
                                    b"name: " + b"\\ud800", b"- a\n- b\n", b"kinetica: {segments: x}"])
        if path.endswith("/kill") or path.endswith("/cancel"):
            path = path.replace("/1/", f"/{_text(self.rng)}/").replace("/x/", f"/{_text(self.rng)}/")
        return Probe(self.api, "control", "POST", path, body, JSON_HEADERS)

    def valid_avro(self) -> Probe:
        endpoint = self._endpoint()
        body = _avro(endpoint, _avro_sample(kinetica_avro(endpoint)[0], self.rng))
        return Probe(self.api, "valid-avro", "POST", endpoint, body, AVRO_HEADERS)

    def truncated_avro(self) -> Probe:
        endpoint = self._endpoint()
        body = _avro(endpoint, _avro_sample(kinetica_avro(endpoint)[0], self.rng))
        cut = body[: self.rng.randint(0, max(0, len(body) - 1))]
        if self.rng.random() < 0.3:  # or one byte flipped, or garbage after the record
            cut = body[:-1] + bytes([body[-1] ^ 0xFF]) if body else b"\x01"
        elif self.rng.random() < 0.3:
            cut = body + self.rng.randbytes(3)
        return Probe(self.api, "truncated-avro", "POST", endpoint, cut, self.rng.choice([AVRO_HEADERS, []]))

    def random_avro(self) -> Probe:
        endpoint = self._endpoint()
        body = self.rng.randbytes(self.rng.randint(0, 200))
        if self.rng.random() < 0.3:  # a huge length prefix: a string claiming gigabytes
            body = b"\xfe\xff\xff\xff\x0f" + body
        return Probe(self.api, "random-avro", "POST", endpoint, body, AVRO_HEADERS)


# -- the run --------------------------------------------------------------------------------------------
@dataclass
class FuzzReport:
    api: str
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    unanswered: int = 0
    server_errors: list[str] = field(default_factory=list)
    documented_5xx: int = 0
    format_problems: list[str] = field(default_factory=list)
    state_changes: list[str] = field(default_factory=list)
    batches_compared: int = 0
    families: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.server_errors or self.format_problems or self.state_changes)

    def to_dict(self) -> dict[str, Any]:
        return {"api": self.api, "requests": self.requests, "seconds": round(self.seconds, 1),
                "statuses": dict(sorted(self.statuses.items())), "unanswered": self.unanswered,
                "5xx": len(self.server_errors), "documented_5xx": self.documented_5xx,
                "format_problems": len(self.format_problems), "state_changes": len(self.state_changes),
                "batches_compared": self.batches_compared, "families": dict(sorted(self.families.items())),
                "examples": (self.server_errors + self.format_problems + self.state_changes)[:10]}


def _fingerprint(state: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in state.items() if k not in ("journal", "cors")}, sort_keys=True)


async def _control(host: str, port: int, method: str, path: str) -> Answer | None:
    return await send(host, port, Probe("control", "fixture", method, path, b""), 10)


async def fuzz(host: str, ports: dict[str, int], *, requests: int, seed: int, profile: str = "impl",
               concurrency: int = BATCH, timeout: float = 10.0) -> list[FuzzReport]:
    reports = []
    for api, port in ports.items():
        rng = random.Random(f"{seed}:{api}")
        generator = Generator(api, rng)
        report = FuzzReport(api)
        started = time.monotonic()
        await _control(host, port, "POST", "/_mock/reset")
        batches = 0
        while report.requests < requests:
            family, probes = generator.batch()
            probes = probes[: requests - report.requests]
            before = await _control(host, port, "GET", "/_mock/state")
            limiter = asyncio.Semaphore(concurrency)

            async def one(probe: Probe, limiter: asyncio.Semaphore = limiter,
                          port: int = port) -> tuple[Probe, Answer | None]:
                async with limiter:
                    return probe, await send(host, port, probe, timeout)

            results = await asyncio.gather(*(one(p) for p in probes))
            after = await _control(host, port, "GET", "/_mock/state")
            acted = False
            for probe, answer in results:
                report.requests += 1
                report.families[probe.family] += 1
                if answer is None:
                    report.unanswered += 1
                    continue
                report.statuses[answer.status] += 1
                where = f"{probe.family} {probe.method} {probe.path[:60]} -> {answer.status}"
                if answer.status >= 500:
                    if documented_5xx(probe, answer, profile):
                        report.documented_5xx += 1
                    else:
                        report.server_errors.append(f"{where}: {answer.body[:120]!r}")
                problem = format_problem(probe, answer, profile)
                if problem is not None:
                    report.format_problems.append(f"{where}: {problem}")
                if answer.status < 400 and probe.mutating:
                    acted = True
            if after is None or after.status != 200:
                said = f"{after.status}: {after.body[:200]!r}" if after else "nothing"
                report.server_errors.append(f"batch {batches} ({family}): /_mock/state then answered {said}")
            elif not acted and before is not None and before.status == 200:
                report.batches_compared += 1
                if _fingerprint(json.loads(before.body)) != _fingerprint(json.loads(after.body)):
                    report.state_changes.append(f"batch {batches} ({family}) changed the state")
            batches += 1
            if batches % RESET_EVERY == 0:
                await _control(host, port, "POST", "/_mock/reset")
        report.seconds = time.monotonic() - started
        reports.append(report)
    return reports


# -- a server to fuzz -------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(apis: list[str], *, profile: str = "impl", extra: list[str] | None = None,
          log: Path | None = None) -> Iterator[tuple[dict[str, int], Path]]:
    """`mockserver serve` in a subprocess on free loopback ports; yields (ports, server log)."""
    ports = {api: _free_port() for api in apis}
    log_path = log or Path(tempfile.mkstemp(prefix="mockserver-fuzz-", suffix=".log")[1])
    command = [sys.executable, "-m", "mockserver", "serve", "--frozen-clock", "--profile", profile,
               "--api", apis[0] if len(apis) == 1 else "both", "--log-level", "info",
               *(f"--{api}-port={port}" for api, port in ports.items()), *(extra or [])]
    with log_path.open("wb") as sink:
        proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=os.environ.copy())
        try:
            deadline = time.monotonic() + 30
            for port in ports.values():
                while True:
                    if proc.poll() is not None:
                        raise RuntimeError(f"mockserver serve exited: {log_path.read_text()[-2000:]}")
                    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                        break
                    if time.monotonic() > deadline:
                        raise RuntimeError("mockserver serve did not start within 30 s")
                    time.sleep(0.05)  # waiting for a subprocess to bind, not for mock state
            yield ports, log_path
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def tracebacks(log: Path) -> int:
    text = log.read_text(errors="replace")
    return text.count("Traceback (most recent call last)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000, help="requests per API (default 10000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--api", choices=["kinetica", "praisonai", "both"], default="both")
    parser.add_argument("--profile", choices=["impl", "docs"], default="impl")
    parser.add_argument("--concurrency", type=int, default=BATCH)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    apis = ["kinetica", "praisonai"] if args.api == "both" else [args.api]
    with serve(apis, profile=args.profile, extra=["--body-timeout", "5", "--header-timeout", "5",
                                                  "--max-body-bytes", str(1024 * 1024)]) as (ports, log):
        reports = asyncio.run(fuzz("127.0.0.1", ports, requests=args.requests, seed=args.seed,
                                   profile=args.profile, concurrency=args.concurrency))
    found = tracebacks(log)
    result = {"seed": args.seed, "profile": args.profile, "tracebacks": found, "server_log": str(log),
              "apis": [r.to_dict() for r in reports]}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for r in result["apis"]:
            print(f"{r['api']}: {r['requests']} requests in {r['seconds']} s; statuses {r['statuses']}; "
                  f"unanswered {r['unanswered']}; 5xx {r['5xx']} (+{r['documented_5xx']} documented); "
                  f"format problems {r['format_problems']}; state changes {r['state_changes']} "
                  f"in {r['batches_compared']} compared batches")
            for example in r["examples"]:
                print(f"    {example}")
        print(f"tracebacks in the server log: {found} ({log})")
    return 0 if found == 0 and all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
