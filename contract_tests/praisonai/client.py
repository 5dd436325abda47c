"""PraisonAI async-runs target: the calls the tests are written with, and the hint probe."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from httpx_sse import connect_sse

from contract_tests.target import StatelessClauses, Target
from contract_tests.violation import precondition

RUNS = "/api/v1/runs"
STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
TERMINAL = {"succeeded", "failed", "cancelled"}


def parse_timestamp(value: Any) -> datetime:
    assert isinstance(value, str), f"expected an ISO 8601 timestamp string; got {value!r}"
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise AssertionError(f"expected an ISO 8601 timestamp; got {value!r}") from None


@dataclass
class StreamEvent:
    event: str  # the SSE event name, or for data-framed streams the 'event' field of the JSON
    data: Any
    raw: str


@dataclass
class Stream:
    status: int
    content_type: str
    events: list[StreamEvent] = field(default_factory=list)
    data_lines: list[str] = field(default_factory=list)
    body: Any = None  # the JSON body when the answer is not a stream
    done_marker: bool = False


class PraisonTarget(Target):
    clauses = StatelessClauses(no_server_error="PRA-ERR-001", documented_answers="PRA-OAS-001",
                               accepted_invalid="PRA-OAS-002")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._submitted: list[str] = []

    def cleanup(self) -> None:
        """Live targets: cancel what this test left running, then delete every run it submitted (a
        shared server keeps only its users' runs)."""
        submitted, self._submitted = self._submitted, []
        if self.has_control:
            return  # the next test resets the mock anyway
        for job_id in submitted:
            with contextlib.suppress(Exception):  # best effort: a failed clean-up must not mask the result
                response = self.http.get(f"{self.base_url}{RUNS}/{job_id}")
                if response.status_code == 404:
                    continue  # the test deleted it
                if response.status_code == 200 and response.json().get("status") not in TERMINAL:
                    self.http.post(f"{self.base_url}{RUNS}/{job_id}/cancel")
                self.http.delete(f"{self.base_url}{RUNS}/{job_id}")

    def submit(self, prompt: str = "contract test", *, config: dict[str, Any] | None = None,
               headers: dict[str, str] | None = None, **fields: Any) -> httpx.Response:
        body: dict[str, Any] = {"prompt": prompt}
        if config is not None:
            body["config"] = config
        body.update(fields)
        response = self.request("POST", RUNS, json=body, headers=headers or {})
        if response.status_code == 202:
            with contextlib.suppress(ValueError, KeyError):
                self._submitted.append(response.json()["job_id"])
        return response

    def submit_ok(self, prompt: str = "contract test", **kwargs: Any) -> dict[str, Any]:
        response = self.submit(prompt, **kwargs)
        with precondition("PRA-SUB-001"):  # what every test that submits a run stands on
            assert response.status_code == 202, f"expected 202 from submit; got {response.status_code} {response.text}"
            body = response.json()
            assert isinstance(body.get("job_id"), str) and body["job_id"], f"expected a job_id; got {body!r}"
        return body

    def get(self, job_id: str, suffix: str = "") -> httpx.Response:
        return self.request("GET", f"{RUNS}/{job_id}{suffix}")

    def status(self, job_id: str) -> dict[str, Any]:
        response = self.get(job_id)
        with precondition("PRA-STA-017"):  # a job handed out stays answerable until deleted
            assert response.status_code == 200, f"expected 200 for the status of {job_id}; got {response.status_code}"
            return dict(response.json())

    def cancel(self, job_id: str) -> httpx.Response:
        return self.request("POST", f"{RUNS}/{job_id}/cancel")

    def delete(self, job_id: str) -> httpx.Response:
        return self.request("DELETE", f"{RUNS}/{job_id}")

    def list(self, **params: Any) -> httpx.Response:
        return self.request("GET", RUNS, params={k: v for k, v in params.items() if v is not None})

    def hints(self, *, steps: int = 2, step_units: float = 1.0, **extra: Any) -> dict[str, Any]:
        config: dict[str, Any] = {"mock_steps": steps, "mock_step_seconds": step_units * self.unit}
        config.update(extra)
        return config

    def wait_terminal(self, job_id: str, *, budget: float | None = None) -> dict[str, Any]:
        return self.wait_for(lambda: self.status(job_id), lambda s: s.get("status") in TERMINAL,
                             what=f"job {job_id} to finish", budget=budget)

    def wait_status(self, job_id: str, wanted: str) -> dict[str, Any]:
        return self.wait_for(lambda: self.status(job_id), lambda s: s.get("status") == wanted,
                             what=f"job {job_id} to be {wanted}")

    def stream(self, job_id: str, *, drive_clock: bool = True, limit: int = 500,
               during: Callable[[], None] | None = None) -> Stream:
        """Read the job's SSE stream to its end, moving a virtual clock meanwhile from this thread.

        `during` runs here once the stream's headers have arrived (e.g. to cancel the job mid-stream).
        """
        url = f"{self.base_url}{RUNS}/{job_id}/stream"
        result: dict[str, Any] = {}
        connected = threading.Event()

        def read() -> None:
            try:
                with httpx.Client(headers=self.headers, timeout=httpx.Timeout(self.timeout + 30)) as client, \
                        connect_sse(client, "GET", url) as source:
                    response = source.response
                    out = Stream(response.status_code, response.headers.get("content-type", ""))
                    result["stream"] = out
                    connected.set()
                    if not out.content_type.startswith("text/event-stream"):
                        response.read()
                        try:
                            out.body = response.json()
                        except ValueError:
                            out.body = response.text
                        return
                    for sse in source.iter_sse():
                        out.data_lines.append(sse.data)
                        if sse.data.strip() == "[DONE]":
                            out.done_marker = True
                            continue
                        try:
                            data = json.loads(sse.data)
                        except ValueError:
                            data = sse.data
                        name = sse.event
                        # The pages' framing: the event's name inside the data (stream-run.mdx:24-43);
                        # a server may name it on an `event:` line as well.
                        if isinstance(data, dict) and "event" in data and name in ("message", str(data["event"])):
                            name, data = str(data["event"]), data.get("data")
                        out.events.append(StreamEvent(name, data, sse.data))
                        if len(out.events) >= limit:
                            return
            except Exception as exc:
                result["error"] = exc
            finally:
                connected.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        connected.wait(self.timeout)
        if during is not None:
            during()
        if self.has_control and drive_clock:
            for _ in range(400):
                reader.join(0.02)
                if not reader.is_alive():
                    break
                self.pass_time(self.unit / 2)
        reader.join(self.timeout)
        assert not reader.is_alive(), f"the stream of {job_id} did not end"
        if "error" in result:
            raise result["error"]
        out = result["stream"]
        self.record_stream("GET", url, dict(self.headers), out.status, {"content-type": out.content_type},
                           "\n".join(f"data: {d}" for d in out.data_lines).encode()
                           if out.data_lines else json.dumps(out.body).encode())
        return out

    def _probe_hints(self) -> bool:
        """Two independent signs: a run asked to fail with a message does, or one asked for a
        result gives it (one broken clause must not pass for "no hint support")."""
        token = f"probe-{self.run_token}"
        failing = self.submit_ok(config=self.hints(steps=1, step_units=0.5, mock_fail=token))["job_id"]
        giving = self.submit_ok(config=self.hints(steps=1, step_units=0.5, mock_result=token))["job_id"]
        final = self.wait_terminal(failing)
        self.wait_terminal(giving)
        failed = final.get("status") == "failed" and token in str(final.get("error"))
        result = self.get(giving, "/result")
        gave = result.status_code == 200 and token in str(result.json().get("result"))
        if not (failed or gave):
            self._hint_reason = "runs hinted to fail with a message, or to give a result, did not"
        return failed or gave
