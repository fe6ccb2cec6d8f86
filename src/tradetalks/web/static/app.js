// The dashboard page: options, the scenario form (from the JSON Schema), jobs, charts, compare, deals.
"use strict";

const state = { meta: null, schema: null, form: null, lastRun: null };
const $ = (id) => document.getElementById(id);
const SUMMARY_MEASURES = ["welfare_pct", "real_wage_pct", "price_index_pct", "exports_pct", "imports_pct"];

function describeError(body, status) {
  if (body && Array.isArray(body.detail)) {
    return body.detail
      .map((d) => `${(d.loc || []).filter((p) => p !== "body").join(".") || "request"}: ${String(d.msg || "").replace(/^Value error, /, "")}`)
      .join("\n");
  }
  if (body && body.detail) return String(body.detail);
  return `HTTP ${status}`;
}

async function api(path, options) {
  const response = await fetch(path, options);
  let body = null;
  try {
    body = await response.json();
  } catch (e) {
    body = null;
  }
  if (!response.ok) throw new Error(describeError(body, response.status));
  return body;
}

function post(path, payload) {
  return api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload) });
}

function fill(select, items, chosen) {
  select.replaceChildren();
  for (const item of items) {
    const [value, text] = Array.isArray(item) ? item : [item, item];
    const opt = document.createElement("option");
    opt.value = value;
    opt.textContent = text;
    select.append(opt);
  }
  if (chosen !== undefined && chosen !== null) select.value = chosen;
}

function showError(id, message) {
  const box = $(id);
  box.textContent = message || "";
  box.hidden = !message;
}

function options() {
  const out = {
    baseline: $("baseline").value,
    horizon: $("horizon").value,
    closure: $("closure").value,
    draws: Number($("draws").value || 0),
  };
  const date = $("date").value.trim();
  if (date) out.date = date;
  if ($("elasticities").value) out.elasticities = $("elasticities").value;
  return out;
}

async function loadScenario(name) {
  const table = await api(`/api/scenarios/${encodeURIComponent(name)}`);
  const entry = state.meta.scenarios.find((s) => s.name === name);
  $("scenario-article").textContent = entry && entry.article ? `“${entry.article}”` : "";
  state.form = SchemaForm.render($("scenario-form"), state.schema, table, ["run"]);
  const run = table.run || {};
  for (const key of ["baseline", "horizon", "elasticities", "closure"]) if (run[key]) $(key).value = run[key];
  if (run.fallout !== undefined) $("fallout").checked = Boolean(run.fallout);
  if (run.draws !== undefined) $("draws").value = run.draws;
  if (run.alongside !== undefined) $("alongside").value = run.alongside.length ? "" : "none";
}

async function poll(jobId, progress, status) {
  for (;;) {
    const job = await api(`/api/jobs/${jobId}`);
    progress.value = job.progress;
    status.textContent = `${job.title || job.kind}: ${job.status}${job.status === "running" ? " — " + job.message : ""}`;
    if (job.status === "done") return job;
    if (job.status === "failed") throw new Error(job.error || "the job failed");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function drawCharts(container, charts) {
  container.replaceChildren();
  for (const chart of charts) {
    const box = document.createElement("div");
    box.className = "chart";
    box.dataset.key = chart.key;
    const title = document.createElement("h3");
    title.textContent = chart.title;
    const reading = document.createElement("p");
    reading.className = "reading";
    reading.textContent = chart.reading;
    const plot = document.createElement("div");
    plot.className = "plot";
    box.append(title, reading, plot);
    container.append(box);
    const fig = chart.figure || {};
    Plotly.newPlot(plot, fig.data || [], fig.layout || {}, { responsive: true, displaylogo: false });
  }
}

function fmt(v) {
  return v === null || v === undefined ? "n/a" : Number(v).toFixed(3);
}

function table(caption, columns, rows) {
  const t = document.createElement("table");
  const cap = document.createElement("caption");
  cap.textContent = caption;
  t.append(cap);
  const head = t.createTHead().insertRow();
  for (const c of columns) {
    const th = document.createElement("th");
    th.textContent = c;
    head.append(th);
  }
  const body = t.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    for (const cell of r) tr.insertCell().textContent = cell;
  }
  return t;
}

function drawSummary(result) {
  const box = $("summary");
  box.replaceChildren();
  const rows = (result.regions || []).map((r) => [r.code, ...SUMMARY_MEASURES.map((m) => fmt(r[m]))]);
  const prov = result.provenance || {};
  const caption = `${result.title || result.scenario} — ${prov.baseline || ""}, horizon ${result.horizon || prov.horizon}, ` +
    `elasticities ${prov.elasticity_set || ""}, closure ${prov.closure || ""} (percent changes)`;
  const t = table(caption, ["region", ...SUMMARY_MEASURES], rows);
  t.id = "summary-table";
  box.append(t);
  if (Array.isArray(result.headline) && result.headline.length) {
    const measures = Object.keys(result.headline[0]).filter((k) => k !== "region");
    const regions = result.headline.map((h) => h.region);
    const hrows = measures.map((m) => [m, ...result.headline.map((h) => fmt(h[m]))]);
    const h = table(result.headline_caption ? "headline numbers" : "headline", ["measure", ...regions], hrows);
    h.id = "headline-table";
    box.append(h);
  }
}

function setLinks(prefix, jobId) {
  $(`${prefix}report-link`).href = `/api/runs/${jobId}/report.html`;
  $(`${prefix}bundle-link`).href = `/api/runs/${jobId}/bundle.zip`;
  if ($(`${prefix}result-link`)) $(`${prefix}result-link`).href = `/api/runs/${jobId}/result`;
  $(`${prefix}links`).hidden = false;
}

async function refreshRuns() {
  const jobs = await api("/api/jobs");
  const done = jobs.filter((j) => j.kind === "run" && j.status === "done");
  const items = done.map((j) => [j.id, `${j.title} (${j.request.horizon}; ${j.id.slice(0, 6)})`]);
  const a = $("compare-a").value;
  const b = $("compare-b").value;
  fill($("compare-a"), items, a || (done[1] && done[1].id));
  fill($("compare-b"), items, b || (done[0] && done[0].id));
}

async function runScenario() {
  const button = $("run-button");
  showError("error", "");
  button.disabled = true;
  try {
    const payload = Object.assign(options(), { scenario: state.form.get(), fallout: $("fallout").checked });
    if ($("alongside").value === "none") payload.alongside = [];
    const job = await post("/api/runs", payload);
    await poll(job.id, $("progress"), $("status"));
    const [figures, result] = await Promise.all([api(`/api/runs/${job.id}/figures`), api(`/api/runs/${job.id}/result`)]);
    drawSummary(result);
    drawCharts($("charts"), figures);
    setLinks("", job.id);
    state.lastRun = job.id;
    await refreshRuns();
  } catch (e) {
    showError("error", e.message);
    $("status").textContent = "failed";
  } finally {
    button.disabled = false;
  }
}

async function compareRuns() {
  showError("compare-error", "");
  try {
    const a = $("compare-a").value;
    const b = $("compare-b").value;
    if (!a || !b) throw new Error("finish two runs first (Scenario tab), then pick them here");
    const doc = await api(`/api/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`);
    const regions = doc.regions.map((r) => r.code);
    const welfare = (key) => doc.regions.map((r) => (r.welfare_pct ? r.welfare_pct[key] : null));
    const data = [
      { type: "bar", name: `A: ${doc.a.title}`, x: regions, y: welfare("a"), marker: { color: "#2f5f9e" } },
      { type: "bar", name: `B: ${doc.b.title}`, x: regions, y: welfare("b"), marker: { color: "#d9822b" } },
    ];
    const layout = {
      barmode: "group",
      title: { text: "Welfare by region, percent change: A and B side by side" },
      yaxis: { title: { text: "welfare, %" }, zeroline: true },
      legend: { orientation: "h", y: -0.2 },
      margin: { t: 50, r: 20, b: 80, l: 60 },
      height: 420,
    };
    Plotly.newPlot($("compare-chart"), data, layout, { responsive: true, displaylogo: false });
    const columns = ["region"];
    for (const m of doc.measures) columns.push(`${m} A`, `${m} B`);
    const rows = doc.regions.map((r) => [r.code, ...doc.measures.flatMap((m) => (r[m] ? [fmt(r[m].a), fmt(r[m].b)] : ["n/a", "n/a"]))]);
    const t = table(`A: ${doc.a.title} (${doc.a.horizon}) · B: ${doc.b.title} (${doc.b.horizon})`, columns, rows);
    t.id = "compare-result";
    $("compare-table").replaceChildren(t);
  } catch (e) {
    showError("compare-error", e.message);
  }
}

async function solveDeals() {
  const button = $("deals-button");
  showError("deal-error", "");
  button.disabled = true;
  try {
    const payload = Object.assign(options(), { space: $("deal-space").value });
    const job = await post("/api/deals", payload);
    await poll(job.id, $("deal-progress"), $("deal-status"));
    drawCharts($("deal-charts"), await api(`/api/runs/${job.id}/figures`));
    setLinks("deal-", job.id);
  } catch (e) {
    showError("deal-error", e.message);
    $("deal-status").textContent = "failed";
  } finally {
    button.disabled = false;
  }
}

function showPanel(button) {
  for (const tab of document.querySelectorAll(".tab")) {
    tab.classList.toggle("active", tab === button);
    $(tab.dataset.panel).hidden = tab !== button;
  }
  if (button.id === "tab-compare") refreshRuns().catch((e) => showError("compare-error", e.message));
}

async function init() {
  const [meta, schema] = await Promise.all([api("/api/meta"), api("/api/schema")]);
  state.meta = meta;
  state.schema = schema;
  $("version").textContent = meta.version;
  fill($("baseline"), meta.baselines.map((b) => [b.name, `${b.name}`]), meta.default_baseline);
  $("baseline").title = meta.baselines.map((b) => `${b.name}: ${b.description}`).join("\n");
  const presets = $("date-presets");
  for (const p of [...meta.dates.presets, { name: meta.dates.data, date: "the data year's tariffs" }]) {
    const opt = document.createElement("option");
    opt.value = p.name;
    opt.textContent = p.date;
    presets.append(opt);
  }
  $("date").title = `a date YYYY-MM-DD from ${meta.dates.first} to ${meta.dates.last}, a preset, or 'data'; empty: the scenario's own`;
  fill($("horizon"), meta.horizons, meta.default_horizon);
  fill($("elasticities"), [["", `baseline's (${meta.default_elasticities})`], ...meta.elasticities.map((e) => [e.name, e.name])]);
  fill($("closure"), meta.closures, meta.default_closure);
  $("draws").max = meta.max_draws;
  fill($("scenario-select"), meta.scenarios.map((s) => [s.name, `${s.name} — ${s.title}`]), "us-100");
  fill($("deal-space"), meta.deal_spaces.map((d) => [d.name, d.name]));
  const describe = () => {
    const d = meta.deal_spaces.find((x) => x.name === $("deal-space").value);
    $("deal-description").textContent = d ? d.description : "";
  };
  describe();
  $("deal-space").addEventListener("change", describe);
  $("scenario-select").addEventListener("change", () => loadScenario($("scenario-select").value).catch((e) => showError("error", e.message)));
  $("run-button").addEventListener("click", runScenario);
  $("compare-button").addEventListener("click", compareRuns);
  $("deals-button").addEventListener("click", solveDeals);
  for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => showPanel(tab));
  await loadScenario($("scenario-select").value);
  await refreshRuns();
  document.body.dataset.ready = "true";
}

init().catch((e) => showError("error", e.message));
