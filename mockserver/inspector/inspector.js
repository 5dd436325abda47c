// The mock's inspector: polls the control plane and drives it, nothing else.
// Every request below goes to the public control-plane API under /_mock/ on the page's own origin.
"use strict";

(function () {
  const BASE = location.pathname.replace(/\/inspector\/?$/, ""); // "/_mock"
  const params = new URLSearchParams(location.search);
  const INTERVAL_MS = Math.max(100, Number(params.get("interval")) || 1000);
  const JOURNAL_LIMIT = Math.max(1, Number(params.get("journal")) || 30);
  const TAIL_LINES = 5;

  const $ = (id) => document.getElementById(id);
  const rendered = {}; // section id -> last HTML, so an unchanged section is left alone
  let state = null;
  let timer = null;

  // -- talking to the control plane -------------------------------------------------------------
  async function call(method, path, body) {
    const init = { method, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(BASE + path, init);
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = { error: text }; }
    if (!response.ok) {
      const message = (data && (data.error || data.detail)) || response.status + " " + response.statusText;
      throw new Error(message);
    }
    return data;
  }

  async function act(label, method, path, body) {
    try {
      await call(method, path, body);
      notice(label, false);
    } catch (err) {
      notice(label + " failed: " + err.message, true);
    }
    await refresh();
  }

  function notice(text, isError) {
    const el = $("notice");
    el.textContent = text;
    el.classList.toggle("error", !!isError);
    el.hidden = false;
  }

  // -- formatting -------------------------------------------------------------------------------
  function esc(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  const TONES = {
    none: "idle", queued: "idle", running: "busy", RUNNING: "busy",
    complete: "ok", succeeded: "ok", DONE: "ok",
    error: "bad", failed: "bad", ERROR: "bad",
    killed: "stopped", cancelled: "stopped", CANCELLED: "stopped",
  };

  function badge(status) {
    return `<span class="badge tone-${TONES[status] || "idle"}" data-status="${esc(status)}">${esc(status)}</span>`;
  }

  function iso(seconds) {
    if (seconds === null || seconds === undefined) return "";
    return new Date(seconds * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  }

  function ago(now, then) {
    if (then === null || then === undefined) return "";
    const d = now - then;
    if (Math.abs(d) < 0.05) return "now";
    return (d >= 0 ? "" : "in ") + fmtSeconds(Math.abs(d)) + (d >= 0 ? " ago" : "");
  }

  function fmtSeconds(s) {
    if (s < 60) return (Math.round(s * 10) / 10) + " s";
    if (s < 3600) return Math.floor(s / 60) + " min " + Math.round(s % 60) + " s";
    return Math.floor(s / 3600) + " h " + Math.round((s % 3600) / 60) + " min";
  }

  function bar(percent, label) {
    const p = Math.max(0, Math.min(100, Number(percent) || 0));
    return `<div class="progress" title="${esc(label || p + " %")}"><div style="width:${p}%"></div>` +
      `<span>${esc(label ? label + " · " : "")}${Math.round(p)} %</span></div>`;
  }

  function button(action, label, data, cls) {
    const attrs = Object.entries(data).map(([k, v]) => ` data-${k}="${esc(v)}"`).join("");
    return `<button type="button" class="${cls || ""}" data-action="${action}"${attrs}>${esc(label)}</button>`;
  }

  function put(id, html) {
    if (rendered[id] === html) return;
    rendered[id] = html;
    $(id).innerHTML = html;
  }

  function empty(text) { return `<p class="empty">${esc(text)}</p>`; }

  // -- sections ---------------------------------------------------------------------------------
  function renderHeader(s) {
    $("clock-now").textContent = iso(s.clock.now);
    const mode = $("clock-mode");
    mode.textContent = s.clock.frozen ? "frozen" : "running";
    mode.className = "badge " + (s.clock.frozen ? "tone-stopped" : "tone-busy");
    mode.dataset.frozen = String(s.clock.frozen);
    $("freeze").textContent = s.clock.frozen ? "Unfreeze" : "Freeze";
    $("scenario-name").textContent = s.scenario.name + (s.scenario.watching ? " (watching file)" : "");
    $("scenario-name").title = s.scenario.source;
    const err = s.scenario.reload_error;
    const box = $("reload-error");
    if (err) {
      box.textContent = "Scenario file change refused, the previous version stays in force: " +
        err.file + (err.line ? ":" + err.line : "") + ": " + err.reason;
      box.hidden = false;
    } else {
      box.hidden = true;
    }
  }

  function renderKineticaRuns(k, now) {
    if (!k) { put("kinetica-runs", empty("This mock does not serve the Kinetica API.")); return; }
    $("kinetica-runs-count").textContent = k.runs.length ? `(${k.runs.length})` : "";
    if (!k.runs.length) {
      put("kinetica-runs", empty("No runs yet: /execute/proc starts one."));
      return;
    }
    const cards = k.runs.slice().reverse().map((run) => {
      const live = run.overall_status === "running" || run.overall_status === "none";
      const segments = run.segments.map((seg) => {
        const open = seg.status === "running" || seg.status === "none";
        const out = [];
        for (const line of seg.stdout_tail.slice(-TAIL_LINES)) out.push(`<div>${esc(line)}</div>`);
        for (const line of seg.stderr_tail.slice(-TAIL_LINES)) out.push(`<div class="stderr">${esc(line)}</div>`);
        const timing = seg.end !== null ? "took " + fmtSeconds(seg.end - seg.start)
          : seg.start !== null ? "started " + ago(now, seg.start) : "waiting for a slot";
        return `<div class="segment" data-segment="${seg.segment}" data-status="${esc(seg.status)}">
          <div class="seg-head"><span class="mono">seg ${seg.segment}</span> ${badge(seg.status)}
            ${open ? button("fail-segment", "Fail", { run: run.run_id, segment: seg.segment }, "small") : ""}</div>
          <div class="muted small">${esc(timing)}</div>
          ${seg.message ? `<div class="message">${esc(seg.message)}</div>` : ""}
          ${out.length ? `<div class="tail mono">${out.join("")}</div>` : ""}
        </div>`;
      }).join("");
      return `<article class="run" data-run-id="${esc(run.run_id)}" data-status="${esc(run.overall_status)}">
        <div class="run-head">
          <span class="mono strong">run ${esc(run.run_id)}</span>
          <span>proc <b>${esc(run.proc_name)}</b></span>
          ${run.run_tag ? `<span class="muted">tag ${esc(run.run_tag)}</span>` : ""}
          <span class="muted small">created ${esc(ago(now, run.created))}</span>
          <span class="overall">${badge(run.overall_status)}</span>
          ${live ? button("kill", "Kill", { run: run.run_id }, "danger") : ""}
        </div>
        <div class="segments">${segments}</div>
      </article>`;
    });
    put("kinetica-runs", cards.join(""));
  }

  function renderProcs(k) {
    if (!k) { put("kinetica-procs", ""); return; }
    if (!k.procs.length) { put("kinetica-procs", empty("No procs: /create/proc makes one.")); return; }
    const rows = k.procs.map((p) => `<tr><td class="mono">${esc(p.name)}</td><td>${esc(p.execution_mode)}</td>
      <td>${p.max_concurrency_per_node || "∞"}</td><td class="mono">${esc([p.command, ...p.args].join(" "))}</td></tr>`);
    put("kinetica-procs", `<table><thead><tr><th>name</th><th>mode</th><th>per node</th><th>command</th></tr></thead>
      <tbody>${rows.join("")}</tbody></table>`);
  }

  function renderJobs(k) {
    if (!k) { put("kinetica-jobs", ""); return; }
    if (!k.jobs.length) { put("kinetica-jobs", empty("No jobs: /create/job makes one.")); return; }
    const rows = k.jobs.slice().reverse().map((j) => `<tr data-job-id="${j.job_id}" data-status="${esc(j.job_status)}">
      <td class="mono">${j.job_id}</td><td class="mono">${esc(j.endpoint)}</td><td>${badge(j.job_status)}</td>
      <td>${bar(j.progress)}</td><td class="message">${esc(j.error_message)}</td>
      <td>${j.job_status === "RUNNING" ? button("cancel-job", "Cancel", { job: j.job_id }, "small") : ""}</td></tr>`);
    put("kinetica-jobs", `<table><thead><tr><th>id</th><th>endpoint</th><th>status</th><th>progress</th>
      <th>error</th><th></th></tr></thead><tbody>${rows.join("")}</tbody></table>`);
  }

  function renderPraisonAI(p, now) {
    if (!p) { put("praisonai-runs", empty("This mock does not serve the PraisonAI API.")); return; }
    const c = p.counts;
    $("praisonai-summary").textContent = `${c.running} running · ${c.queued} queued · ` +
      `limit ${p.limits.max_concurrent} at once, ${p.limits.max_queued} admitted`;
    if (!p.runs.length) { put("praisonai-runs", empty("No runs yet: POST /api/v1/runs submits one.")); return; }
    const rows = p.runs.slice().reverse().map((r) => {
      const open = r.status === "queued" || r.status === "running";
      const pr = r.progress;
      const step = pr.steps_total ? `${pr.steps_completed}/${pr.steps_total} steps` : "";
      const when = r.completed_at !== null ? "ended " + ago(now, r.completed_at)
        : r.started_at !== null ? "started " + ago(now, r.started_at) : "submitted " + ago(now, r.created_at);
      let detail = "";
      if (r.error) detail = `<div class="message">${esc(r.error)}</div>`;
      else if (r.status === "succeeded") detail = `<div class="muted small result">${esc(JSON.stringify(r.result))}</div>`;
      return `<tr data-job-id="${esc(r.job_id)}" data-status="${esc(r.status)}">
        <td><div class="mono">${esc(r.job_id)}</div><div class="muted small">${esc(when)}</div></td>
        <td class="prompt" title="${esc(r.prompt)}">${esc(r.prompt)}${detail}</td>
        <td>${badge(r.status)}</td>
        <td>${bar(pr.percentage, pr.current_step ? pr.current_step : step)}</td>
        <td>${open ? button("cancel-run", "Cancel", { job: r.job_id }, "small") : ""}</td></tr>`;
    });
    put("praisonai-runs", `<table><thead><tr><th>run</th><th>prompt</th><th>status</th><th>progress</th><th></th>
      </tr></thead><tbody>${rows.join("")}</tbody></table>`);
  }

  function renderJournal(entries, now) {
    if (!entries.length) { put("journal", empty("No API requests yet (control-plane calls are not recorded).")); return; }
    const rows = entries.slice().reverse().map((e) => {
      const tone = e.status === null ? "bad" : e.status >= 500 ? "bad" : e.status >= 400 ? "warn" : "ok";
      return `<tr><td class="mono small">${esc(iso(e.mock_time).slice(11))}</td><td>${esc(e.api || "")}</td>
        <td class="mono">${esc(e.method)}</td><td class="mono path">${esc(e.path)}${e.query ? "?" + esc(e.query) : ""}</td>
        <td><span class="code tone-${tone}">${e.status === null ? "no answer" : e.status}</span></td>
        <td class="muted small">${e.response_bytes} B</td></tr>`;
    });
    put("journal", `<table><thead><tr><th>mock time</th><th>api</th><th>method</th><th>path</th><th>status</th>
      <th>size</th></tr></thead><tbody>${rows.join("")}</tbody></table>`);
  }

  function renderCors(cors) {
    if (!cors) { put("cors", ""); return; }
    $("cors-origins").textContent = cors.enabled ? "allowed: " + cors.origins.join(", ") : "off";
    const recent = cors.preflights.slice(-8).reverse();
    if (!recent.length) {
      put("cors", empty("No preflight requests yet. A page on another origin sending JSON or custom headers makes one."));
      return;
    }
    const rows = recent.map((p) => `<tr><td class="mono">${esc(p.origin)}</td><td class="mono">${esc(p.method)} ${esc(p.path)}</td>
      <td class="mono small">${esc(p.headers)}</td><td>${p.allowed ? '<span class="code tone-ok">allowed</span>'
        : `<span class="code tone-bad">refused</span> <span class="small">${esc(p.reason)}</span>`}</td></tr>`);
    put("cors", `<table><thead><tr><th>origin</th><th>request</th><th>headers asked</th><th>verdict</th></tr></thead>
      <tbody>${rows.join("")}</tbody></table>`);
  }

  // -- the loop ---------------------------------------------------------------------------------
  async function refresh() {
    clearTimeout(timer);
    try {
      const [s, journal] = await Promise.all([call("GET", "/state"), call("GET", "/journal?limit=" + JOURNAL_LIMIT)]);
      state = s;
      const now = s.clock.now;
      renderHeader(s);
      renderKineticaRuns(s.kinetica, now);
      renderProcs(s.kinetica);
      renderJobs(s.kinetica);
      renderPraisonAI(s.praisonai, now);
      renderJournal(journal.entries, now);
      renderCors(s.cors);
      const live = $("live");
      live.textContent = "● live";
      live.title = "last update " + new Date().toLocaleTimeString();
      live.classList.remove("lost");
    } catch (err) {
      const live = $("live");
      live.textContent = "cannot reach the mock: " + err.message;
      live.classList.add("lost");
    }
    timer = setTimeout(refresh, INTERVAL_MS);
  }

  async function loadPresets() {
    try {
      const data = await call("GET", "/scenario/presets");
      $("preset").innerHTML = '<option value="">choose a preset…</option>' +
        data.presets.map((n) => `<option value="${esc(n)}">${esc(n)}</option>`).join("");
    } catch (err) {
      notice("cannot list scenario presets: " + err.message, true);
    }
  }

  // -- controls ---------------------------------------------------------------------------------
  $("advance").addEventListener("click", () => {
    const seconds = Number($("advance-seconds").value);
    if (!(seconds >= 0)) { notice("seconds must be a number >= 0", true); return; }
    act(`clock advanced by ${seconds} s`, "POST", "/clock/advance", { seconds });
  });
  $("freeze").addEventListener("click", () => {
    const frozen = state && state.clock.frozen;
    act(frozen ? "clock follows real time again" : "clock frozen", "POST", frozen ? "/clock/unfreeze" : "/clock/freeze");
  });
  $("load-preset").addEventListener("click", () => {
    const name = $("preset").value;
    if (!name) { notice("choose a scenario preset first", true); return; }
    act(`scenario ${name} loaded`, "PUT", "/scenario?preset=" + encodeURIComponent(name));
  });
  $("reset").addEventListener("click", () => act("mock reset", "POST", "/reset"));

  document.addEventListener("click", (event) => {
    const el = event.target.closest("button[data-action]");
    if (!el) return;
    const d = el.dataset;
    const run = encodeURIComponent(d.run || "");
    const job = encodeURIComponent(d.job || "");
    switch (d.action) {
      case "kill": act(`run ${d.run} killed`, "POST", `/kinetica/runs/${run}/kill`); break;
      case "fail-segment":
        act(`run ${d.run} segment ${d.segment} failed`, "POST", `/kinetica/runs/${run}/segments/${d.segment}/fail`,
          { message: `segment ${d.segment} failed from the inspector` });
        break;
      case "cancel-job": act(`job ${d.job} cancelled`, "POST", `/kinetica/jobs/${job}/cancel`); break;
      case "cancel-run": act(`run ${d.job} cancelled`, "POST", `/praisonai/runs/${job}/cancel`); break;
      default: break;
    }
  });

  loadPresets();
  refresh();
})();
