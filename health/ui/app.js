// Tollgate ops page: polls data.json and renders with textContent only (names come from config and clients).
"use strict";

const REFRESH_MS = 5000;

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function num(v, digits) {
  if (v === undefined || v === null || Number.isNaN(v)) return "—";
  return Number(v).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

function pct(v) { return num(100 * (v || 0), 1) + "%"; }

function statusCell(s) { return el("td", { class: "status " + s }, s); }

function healthRow(name, h, cls, inFlight) {
  const tr = el("tr", { class: cls, "data-name": name });
  tr.appendChild(el("td", {}, name));
  tr.appendChild(statusCell(h.status));
  // Latencies cover successful requests only: show a dash rather than 0 when there were none.
  const lat = (v) => (h.served > 0 ? num(v, 1) : "—");
  const cells = [
    num(h.requests, 0), pct(h.error_rate), lat(h.latency_p50_ms), lat(h.latency_p99_ms),
    lat(h.ttft_p50_ms), lat(h.tokens_per_s), num(h.window_5m ? h.window_5m.cost_usd : 0, 4),
    pct(h.cache_hit_rate), inFlight === undefined ? "" : num(inFlight, 0),
  ];
  for (const c of cells) tr.appendChild(el("td", { class: "num" }, c));
  tr.appendChild(el("td", { class: "reason" }, h.reason || ""));
  return tr;
}

function fill(tbody, rows, emptyText, cols) {
  tbody.replaceChildren();
  if (rows.length === 0) {
    const tr = el("tr");
    tr.appendChild(el("td", { colspan: String(cols), class: "empty" }, emptyText));
    tbody.appendChild(tr);
    return;
  }
  for (const r of rows) tbody.appendChild(r);
}

function renderModels(models) {
  const rows = [];
  for (const m of models || []) {
    rows.push(healthRow(m.model, m, "model", m.in_flight));
    for (const d of m.deployments || []) rows.push(healthRow(d.deployment, d, "dep"));
  }
  fill(document.querySelector("#models tbody"), rows, "no models configured", 12);
}

// The SVG namespace, read from the page's own (empty) svg element: no URL in this file.
const SVG_NS = document.getElementById("svgns").namespaceURI;

// sparkline draws values (null = no data: the line breaks there) as an inline SVG polyline, with the hour's
// total (sum set) or the last value beside it; an all-null series is drawn empty.
function sparkline(values, fmt, sum) {
  const w = 120, h = 22, pad = 2;
  const td = el("td", { class: "spark" });
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("width", String(w));
  svg.setAttribute("height", String(h));
  svg.setAttribute("viewBox", "0 0 " + w + " " + h);
  svg.setAttribute("role", "img");
  const nums = values.filter((v) => v !== null && v !== undefined);
  const hi = Math.max(...nums, 0), lo = Math.min(...nums, 0);
  const span = hi - lo || 1;
  const step = (w - 2 * pad) / Math.max(values.length - 1, 1);
  let pts = [];
  const flush = () => {
    if (pts.length === 1) { // a lone minute between gaps: a dot
      const [cx, cy] = pts[0].split(",");
      const c = document.createElementNS(SVG_NS, "circle");
      c.setAttribute("cx", cx);
      c.setAttribute("cy", cy);
      c.setAttribute("r", "1.5");
      c.setAttribute("class", "dot");
      svg.appendChild(c);
    } else if (pts.length > 1) {
      const pl = document.createElementNS(SVG_NS, "polyline");
      pl.setAttribute("points", pts.join(" "));
      pl.setAttribute("class", "line");
      svg.appendChild(pl);
    }
    pts = [];
  };
  values.forEach((v, i) => {
    if (v === null || v === undefined) return flush();
    const x = pad + i * step, y = h - pad - ((v - lo) / span) * (h - 2 * pad);
    pts.push(x.toFixed(1) + "," + y.toFixed(1));
  });
  flush();
  const last = [...values].reverse().find((v) => v !== null && v !== undefined);
  const title = document.createElementNS(SVG_NS, "title");
  title.textContent = nums.length ? "max " + fmt(hi) + ", last " + fmt(last) : "no data";
  svg.appendChild(title);
  td.appendChild(svg);
  const label = sum ? (nums.length ? "Σ " + fmt(nums.reduce((a, b) => a + b, 0)) : "") : (last === undefined ? "" : fmt(last));
  td.appendChild(el("span", { class: "last" }, label));
  return td;
}

function renderLastHour(series) {
  const rows = (series || []).map((s) => {
    const tr = el("tr", { "data-name": s.model });
    tr.appendChild(el("td", {}, s.model));
    tr.appendChild(sparkline(s.requests, (v) => num(v, 0), true));
    tr.appendChild(sparkline(s.p99_ms, (v) => num(v, 1)));
    tr.appendChild(sparkline(s.error_rate, pct));
    tr.appendChild(sparkline(s.cost_usd, (v) => num(v, 4), true));
    tr.appendChild(sparkline(s.drift, (v) => num(v, 3)));
    return tr;
  });
  fill(document.querySelector("#lasthour tbody"), rows, "no models configured", 6);
}

function renderCosts(data) {
  const fromLedger = data.sources && Array.isArray(data.sources.cost_by_tenant);
  const list = fromLedger ? data.sources.cost_by_tenant : data.tenant_costs_since_start || [];
  document.getElementById("cost-title").textContent = fromLedger ? "Cost by tenant/team today" : "Cost by tenant since start";
  const rows = list.map((c) => {
    const tr = el("tr");
    tr.appendChild(el("td", {}, c.tenant || ""));
    tr.appendChild(el("td", {}, c.team || ""));
    tr.appendChild(el("td", { class: "num" }, num(c.cost_usd, 4)));
    return tr;
  });
  fill(document.querySelector("#costs tbody"), rows, "no spend recorded", 3);
}

function renderAlerts(alerts) {
  const rows = (alerts || []).map((a) => {
    const tr = el("tr");
    tr.appendChild(el("td", {}, (a.at || "").replace("T", " ").replace(/\..*|Z$/, "")));
    tr.appendChild(el("td", { class: "status " + a.status }, a.status));
    tr.appendChild(el("td", {}, a.name + " (" + a.severity + ")"));
    tr.appendChild(el("td", {}, Object.entries(a.labels || {}).map(([k, v]) => k + "=" + v).join(" ")));
    tr.appendChild(el("td", { class: "reason" }, a.summary || ""));
    return tr;
  });
  fill(document.querySelector("#alerts tbody"), rows, "no alerts", 5);
}

function badgeText(v, keys) {
  if (v === undefined || v === null) return "—";
  if (typeof v !== "object") return String(v);
  for (const k of keys) if (v[k] !== undefined) return String(v[k]);
  return JSON.stringify(v);
}

function renderBadges(data) {
  const s = data.sources || {};
  let policy = "policy: " + badgeText(s.policy, ["revision", "version"]);
  if (s.policy && s.policy.evaluator) policy += " (" + s.policy.evaluator + ")"; // compiled, or opa when it fell back
  document.getElementById("policy").textContent = policy;
  document.getElementById("drift").textContent = "drift: " + badgeText(s.drift, ["status"]);
  document.getElementById("cache").textContent = "cache hit rate (5m): " + pct(data.cache_hit_rate_5m);
  document.getElementById("updated").textContent = "updated " + new Date(data.generated_at).toISOString().slice(11, 19) + " UTC";
  const report = document.getElementById("report");
  report.hidden = !data.report;
  if (data.report) {
    report.textContent = "evals report (" + new Date(data.report.generated_at).toISOString().slice(0, 16).replace("T", " ") + " UTC)";
  }
}

function renderExtra(data) {
  const box = document.getElementById("extra");
  box.replaceChildren();
  const known = new Set(["cost_by_tenant"]);
  const names = (data.source_order || []).filter((n) => !known.has(n));
  box.hidden = names.length === 0;
  if (names.length === 0) return;
  box.appendChild(el("h2", {}, "Details"));
  for (const n of names) {
    const card = el("div", { class: "card", "data-source": n });
    card.appendChild(el("h3", {}, n));
    card.appendChild(el("pre", {}, JSON.stringify(data.sources[n], null, 2)));
    box.appendChild(card);
  }
}

async function refresh() {
  try {
    const resp = await fetch("data.json", { cache: "no-store" });
    if (!resp.ok) throw new Error("HTTP " + resp.status);
    const data = await resp.json();
    renderModels(data.models);
    renderLastHour(data.last_hour);
    renderCosts(data);
    renderAlerts(data.alerts);
    renderBadges(data);
    renderExtra(data);
  } catch (err) {
    document.getElementById("updated").textContent = "update failed: " + err.message;
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

refresh();
