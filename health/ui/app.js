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
