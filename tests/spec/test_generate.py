"""The committed schemas/ is exactly what the generator makes from the pages."""

from __future__ import annotations

import json
from pathlib import Path

import fastavro
import pytest

from mockserver.resources import schemas_dir
from mockserver.spec.generate import build_files, generate
from mockserver.spec.mintlify import PageError

KINETICA = ["/create/proc", "/show/proc", "/has/proc", "/delete/proc", "/execute/proc", "/show/proc/status",
            "/kill/proc", "/create/job", "/get/job", "/show/system/properties", "/show/system/status"]
REGENERATE = "mockserver schemas generate --docs ../shared/docs --out schemas"
PRAISONAI = ["cancel_run", "delete_run", "get_run_result", "get_run_status", "health", "list_runs", "stats",
             "stream_run", "submit_run"]


@pytest.fixture(scope="module")
def generated(docs: Path) -> dict[str, str]:
    return build_files(docs)


def test_regeneration_reproduces_the_committed_tree_byte_for_byte(docs: Path, tmp_path: Path) -> None:
    generate(docs, tmp_path)
    committed = {p.relative_to(schemas_dir()).as_posix(): p.read_bytes()
                 for p in schemas_dir().rglob("*") if p.is_file()}
    fresh = {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert sorted(fresh) == sorted(committed), f"regenerate with: {REGENERATE}"
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert not changed, f"out of date: {changed}; regenerate with: {REGENERATE}"


def test_generate_removes_files_it_no_longer_makes(docs: Path, tmp_path: Path) -> None:
    generate(docs, tmp_path)
    stale = tmp_path / "kinetica" / "gone.request.json"
    stale.write_text("{}")
    generate(docs, tmp_path)
    assert not stale.exists()


def test_generate_removes_nothing_from_a_folder_it_did_not_write(docs: Path, tmp_path: Path) -> None:
    from mockserver.spec.generate import GenerateError

    mine = tmp_path / "notes.txt"
    mine.write_text("mine")
    with pytest.raises(GenerateError, match="a folder with other files in it"):
        generate(docs, tmp_path)
    assert mine.read_text() == "mine"


def test_every_kinetica_endpoint_has_schemas_with_a_recorded_source(generated: dict[str, str]) -> None:
    index = json.loads(generated["kinetica/index.json"])
    assert index["endpoints"] == KINETICA
    pages = {"/execute/proc", "/show/proc/status", "/kill/proc", "/get/job"}
    for endpoint in KINETICA:
        name = endpoint.strip("/").replace("/", "_")
        request = json.loads(generated[f"kinetica/{name}.request.json"])
        response = json.loads(generated[f"kinetica/{name}.response.json"])
        source = request["x-source"]
        if endpoint in pages:
            assert source == {"kind": "page", "file": f"kinetica/{name}.md"}
        else:
            assert source["kind"] == "client" and source["package"] == "gpudb"
            assert source["version"].startswith("7.2.3") and source["record"] == f"{name}_request"
        assert response["title"] == f"{name}_response"
        assert set(response["required"]) == set(response["properties"])


def test_page_facts_survive_into_the_schemas(generated: dict[str, str]) -> None:
    execute = json.loads(generated["kinetica/execute_proc.request.json"])
    assert execute["required"] == ["proc_name"]
    options = execute["properties"]["options"]
    assert options["default"] == {}
    assert options["properties"]["max_output_lines"]["default"] == "100"
    assert options["properties"]["execute_at_startup"]["enum"] == ["true", "false"]
    assert execute["properties"]["bin_params"]["additionalProperties"]["x-avro-type"] == "bytes"
    status = json.loads(generated["kinetica/show_proc_status.response.json"])["properties"]
    statuses = ["running", "complete", "killed", "error", "none"]
    assert status["overall_statuses"]["additionalProperties"]["enum"] == statuses
    output_keys = status["output"]["additionalProperties"]["additionalProperties"]["properties"]
    assert list(output_keys) == ["stdout", "stderr"]
    timing = status["timings"]["additionalProperties"]["additionalProperties"]["additionalProperties"]
    assert timing["format"] == "int64"
    job = json.loads(generated["kinetica/get_job.response.json"])["properties"]
    assert job["job_status"]["enum"] == ["RUNNING", "DONE", "ERROR", "CANCELLED"]
    assert list(job["status_map"]["properties"]) == ["error_message"]
    wrapper = json.loads(generated["kinetica/response_wrapper.json"])
    assert wrapper["required"] == ["status", "message", "data_type", "data", "data_str"]
    assert wrapper["properties"]["status"]["enum"] == ["OK", "ERROR"]


def test_avro_records_parse_and_page_records_match_the_client(generated: dict[str, str]) -> None:
    for endpoint in KINETICA:
        pair = json.loads(generated[f"kinetica/{endpoint.strip('/').replace('/', '_')}.avro.json"])
        for side in ("request", "response"):
            fastavro.parse_schema(pair[side])
    assert json.loads(generated["kinetica/drift.json"]) == []
    assert "No disagreement" in generated["kinetica/drift.md"]


def test_every_praisonai_operation_has_schemas_per_status(generated: dict[str, str]) -> None:
    index = json.loads(generated["praisonai/index.json"])["operations"]
    assert sorted(index) == PRAISONAI
    both_forms = ["praisonai/get-run-status.mdx", "praisonai/get-run-status.rendered.md"]
    assert index["get_run_status"]["sources"] == both_forms
    for name, entry in index.items():
        for status in entry["statuses"]:
            no_body = (name, status) in {("delete_run", "204"), ("stream_run", "200")}
            assert (f"praisonai/{name}.{status}.json" in generated) != no_body, (name, status)
    status = json.loads(generated["praisonai/get_run_status.200.json"])
    assert status["properties"]["progress"]["properties"]["percentage"]["type"] == "number"
    assert status["properties"]["status"]["enum"] == ["queued", "running", "succeeded", "failed", "cancelled"]
    listing = json.loads(generated["praisonai/list_runs.200.json"])
    assert listing["properties"]["jobs"]["items"]["required"] == ["job_id", "status", "created_at"]
    events = json.loads(generated["praisonai/stream_run.events.json"])
    assert [v.get("title", v.get("const")) for v in events["oneOf"]] == ["progress", "log", "complete", "[DONE]"]
    assert json.loads(generated["praisonai/submit_run.409.json"])["required"] == ["job_id", "status", "message"]
    assert json.loads(generated["praisonai/get_run_result.400.json"])["required"] == ["detail"]


def test_a_broken_page_stops_the_generator_with_file_and_line(docs: Path, tmp_path: Path) -> None:
    copy = tmp_path / "docs"
    for page in docs.rglob("*.md*"):
        target = copy / page.relative_to(docs)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.read_text())
    page = copy / "kinetica" / "kill_proc.md"
    page.write_text(page.read_text().replace('<ParamField body="run_tag">', '<ParamField body="run_tag" kind="x">'))
    with pytest.raises(PageError) as caught:
        build_files(copy)
    assert caught.value.file == "kinetica/kill_proc.md" and caught.value.line == 27
