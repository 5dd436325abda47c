"""The package as users install it: from a wheel built from this checkout, in fresh venvs, used from a
directory outside the checkout. One wheel and one venv per kind of install serve the whole session."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from contract_tests.options import OPTIONS
from tests.conftest import REPO

pytestmark = pytest.mark.xdist_group("packaging")  # one worker builds the wheel and the venvs

# Pytest caches rewritten modules as bytecode, as users' environments do; a machine that turns bytecode
# off makes every plugin recompile on each run, which is not what a user's `pytest --co` costs.
ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}

USER_TEST = '''
import httpx

def test_a_user_drives_the_mock(praisonai_mock):
    praisonai_mock.clock.freeze()
    job = httpx.post(praisonai_mock.url + "/api/v1/runs", json={"prompt": "x", "config": {"mock_steps": 1}}).json()
    praisonai_mock.clock.advance(60)
    assert httpx.get(praisonai_mock.url + "/api/v1/runs/" + job["job_id"]).json()["status"] == "succeeded"
'''


def run(*command: str | Path, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in command], cwd=cwd, env=ENV, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(REPO), "-w", str(out)],
                   check=True, capture_output=True, timeout=300)
    [built] = out.glob("*.whl")
    return built


@pytest.fixture(scope="session")
def make_venv(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    made: dict[tuple[str, ...], Path] = {}

    def make(*requirements: str) -> Path:
        if requirements not in made:
            where = tmp_path_factory.mktemp("venv")
            venv.create(where, with_pip=True)
            done = run(where / "bin" / "python", "-m", "pip", "install", "--quiet", *requirements, cwd=where)
            assert done.returncode == 0, done.stderr[-3000:]
            made[requirements] = where
        return made[requirements]

    return make


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A user's project directory, away from the checkout."""
    assert REPO not in tmp_path.parents
    return tmp_path


def installed(env: Path) -> set[str]:
    done = run(env / "bin" / "python", "-m", "pip", "list", "--format", "freeze", cwd=env)
    return {line.split("==")[0].lower() for line in done.stdout.splitlines()}


def test_the_wheel_carries_schemas_and_fixtures(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    data = {p.relative_to(REPO).as_posix() for folder in ("schemas", "fixtures") for p in (REPO / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}
    missing = {f"mockserver/_data/{name}" for name in data} - names
    assert not missing
    assert "mockserver/spec/loader.py" in names and "contract_tests/__init__.py" in names
    # The inspector page is package data: served from the installed package, no build step.
    assert {f"mockserver/inspector/{name}" for name in ("index.html", "inspector.js", "inspector.css")} <= names
    assert {f"mockserver/proxy/inspector/{name}" for name in ("violations.html", "violations.js")} <= names


def test_the_base_install_gives_the_mock_the_cli_and_the_fixtures(wheel: Path, make_venv: Callable[..., Path],
                                                                   outside: Path) -> None:
    env = make_venv("pytest", str(wheel))
    assert not {"hypothesis", "schemathesis", "httpx-sse"} & installed(env)
    bin_dir = env / "bin"
    assert run(bin_dir / "contract-tests", "--version", cwd=outside).stdout.startswith("contract-tests 0.")
    helped = run(bin_dir / "contract-tests", "--help", cwd=outside)
    assert helped.returncode == 0 and all(o.flag in helped.stdout for o in OPTIONS)
    refused = run(bin_dir / "contract-tests", cwd=outside)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "asyncjobs-contract-kit[conformance]" in refused.stderr
    pyargs = run(bin_dir / "python", "-m", "pytest", "--pyargs", "contract_tests", cwd=outside)
    assert pyargs.returncode == 2 and "[conformance]" in pyargs.stderr, pyargs.stderr
    assert run(bin_dir / "mockserver", "--help", cwd=outside).returncode == 0
    (outside / "test_user.py").write_text(USER_TEST)
    done = run(bin_dir / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=outside)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]


# What the kit's pytest11 plugin loads into every pytest run of an environment that has the kit: pytest
# itself is loaded first (as in any run), then the plugin; every module it adds is listed.
PLUGIN_IMPORTS = """
import importlib.metadata, sys
import pytest
before = set(sys.modules)
[plugin] = [e for e in importlib.metadata.entry_points(group="pytest11") if e.value == "contract_tests.plugin"]
plugin.load()
print("\\n".join(sorted(set(sys.modules) - before)))
"""


def test_the_base_install_loads_only_the_standard_library_and_a_few_own_modules_into_pytest(
        wheel: Path, make_venv: Callable[..., Path], outside: Path) -> None:
    # What a user's `pytest --co` pays for the kit (bench/pytest_overhead.py times it): its plugin must
    # not pull in the mock, the suite, or any third-party package; those load only when a test asks.
    done = run(make_venv("pytest", str(wheel)) / "bin" / "python", "-c", PLUGIN_IMPORTS, cwd=outside)
    assert done.returncode == 0, done.stderr
    added = done.stdout.split()
    ours = [m for m in added if m.split(".")[0] in ("contract_tests", "mockserver")]
    foreign = [m for m in added if m not in ours and m.split(".")[0] not in sys.stdlib_module_names]
    assert not foreign, f"the plugin imports third-party modules: {foreign}"
    assert "contract_tests.plugin" in ours and len(ours) <= 6, ours


def test_the_suite_from_the_wheel_warns_nothing_and_leaves_nothing(
        wheel: Path, make_venv: Callable[..., Path], outside: Path) -> None:
    env = make_venv(f"{wheel}[conformance]")
    assert {"hypothesis", "schemathesis", "httpx-sse", "pytest"} <= installed(env)
    done = run(env / "bin" / "contract-tests", "--contract-only", "KIN-SYS", "--contract-only", "PRA-HLT",
               "--contract-only", "PRA-SUB-0", cwd=outside)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "Warning" not in done.stdout + done.stderr, done.stdout[-4000:]
    assert sorted(p.name for p in outside.iterdir()) == []
