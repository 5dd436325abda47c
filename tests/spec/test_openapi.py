from __future__ import annotations

import json

import pytest
import schemathesis
from openapi_spec_validator import validate

from mockserver.resources import schemas_dir


def _document(api: str) -> dict:
    return json.loads((schemas_dir() / "openapi" / f"{api}.json").read_text())


@pytest.mark.parametrize(("api", "count"), [("kinetica", 11), ("praisonai", 9)])
def test_documents_are_valid_openapi_and_load_in_schemathesis(api: str, count: int) -> None:
    document = _document(api)
    validate(document)
    operations = [result.ok() for result in schemathesis.openapi.from_dict(document).get_all_operations()]
    assert len(operations) == count


def test_kinetica_links_follow_the_lifecycle() -> None:
    paths = _document("kinetica")["paths"]
    execute = paths["/execute/proc"]["post"]["responses"]["2XX"]["links"]
    assert {link["operationId"] for link in execute.values()} == {"show_proc_status", "kill_proc"}
    assert execute["ShowProcStatus"]["x-data-str-pointer"] == "/run_id"
    assert paths["/create/job"]["post"]["responses"]["2XX"]["links"]["GetJob"]["operationId"] == "get_job"
    for path in paths.values():
        assert set(path["post"]["requestBody"]["content"]) == {"application/json", "application/octet-stream"}


def test_praisonai_links_feed_the_job_id_to_every_per_run_operation() -> None:
    document = _document("praisonai")
    links = document["paths"]["/api/v1/runs"]["post"]["responses"]["202"]["links"]
    assert {link["operationId"] for link in links.values()} == {
        "get_run_status", "get_run_result", "cancel_run", "delete_run", "stream_run"}
    assert all(link["parameters"] == {"job_id": "$response.body#/job_id"} for link in links.values())
    stream = document["paths"]["/api/v1/runs/{job_id}/stream"]["get"]["responses"]["200"]
    assert list(stream["content"]) == ["text/event-stream"]
    submit = document["paths"]["/api/v1/runs"]["post"]
    assert set(submit["responses"]["202"]["headers"]) == {"Location", "Retry-After"}
    assert "completion" in submit["callbacks"]


def test_the_control_plane_document_is_generated_and_valid() -> None:
    document = _document("control")
    validate(document)
    assert all(r.ok() for r in schemathesis.openapi.from_dict(document).get_all_operations())
    assert any(path.endswith("/clock/advance") for path in document["paths"])
