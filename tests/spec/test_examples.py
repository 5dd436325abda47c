"""Every example on the pages, validated against the schema for its operation and status."""

from __future__ import annotations

import json
from pathlib import Path

from mockserver.resources import schemas_dir
from mockserver.spec.examples import check_praisonai, request_bodies
from mockserver.spec.mintlify import CodeBlock


def _schemas() -> dict[str, dict]:
    folder = schemas_dir() / "praisonai"
    return {p.name.removesuffix(".json"): json.loads(p.read_text()) for p in folder.glob("*.json")
            if p.name != "index.json"}


def test_every_example_is_checked_and_only_the_known_disagreements_remain(docs: Path) -> None:
    checks = check_praisonai(docs, _schemas())
    pages_with_examples = {c.file for c in checks}
    assert len(pages_with_examples) == 10  # every operation page, the status page in both forms
    disagreements = [(c.file, c.line, c.errors) for c in checks if not c.ok]
    # The page's own example contradicts its field list (session_id is documented as a string).
    assert disagreements == [("praisonai/list-runs.mdx", 115, ["jobs/1/session_id: None is not of type 'string'"])]
    assert json.loads((schemas_dir() / "examples.json").read_text()) == [c.to_dict() for c in checks]


def test_request_bodies_are_read_from_curl_and_python_snippets() -> None:
    curl_text = "curl -X POST http://h/x \\\n  -d '{\"prompt\": \"p\", \"timeout\": 5}'"
    python_text = "import httpx\nhttpx.post('u', json={'prompt': 'p'}, headers={})"
    curl = CodeBlock("bash", "cURL", curl_text, 1, "RequestExample", "")
    python = CodeBlock("python", "Python", python_text, 1, "RequestExample", "")
    assert request_bodies(curl) == [{"prompt": "p", "timeout": 5}]
    assert request_bodies(python) == [{"prompt": "p"}]


def test_a_wrong_example_would_be_reported() -> None:
    from mockserver.spec.examples import _errors

    schema = _schemas()["get_run_status.200"]
    assert _errors(schema, {"job_id": "x", "status": "paused", "created_at": "t"})
    assert not _errors(schema, {"job_id": "x", "status": "queued", "created_at": "t"})
