"""Read the generated schemas at run time (the mock and the suite both use these)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from mockserver.resources import schemas_dir


@cache
def load_schema(relative: str) -> dict[str, Any]:
    """A generated file under `schemas/`, e.g. `kinetica/execute_proc.request.json`."""
    return json.loads((schemas_dir() / relative).read_text(encoding="utf-8"))


def kinetica_operation(endpoint: str) -> str:
    """`/show/proc/status` -> `show_proc_status`: the name every Kinetica schema file starts with."""
    return endpoint.strip("/").replace("/", "_")


def kinetica_avro(endpoint: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Avro record schemas (request, response) of a Kinetica endpoint, as JSON objects."""
    pair = load_schema(f"kinetica/{kinetica_operation(endpoint)}.avro.json")
    return pair["request"], pair["response"]


def kinetica_wrapper_avro() -> dict[str, Any]:
    """The Avro record of the standard response wrapper (`gpudb_response`)."""
    return load_schema("kinetica/response_wrapper.avro.json")


def kinetica_endpoints() -> list[str]:
    """Every Kinetica endpoint that has generated schemas, in a stable order."""
    return list(load_schema("kinetica/index.json")["endpoints"])
