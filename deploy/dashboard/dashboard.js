// The hem run dashboard: polls /api/progress (deploy/dashboard_server.h)
// every few seconds, keeps every row received, and redraws one uPlot chart
// per metric and the process table. Columns are looked up by name.
"use strict";

const POLL_MS = 2000;
const COLORS = ["#2f6fed", "#e8793a", "#1f9d55", "#9b51e0"];

// 1234567 -> "1.23M"; small numbers keep a few digits.
function compact(v) {
  if (v == null || !isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toFixed(2) + "G";
  if (a >= 1e6) return (v / 1e6).toFixed(2) + "M";
  if (a >= 1e4) return (v / 1e3).toFixed(1) + "k";
  if (a >= 100 || Number.isInteger(v)) return v.toFixed(0);
  return v.toFixed(2);
}

function duration(seconds) {
  if (seconds == null || !isFinite(seconds)) return "–";
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0 ? `${h}h ${String(m).padStart(2, "0")}m` :
         m > 0 ? `${m}m ${String(r).padStart(2, "0")}s` : `${r}s`;
}

// What each chart draws: its x column and its series (column, label).
// Unknown values arrive as -1 for some columns; `positive` maps them to gaps.
const CHARTS = [
  {id: "success", x: "env_steps", xLabel: "environment steps", yRange: [0, 1],
   series: [{col: "eval_success_rate", label: "test (deterministic, fresh goals)", positive: true},
            {col: "train_success_rate", label: "train (with exploration)", dash: [6, 4]}]},
  {id: "env_steps_per_second", series: [{col: "env_steps_per_second", label: "env steps/s"}]},
  {id: "samples_per_second", series: [{col: "samples_per_second", label: "samples/s"}]},
  {id: "updates_per_second", series: [{col: "updates_per_second", label: "updates/s"}]},
  {id: "replay_transitions", series: [{col: "replay_transitions", label: "transitions"}]},
  {id: "replay_rates",
   series: [{col: "replay_inserts_per_second", label: "inserted/s"},
            {col: "replay_samples_per_second", label: "sampled/s"}]},
  {id: "version", series: [{col: "version", label: "published version", positive: true}]},
  {id: "staleness", series: [{col: "staleness", label: "mean staleness"}]},
];

const state = {columns: [], index: {}, rows: [], lastSeq: 0, plots: {}};

function column(name) {
  const i = state.index[name];
  return i === undefined ? state.rows.map(() => null) : state.rows.map(r => r[i]);
}

function chartData(spec) {
  const xs = column(spec.x || "elapsed_seconds");
  return [xs, ...spec.series.map(s => column(s.col).map(v =>
      v == null || (s.positive && v < 0) ? null : v))];
}

function makePlot(spec, el) {
  const width = Math.max(200, el.clientWidth);
  const height = spec.id === "success" ? 280 : 190;
  const opts = {
    width, height,
    scales: {x: {time: false}, y: spec.yRange ? {range: spec.yRange} : {}},
    legend: {live: true},
    cursor: {drag: {x: true, y: false}},
    series: [
      {label: spec.xLabel || "seconds", value: (u, v) => compact(v)},
      ...spec.series.map((s, i) => ({
        label: s.label, stroke: COLORS[i % COLORS.length], width: 2, dash: s.dash,
        spanGaps: true, points: {show: false},
        fill: spec.series.length === 1 ? COLORS[i % COLORS.length] + "18" : undefined,
        value: (u, v) => compact(v),
      })),
    ],
    axes: [
      {label: spec.xLabel || "seconds", values: (u, vals) => vals.map(compact),
       stroke: "#6b7385", grid: {stroke: "#eef1f6"}},
      {values: (u, vals) => vals.map(compact), stroke: "#6b7385", grid: {stroke: "#eef1f6"},
       size: 64},  // room for "100.0k"
    ],
  };
  return new uPlot(opts, chartData(spec), el);
}

function ensurePlots() {
  for (const spec of CHARTS) {
    if (state.plots[spec.id]) continue;
    const el = document.querySelector(`[data-chart="${spec.id}"] .chart`);
    state.plots[spec.id] = makePlot(spec, el);
  }
}

function redraw() {
  ensurePlots();
  for (const spec of CHARTS) state.plots[spec.id].setData(chartData(spec));
}

function resize() {
  for (const spec of CHARTS) {
    const plot = state.plots[spec.id];
    if (!plot) continue;
    const el = document.querySelector(`[data-chart="${spec.id}"] .chart`);
    plot.setSize({width: Math.max(200, el.clientWidth), height: plot.height});
  }
}

// The tile shows `text`; data-value keeps the number for scripts.
function setText(id, text, value) {
  const el = document.getElementById(id);
  el.textContent = text;
  if (value !== undefined) el.dataset.value = value == null ? "" : String(value);
}

function updateTiles(run) {
  const last = state.rows.length ? state.rows[state.rows.length - 1] : null;
  const get = name => (last && state.index[name] !== undefined) ? last[state.index[name]] : null;
  setText("env-steps", compact(get("env_steps")), get("env_steps"));
  setText("env-rate", compact(get("env_steps_per_second")));
  const test = get("eval_success_rate");
  setText("test-success", test == null || test < 0 ? "–" : test.toFixed(2));
  const train = get("train_success_rate");
  setText("train-success", train == null ? "–" : train.toFixed(2));
  setText("update-rate", compact(get("updates_per_second")));
  const version = get("version");
  setText("version", version == null || version < 0 ? "–" : compact(version));
  setText("replay-size", compact(get("replay_transitions")));
  setText("elapsed", duration(run.elapsed_seconds));
}

function updateHeader(run) {
  setText("env", run.env);
  setText("run-dir", run.run_dir);
  document.title = `hem · ${run.env}`;
  const badge = document.getElementById("state");
  badge.textContent = run.state;
  const kind = run.state.startsWith("running") ? "running" :
               run.state.startsWith("starting") ? "starting" :
               run.state.startsWith("failed") ? "failed" : "stopped";
  badge.className = `badge ${kind}`;
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function updateProcesses(processes) {
  const body = document.querySelector("#processes tbody");
  body.replaceChildren();
  for (const p of processes) {
    const row = body.insertRow();
    row.dataset.role = p.role;
    cell(row, p.name);
    cell(row, p.role);
    const stateCell = cell(row, "");
    const dot = document.createElement("span");
    dot.className = `dot ${p.state}`;
    stateCell.append(dot, p.state + (p.state === "running" && !p.ready ? " (not ready)" : ""));
    cell(row, "").append(Object.assign(document.createElement("code"), {textContent: p.address}));
    cell(row, "").append(
        Object.assign(document.createElement("code"), {textContent: p.metrics_address}));
    cell(row, String(p.restarts), "num");
    cell(row, p.version == null ? "–" : String(p.version), "num");
    cell(row, p.pid ? String(p.pid) : "–", "num");
  }
}

async function poll() {
  try {
    const response = await fetch(`api/progress?since=${state.lastSeq}`,
                                 {credentials: "same-origin", cache: "no-store"});
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const data = await response.json();
    if (state.columns.length === 0) {
      state.columns = data.columns;
      data.columns.forEach((name, i) => { state.index[name] = i + 1; });  // Row[0] is seq.
    }
    for (const row of data.rows) state.rows.push(row);
    state.lastSeq = data.last_seq;
    updateHeader(data.run);
    updateTiles(data.run);
    updateProcesses(data.processes);
    redraw();
  } catch (error) {
    const badge = document.getElementById("state");
    badge.textContent = "offline";
    badge.className = "badge offline";
  }
  setTimeout(poll, POLL_MS);
}

window.addEventListener("resize", resize);
poll();
