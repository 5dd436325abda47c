"""The conformance UDF, run against a stand-in for the cluster's `kinetica_proc` module."""

from __future__ import annotations

import runpy
import sys
import types
from typing import Any

import pytest

from mockserver.resources import fixtures_dir

UDF = fixtures_dir() / "udf" / "conformance_proc.py"


class FakeProcData:
    def __init__(self, params: dict[str, str], segment: int) -> None:
        self.params = params
        self.request_info = {"data_segment_number": str(segment), "data_segment_count": "4"}
        self.results: dict[str, str] = {}
        self.completed = False

    def complete(self) -> None:
        self.completed = True


def run_udf(monkeypatch: pytest.MonkeyPatch, params: dict[str, str], segment: int = 0) -> FakeProcData:
    data = FakeProcData(params, segment)
    module: Any = types.ModuleType("kinetica_proc")
    module.ProcData = lambda: data
    monkeypatch.setitem(sys.modules, "kinetica_proc", module)
    runpy.run_path(str(UDF), run_name="__main__")
    return data


def test_prints_lines_and_sets_results(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data = run_udf(monkeypatch, {"stdout_lines": "2", "stderr_lines": "a\nb", "result_rows": "7", "x": "1"})
    out, err = capsys.readouterr()
    assert out.splitlines() == ["stdout line 1", "stdout line 2"]
    assert err.splitlines() == ["a", "b"]
    assert data.results == {"rows": "7"} and data.completed


def test_fails_only_the_named_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RuntimeError, match="bad input"):
        run_udf(monkeypatch, {"fail_segments": "1,3", "fail_message": "bad input"}, segment=3)
    assert run_udf(monkeypatch, {"fail_segments": "1,3"}, segment=2).completed
    with pytest.raises(RuntimeError, match="proc failed on data segment 0"):
        run_udf(monkeypatch, {"fail_segments": "all"}, segment=0)
