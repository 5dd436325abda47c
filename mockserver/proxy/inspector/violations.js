// The proxy's violations page: reads GET /_mock/violations once a second and lists what it says.
// Bodies come from the server under watch: they are only ever set as text, never as markup.
"use strict";

const $ = (id) => document.getElementById(id);

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function evidence(items) {
  const box = document.createElement("div");
  for (const item of items) {
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.className = "mono";
    summary.textContent = `#${item.exchange} ${item.method} ${item.path}${item.query ? "?" + item.query : ""}` +
      ` → ${item.status === null ? "no answer" : item.status}${item.event ? " (event)" : ""}`;
    details.append(summary);
    for (const [label, text] of [["request", item.request_body], ["answer", item.event || item.response_body]]) {
      if (!text) continue;
      const pre = document.createElement("pre");
      pre.className = "tail";
      pre.textContent = `${label}: ${text}`;
      details.append(pre);
    }
    box.append(details);
  }
  return box;
}

function render(data) {
  $("api").textContent = data.api;
  $("target").textContent = data.target;
  $("profile").textContent = data.profile;
  $("exchanges").textContent = String(data.exchanges);
  $("count").textContent = `(${data.count})`;
  $("none").hidden = data.count > 0;
  $("violations").hidden = data.count === 0;
  const body = $("violations").tBodies[0];
  body.replaceChildren();
  for (const v of data.violations) {
    const row = body.insertRow();
    row.dataset.clause = v.clause;
    cell(row, String(v.id), "mono");
    cell(row, v.clause, "mono strong");
    cell(row, v.message);
    row.insertCell().append(evidence(v.evidence));
  }
}

async function poll() {
  try {
    const response = await fetch("/_mock/violations", { cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    render(await response.json());
    $("live").textContent = `live ${new Date().toLocaleTimeString()}`;
    $("live").classList.remove("lost");
  } catch (error) {
    $("live").textContent = `lost: ${error.message}`;
    $("live").classList.add("lost");
  }
}

poll();
setInterval(poll, 1000);
