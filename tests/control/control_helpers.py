"""Helpers for control-plane tests: a sync in-process client, and Kinetica and PraisonAI calls."""

from __future__ import annotations

import json
from typing import Any

from mockserver.runtime import Mock
from tests.asgi import SyncASGIClient

T0 = 1_700_000_000.0


class Client(SyncASGIClient):
    """The in-process client, with a shortcut for Kinetica calls."""

    def kinetica(self, endpoint: str, /, **record: Any) -> dict[str, Any]:
        """Call a Kinetica endpoint in JSON; the decoded `data_str` of an OK answer."""
        response = self.post(endpoint, json=record)
        wrapper = response.json()
        assert wrapper["status"] == "OK", wrapper
        return json.loads(wrapper["data_str"])


def create_proc(client: Client, name: str = "p", mode: str = "distributed") -> None:
    client.kinetica("/create/proc", proc_name=name, execution_mode=mode, files={}, command="python",
                    args=[], options={})


def execute_proc(client: Client, name: str = "p", **params: str) -> str:
    return client.kinetica("/execute/proc", proc_name=name, params=params, bin_params={},
                           input_table_names=[], input_column_names={}, output_table_names=[],
                           options={})["run_id"]


def run_status(client: Client, run_id: str) -> dict[str, Any]:
    return client.kinetica("/show/proc/status", run_id=run_id, options={})


def submit_run(mock: Mock, **body: Any) -> str:
    """Submit a PraisonAI run through its own API; its job id."""
    client = Client(mock.asgi("praisonai"))
    try:
        response = client.post("/api/v1/runs", json={"prompt": "hello", **body})
        assert response.status_code in (200, 201, 202), response.text
        return response.json()["job_id"]
    finally:
        client.close()
