"""`mockserver schemas generate`: doc pages (and the gpudb client) -> everything under `schemas/`.

The output is a pure function of the pages and the client version: files are written with sorted
layout decisions and a fixed JSON style, so a regeneration reproduces the committed tree byte for
byte. Files under the output folder that this run did not produce are removed (the folder is ours).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mockserver.control.openapi import control_openapi
from mockserver.spec import examples, kinetica, openapi, praisonai


class GenerateError(Exception):
    """The generator cannot run: pages missing, its client missing, an output folder not its own."""


# The subfolders of the docs folder the generator reads (see /work/shared/docs's README).
DOC_FOLDERS = ("kinetica", "praisonai")
# A folder holding this file was written by the generator: stale files in it may be removed.
GENERATED_MARK = "openapi/kinetica.json"


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _with_sources(schema: dict[str, Any], sources: list[str]) -> dict[str, Any]:
    """Record every page a schema was read from (the status page exists in two forms)."""
    source = schema.get("x-source")
    if len(sources) > 1 and isinstance(source, dict) and "file" in source:
        source = {**{k: v for k, v in source.items() if k != "file"}, "files": sources}
        return {**schema, "x-source": source}
    return schema


def build_files(docs: Path) -> dict[str, str]:
    """Every generated file, as relative path -> text."""
    files: dict[str, str] = {}
    missing = [name for name in DOC_FOLDERS if not (docs / name).is_dir()]
    if missing:
        raise GenerateError(f"--docs {docs}: no {' or '.join(f'{name}/' for name in missing)} folder of doc "
                            "pages there" + ("" if docs.is_dir() else " (no such folder)"))
    try:
        client = kinetica.GpudbClient()
    except ImportError:
        raise GenerateError("the schema generator reads Kinetica's client: pip install 'gpudb>=7.2.3,<7.3'") from None
    kin = kinetica.build(docs, client)
    index: dict[str, Any] = {"endpoints": [op.endpoint for op in kin.operations], "operations": {}}
    for op in kin.operations:
        files[f"kinetica/{op.name}.request.json"] = _json(op.request)
        files[f"kinetica/{op.name}.response.json"] = _json(op.response)
        files[f"kinetica/{op.name}.avro.json"] = _json(
            {"endpoint": op.endpoint, "source": op.source, "request": op.avro_request, "response": op.avro_response})
        index["operations"][op.endpoint] = {"name": op.name, "source": op.source}
    files["kinetica/index.json"] = _json(index)
    files["kinetica/response_wrapper.json"] = _json(kin.wrapper)
    files["kinetica/response_wrapper.avro.json"] = _json(kin.wrapper_avro)
    compared = [op.endpoint for op in kin.operations if op.source["kind"] == "page"]
    files["kinetica/drift.json"] = _json(kin.drift)
    files["kinetica/drift.md"] = kinetica.drift_markdown(kin.drift, client, compared)

    prai = praisonai.build(docs)
    by_key: dict[str, dict[str, Any]] = {}
    for pop in prai.operations:
        if pop.request is not None:
            by_key[f"{pop.name}.request"] = _with_sources(pop.request, pop.sources)
        for status, response in pop.responses.items():
            if response.schema is not None:
                by_key[f"{pop.name}.{status}"] = _with_sources(response.schema, pop.sources)
        if pop.events is not None:
            by_key[f"{pop.name}.events"] = pop.events
    if prai.webhook is not None:
        by_key["submit_run.webhook"] = prai.webhook
    for key, schema in by_key.items():
        files[f"praisonai/{key}.json"] = _json(schema)
    files["praisonai/index.json"] = _json({
        "operations": {op.name: {"method": op.method, "path": op.path, "sources": op.sources,
                                 "statuses": list(op.responses)} for op in prai.operations}})

    checks = examples.check_praisonai(docs, by_key)
    files["examples.json"] = _json([c.to_dict() for c in checks])
    files["examples.md"] = examples.report_markdown(checks)

    files["openapi/kinetica.json"] = _json(openapi.kinetica(kin))
    files["openapi/praisonai.json"] = _json(openapi.praisonai(prai.operations, prai.webhook))
    # The control plane is ours, not the docs': its document comes from the code that serves it.
    files["openapi/control.json"] = _json(control_openapi())
    return dict(sorted(files.items()))


def generate(docs: Path | str, out: Path | str) -> list[Path]:
    """Write the generated tree under `out`; returns the files written."""
    docs, out = Path(docs), Path(out)
    if out.exists() and not out.is_dir():
        raise GenerateError(f"--out {out}: not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / GENERATED_MARK).is_file():
        # Stale files are removed below: never in a folder the generator did not write.
        raise GenerateError(f"--out {out}: a folder with other files in it (generated schemas hold "
                            f"{GENERATED_MARK}); give an empty or new folder, or the schemas/ folder")
    files = build_files(docs)
    written = []
    for relative, text in files.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        written.append(target)
    for stale in sorted(p for p in out.rglob("*") if p.is_file()):
        if stale.relative_to(out).as_posix() not in files:
            stale.unlink()
    return written
