"""The conformance suite's view of an LRO server."""

from __future__ import annotations

from typing import Any

from contract_tests.target import Target


class LroTarget(Target):
    def start(self, seconds: float) -> dict[str, Any]:
        response = self.request("POST", "/v1/operations", json={"seconds": seconds})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def read(self, name: str) -> dict[str, Any]:
        response = self.request("GET", f"/v1/{name}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body
