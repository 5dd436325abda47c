"""The inspector and CORS in a real browser: Debian's headless Chromium driven by Playwright.

No browser is downloaded: the test uses /usr/bin/chromium (CI installs Debian's `chromium`) and is
skipped when it is absent. The mock runs on real sockets (`MockServer`) with a frozen clock; the
page's polling is the only waiting, and it waits for the page, never for the mock's state.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.clock import Clock
from mockserver.runtime import MockServer
from mockserver.scenario import Scenario
from tests.conftest import require_in_ci

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    require_in_ci(f"{CHROMIUM} not found: install Debian's chromium package to run the browser tests")
try:
    from playwright import sync_api
except ImportError:
    require_in_ci("the playwright Python package is not installed")
expect = sync_api.expect

REPO = Path(__file__).resolve().parents[2]
# The README's picture. Rewritten only on request, so a run on another font build leaves the tree clean:
# MOCKSERVER_UPDATE_SCREENSHOT=1 pytest tests/inspector/test_browser.py
README_SCREENSHOT = REPO / "docs" / "inspector.png"
T0 = 1_760_000_000.0  # a fixed instant, so the screenshot shows the same times on every run
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

expect.set_options(timeout=10_000)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=ARGS, viewport={"width": 1200, "height": 900}, device_scale_factor=1)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = browser.new_page()
    yield page
    page.close()


# -- the APIs, over HTTP --------------------------------------------------------------------------
class Kinetica:
    """Kinetica's JSON encoding: the full request record in, the decoded `data_str` out."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=10)

    def call(self, endpoint: str, /, **record: Any) -> dict[str, Any]:
        wrapper = self.http.post(endpoint, json=record).json()
        assert wrapper["status"] == "OK", wrapper
        return json.loads(wrapper["data_str"])

    def create_proc(self, name: str, **options: str) -> None:
        self.call("/create/proc", proc_name=name, execution_mode="distributed", files={}, command="python",
                  args=[f"{name}.py"], options=options)

    def execute(self, name: str, *, run_tag: str = "", **params: str) -> str:
        options = {"run_tag": run_tag} if run_tag else {}
        return self.call("/execute/proc", proc_name=name, params=params, bin_params={}, input_table_names=[],
                         input_column_names={}, output_table_names=[], options=options)["run_id"]

    def overall(self, run_id: str) -> str:
        return self.call("/show/proc/status", run_id=run_id, options={})["overall_statuses"][run_id]


def submit(url: str, prompt: str, **config: Any) -> str:
    response = httpx.post(url + "/api/v1/runs", json={"prompt": prompt, "config": config}, timeout=10)
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


# -- the tests ------------------------------------------------------------------------------------
# Rules that give the screenshot runs in every state.
SHOWCASE = """
name: inspector-showcase
seed: 5
kinetica:
  segments: 4
  rules:
    - match: {proc: "train_*"}
      duration: {uniform: [4, 40]}
      stdout: 8
    - match: {proc: "etl_*"}
      duration: 3
      stdout: ["rows read: 125000", "rows written: 124870"]
      results: {rows: "124870"}
    - match: {proc: "transform_*"}
      duration: 5
      failure: {segments: [2], message: "segment {segment}: ValueError: column 'amount' has 17 nulls"}
      stdout: ["transforming batch 1", "transforming batch 2"]
    - match: {proc: "nightly_*"}
      duration: 60
      stdout: ["started on this node"]
praisonai:
  max_concurrent: 3
  defaults: {steps: 5, step_seconds: 4}
"""


def test_inspector_shows_a_run_progress_and_kills_it(page: Any, tmp_path: Path) -> None:
    with MockServer(clock=Clock(T0, frozen=True),
                    scenario=Scenario.from_text(SHOWCASE, source="inspector-showcase.yaml")) as server:
        kinetica = Kinetica(server.urls["kinetica"])
        kinetica.create_proc("train_model")
        run_id = kinetica.execute("train_model", run_tag="nightly", duration_ms="60000", stdout_lines="12")

        page.goto(server.urls["kinetica"] + "/_mock/inspector?interval=150&journal=5")
        run = page.locator(f'article.run[data-run-id="{run_id}"]')
        expect(run).to_have_attribute("data-status", "running")
        first_segment = run.locator('.segment[data-segment="0"]')
        expect(first_segment.locator(".tail")).to_have_text("stdout line 1")
        expect(page.locator("#clock-mode")).to_have_attribute("data-frozen", "true")

        # Advance the clock from the page: the run progresses (more output), still running.
        page.fill("#advance-seconds", "15")
        page.click("#advance")
        expect(first_segment.locator(".tail")).to_contain_text("stdout line 4")
        assert server.clock.now() == T0 + 15
        expect(run).to_have_attribute("data-status", "running")

        # Kill it from the page.
        run.get_by_role("button", name="Kill").click()
        expect(run).to_have_attribute("data-status", "killed")
        expect(run.locator(".segment .badge")).to_have_text(["killed"] * 4)
        assert kinetica.overall(run_id) == "killed"

        _showcase(server, kinetica)
        page.fill("#advance-seconds", "12")
        page.click("#advance")
        expect(page.locator("#praisonai-runs tr[data-status=failed]")).to_have_count(1)
        expect(page.locator('#kinetica-runs article[data-status="error"]')).to_have_count(1)
        expect(page.locator('#kinetica-runs article[data-status="none"]')).to_have_count(1)
        expect(page.locator("#journal tbody tr").first).to_be_visible()
        screenshot = README_SCREENSHOT if os.environ.get("MOCKSERVER_UPDATE_SCREENSHOT") else tmp_path / "inspector.png"
        page.screenshot(path=str(screenshot), full_page=True)
    # About 290 KB here; the margin absorbs other font builds. Much more means the page grew.
    assert 20_000 < screenshot.stat().st_size < 320_000


def _showcase(server: MockServer, kinetica: Kinetica) -> None:
    """More runs, in every state a UI must show, for the screenshot."""
    for name in ("etl_orders", "transform_sales"):
        kinetica.create_proc(name)
    kinetica.create_proc("nightly_rollup", max_concurrency_per_node="1")
    kinetica.execute("etl_orders")                       # complete
    kinetica.execute("transform_sales")                  # segment 2 fails with a message
    kinetica.execute("nightly_rollup")                   # holds every node ...
    kinetica.execute("nightly_rollup", run_tag="rerun")  # ... so this one queues (status none)
    kinetica.create_proc("train_embeddings")
    kinetica.execute("train_embeddings")                 # segments finish at different times
    kinetica.call("/create/job", endpoint="/has/proc", request_encoding="json", data="",
                  data_str='{"proc_name": "etl_orders", "options": {}}', options={})
    praisonai = server.urls["praisonai"]
    submit(praisonai, "Summarise last quarter's sales by region", mock_steps=2, mock_step_seconds=2)
    submit(praisonai, "Research three competitors and compare pricing", mock_steps=10, mock_step_seconds=2)
    submit(praisonai, "Draft the release notes", mock_fail="LLM provider returned 429: rate limited",
           mock_steps=3, mock_step_seconds=2)
    submit(praisonai, "Translate the user guide to German", mock_queue_seconds=600)
    cancelled = submit(praisonai, "Plan the team offsite", mock_hang=True)
    httpx.post(f"{praisonai}/_mock/praisonai/runs/{cancelled}/cancel", timeout=10).raise_for_status()


def test_inspector_controls_go_through_the_control_plane(page: Any) -> None:
    with MockServer(clock=Clock(T0, frozen=True)) as server:
        kinetica = Kinetica(server.urls["kinetica"])
        kinetica.create_proc("p")
        run_id = kinetica.execute("p", hang="true")
        job_id = submit(server.urls["praisonai"], "keeps going", mock_hang=True)
        # Served on the PraisonAI port this time: both APIs show, since they share one mock.
        page.goto(server.urls["praisonai"] + "/_mock/inspector?interval=150")

        run = page.locator(f'article.run[data-run-id="{run_id}"]')
        run.locator('.segment[data-segment="1"]').get_by_role("button", name="Fail").click()
        expect(run.locator('.segment[data-segment="1"]')).to_have_attribute("data-status", "error")
        expect(run.locator('.segment[data-segment="1"] .message')).to_have_text(
            "segment 1 failed from the inspector")
        expect(run.locator('.segment[data-segment="0"]')).to_have_attribute("data-status", "running")

        row = page.locator(f'#praisonai-runs tr[data-job-id="{job_id}"]')
        expect(row).to_have_attribute("data-status", "queued")  # frozen: not picked up yet
        row.get_by_role("button", name="Cancel").click()
        expect(row).to_have_attribute("data-status", "cancelled")

        page.click("#freeze")  # frozen -> follows real time
        expect(page.locator("#clock-mode")).to_have_attribute("data-frozen", "false")
        assert not server.clock.frozen
        page.click("#freeze")
        expect(page.locator("#clock-mode")).to_have_attribute("data-frozen", "true")
        assert server.clock.frozen

        page.select_option("#preset", "scenarios/hangs_until_killed")
        page.click("#load-preset")
        expect(page.locator("#scenario-name")).to_contain_text("hangs-until-killed")
        assert server.scenario.current.name == "hangs-until-killed"

        page.click("#reset")
        expect(page.locator("#kinetica-runs")).to_contain_text("No runs yet")
        expect(page.locator("#praisonai-runs")).to_contain_text("No runs yet")
        assert server.mock.snapshot()["kinetica"]["runs"] == []

        # A control the model refuses shows the control plane's error on the page.
        page.evaluate("fetch('/_mock/clock/advance', {method: 'POST', body: '{}', "
                      "headers: {'Content-Type': 'application/json'}})")
        page.fill("#advance-seconds", "-5")
        page.click("#advance")
        expect(page.locator("#notice")).to_contain_text("seconds must be a number >= 0")


# -- CORS from a page on another localhost port ----------------------------------------------------
CALLER = """<!doctype html><html><body><pre id="out">running</pre><script>
const q = new URLSearchParams(location.search);
async function main() {
  const out = {};
  try {
    const k = await fetch(q.get("kinetica") + "/show/system/status", {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({options: {}})});
    out.kinetica = {status: k.status, wrapper: await k.json()};
  } catch (e) { out.kinetica = {error: String(e)}; }
  try {
    const p = await fetch(q.get("praisonai") + "/api/v1/runs", {
      method: "POST", headers: {"Content-Type": "application/json", "Idempotency-Key": "browser-1"},
      body: JSON.stringify({prompt: "from another origin"})});
    out.praisonai = {status: p.status, location: p.headers.get("Location"),
                     retryAfter: p.headers.get("Retry-After"), body: await p.json()};
  } catch (e) { out.praisonai = {error: String(e)}; }
  document.getElementById("out").textContent = JSON.stringify(out);
  window.results = out;
}
main();
</script></body></html>"""


class _CallerPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # the name http.server calls
        body = CALLER.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass


@pytest.fixture
def caller_origin() -> Iterator[str]:
    """A tiny static server on another localhost port: the 'frontend dev server'."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CallerPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _call_from(page: Any, origin: str, server: MockServer) -> dict[str, Any]:
    page.goto(f"{origin}/?kinetica={server.urls['kinetica']}&praisonai={server.urls['praisonai']}")
    page.wait_for_function("window.results !== undefined")
    return page.evaluate("window.results")


def test_a_page_on_another_port_calls_both_apis(page: Any, caller_origin: str) -> None:
    with MockServer(clock=Clock(T0, frozen=True)) as server:
        results = _call_from(page, caller_origin, server)
        assert results["kinetica"]["status"] == 200 and results["kinetica"]["wrapper"]["status"] == "OK"
        praisonai = results["praisonai"]
        assert praisonai["status"] == 202
        job_id = praisonai["body"]["job_id"]
        assert praisonai["location"].endswith(f"/api/v1/runs/{job_id}"), "Location is exposed to the page"
        assert praisonai["retryAfter"] is not None, "Retry-After is exposed to the page"
        runs = server.mock.snapshot()["praisonai"]["runs"]
        assert [(r["job_id"], r["idempotency_key"]) for r in runs] == [(job_id, "browser-1")]
        # Both requests needed a preflight (JSON body, custom header), and both were allowed.
        preflights = server.mock.snapshot()["cors"]["preflights"]
        assert {(p["api"], p["origin"], p["allowed"]) for p in preflights} == {
            ("kinetica", caller_origin, True), ("praisonai", caller_origin, True)}


def test_the_browser_is_refused_by_an_origin_list_without_it(page: Any, caller_origin: str) -> None:
    with MockServer(clock=Clock(T0, frozen=True), cors_origins=["http://localhost:1"]) as server:
        results = _call_from(page, caller_origin, server)
        assert "error" in results["kinetica"] and "error" in results["praisonai"]
        assert server.mock.snapshot()["praisonai"]["runs"] == [], "the preflight stopped the request"
        refused = server.mock.snapshot()["cors"]["preflights"]
        assert refused and all(not p["allowed"] for p in refused)


def test_the_proxys_page_shows_each_violation_as_it_is_found(page: Any) -> None:
    from mockserver.proxy import Proxy
    from tests.proxy.test_latitudes import praisonai_session

    with MockServer(apis=("praisonai",), frozen_clock=True, misbehave=["PRA-STA-009"]) as mock, \
            Proxy(api="praisonai", target=mock.urls["praisonai"]) as proxy:
        page.goto(proxy.url + "/_mock/inspector")
        expect(page.locator("#none")).to_be_visible()
        expect(page.locator("#api")).to_have_text("praisonai")
        with httpx.Client(base_url=proxy.url) as client:
            praisonai_session(client, mock.clock.advance)
        row = page.locator('#violations tr[data-clause="PRA-STA-009"]').first
        expect(row).to_be_visible()
        expect(page.locator("#none")).to_be_hidden()
        row.locator("summary").first.click()
        expect(row.locator("pre").first).to_be_visible()
