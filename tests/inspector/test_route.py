"""The inspector page: served under the control plane on every port, self-contained (nothing from
another host), and driving only routes the control plane documents."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from mockserver.clock import Clock
from mockserver.control.openapi import control_openapi
from mockserver.inspector import ASSETS, asset
from mockserver.runtime import Mock
from tests.control.control_helpers import T0, Client, create_proc, execute_proc, submit_run


@pytest.fixture
def mock() -> Mock:
    return Mock(clock=Clock(T0, frozen=True))


@pytest.fixture(params=["kinetica", "praisonai"])
def client(mock: Mock, request: pytest.FixtureRequest) -> Iterator[Client]:
    c = Client(mock.asgi(request.param))
    yield c
    c.close()


def test_the_page_and_its_files_are_served(client: Client) -> None:
    page = client.get("/_mock/inspector")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'src="inspector/inspector.js"' in page.text and 'href="inspector/inspector.css"' in page.text
    script = client.get("/_mock/inspector/inspector.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert script.text == asset("inspector.js").decode()
    style = client.get("/_mock/inspector/inspector.css")
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")


def test_other_names_are_not_served(client: Client) -> None:
    for name in ("__init__.py", "..%2F__init__.py", "nope.js"):
        response = client.get(f"/_mock/inspector/{name}")
        assert response.status_code == 404 and "error" in response.json()


def test_the_control_plane_root_leads_to_the_page(client: Client) -> None:
    for path in ("/_mock", "/_mock/", "/_mock/inspector/"):
        response = client.get(path)
        assert response.status_code == 307 and response.headers["location"] == "/_mock/inspector"


@pytest.mark.parametrize("name", sorted(ASSETS))
def test_the_page_loads_nothing_from_another_host(name: str) -> None:
    text = asset(name).decode()
    assert not re.search(r"https?://", text), "no absolute URLs: the page must work offline"
    assert not re.search(r"""(src|href)\s*=\s*["']//""", text), "no protocol-relative URLs"
    assert "@import" not in text and "url(" not in text


def _documented_routes() -> list[tuple[str, re.Pattern[str]]]:
    routes = []
    for path, item in control_openapi()["paths"].items():
        pattern = re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + r"$")
        routes.extend((method.upper(), pattern) for method in item if method != "parameters")
    return routes


def test_every_call_the_page_makes_is_a_documented_control_route() -> None:
    script = asset("inspector.js").decode()
    # Every control-plane path the script names (it prefixes them with /_mock).
    paths = set(re.findall(r"""[`"](/(?:state|journal|scenario|clock|reset|kinetica|praisonai)[^`"?]*)""", script))
    assert {"/state", "/journal", "/clock/advance", "/clock/freeze", "/clock/unfreeze", "/scenario",
            "/scenario/presets", "/reset", "/kinetica/runs/${run}/kill",
            "/kinetica/runs/${run}/segments/${d.segment}/fail", "/kinetica/jobs/${job}/cancel",
            "/praisonai/runs/${job}/cancel"} <= paths
    documented = [pattern for _, pattern in _documented_routes()]
    for path in paths:
        concrete = "/_mock" + re.sub(r"\$\{[^}]+\}", "x1", path)
        assert any(p.match(concrete) for p in documented), path
    # And with the method the control plane documents for it.
    for method, path in re.findall(r"""act\([^;]*?"(GET|POST|PUT|DELETE)",\s*[`"]([^`"?]+)""", script):
        concrete = "/_mock" + re.sub(r"\$\{[^}]+\}", "x1", path)
        assert any(m == method and p.match(concrete) for m, p in _documented_routes()), (method, path)


def test_state_on_the_kinetica_port_shows_praisonai_runs_too(mock: Mock) -> None:
    job_id = submit_run(mock, prompt="from the praisonai port")
    kinetica = Client(mock.asgi("kinetica"))
    try:
        create_proc(kinetica, "p")
        run_id = execute_proc(kinetica, "p")
        state = kinetica.get("/_mock/state").json()
    finally:
        kinetica.close()
    assert [r["job_id"] for r in state["praisonai"]["runs"]] == [job_id]
    assert [r["run_id"] for r in state["kinetica"]["runs"]] == [run_id]
    assert state["cors"]["enabled"] is True
