// qiflow's web page: every figure comes from the GraphQL API, so this file is also a worked
// example for other clients. The token lives in sessionStorage and goes out as a bearer header
// (no cookies). SVG pictures are rendered by the server with all user text escaped.

const main = document.getElementById("main");
const TOKEN = "qiflow.token";

const esc = (value) =>
  String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const minutes = (m) => (m >= 1440 ? `${(m / 1440).toFixed(1)} days` : m >= 60 ? `${(m / 60).toFixed(1)} hours` : `${Math.round(m)} min`);
const percent = (x) => `${(100 * x).toFixed(0)}%`;

class SignedOut extends Error {}

async function gql(query, variables = {}) {
  const token = sessionStorage.getItem(TOKEN);
  if (!token) throw new SignedOut("Please sign in.");
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json().catch(() => ({}));
  const errors = body.errors || [];
  if (errors.some((e) => e.extensions && e.extensions.code === "UNAUTHENTICATED")) {
    sessionStorage.removeItem(TOKEN);
    throw new SignedOut("Your token has expired or was revoked: please sign in again.");
  }
  if (errors.length) throw new Error(errors.map((e) => e.message).join("; "));
  return body.data;
}

function show(html) {
  main.innerHTML = html;
  main.focus();
}

function failed(error) {
  if (error instanceof SignedOut) return signIn(error.message);
  show(`<div class="error" role="alert"><strong>Something went wrong.</strong> ${esc(error.message)}</div>`);
}

function signIn(message = "") {
  document.getElementById("nav").hidden = true;
  show(`<section class="card signin" aria-labelledby="signin-title">
      <h2 id="signin-title">Sign in</h2>
      ${message ? `<p class="error" role="alert">${esc(message)}</p>` : ""}
      <p>Paste an API token (from <code>qiflow token create</code>, or the one <code>qiflow serve --demo</code> printed).</p>
      <form id="signin-form">
        <label for="token">API token<input id="token" name="token" type="password" autocomplete="off" required placeholder="qf_..."></label>
        <p><button type="submit">Sign in</button></p>
      </form></section>`);
  document.getElementById("token").focus();
  document.getElementById("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN, document.getElementById("token").value.trim());
    await route();
  });
}

async function header() {
  const { me } = await gql("{ me { name } }");
  document.getElementById("nav").hidden = false;
  document.getElementById("who").textContent = `Signed in as ${me.name}`;
}

async function pathways(params) {
  const data = await gql(`{ organisations(first: 100) { nodes { odsCode name } }
    pathways(first: 100) { edges { node { id name status version owner { odsCode name } organisations { odsCode } } } } }`);
  const org = params.get("org") || "";
  const rows = data.pathways.edges
    .map((e) => e.node)
    .filter((p) => !org || p.owner.odsCode === org || p.organisations.some((o) => o.odsCode === org));
  show(`<h2>Pathways</h2>
    <form class="inline card" id="filter"><label for="org">Organisation
      <select id="org"><option value="">All organisations</option>
      ${data.organisations.nodes.map((o) => `<option value="${esc(o.odsCode)}" ${o.odsCode === org ? "selected" : ""}>${esc(o.name)} (${esc(o.odsCode)})</option>`).join("")}
      </select></label><button type="submit">Filter</button></form>
    <table><caption class="muted">${rows.length} pathway(s)</caption>
      <thead><tr><th scope="col">Pathway</th><th scope="col">Owner</th><th scope="col">Status</th><th scope="col">Version</th></tr></thead>
      <tbody>${rows.map((p) => `<tr><td><a href="#/pathway/${esc(p.id)}">${esc(p.name)}</a></td><td>${esc(p.owner.name)}</td>
        <td><span class="tag">${esc(p.status)}</span></td><td>${esc(p.version)}</td></tr>`).join("")}</tbody></table>`);
  document.getElementById("filter").addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/?org=${encodeURIComponent(document.getElementById("org").value)}`;
  });
}

async function pathway(id) {
  const data = await gql(`query($id: ID!) { pathway(id: $id) { id name status version description
      problems { code message } mapSvg transitions { from { key name } to { key name } waitMinutes } } }`, { id });
  const p = data.pathway;
  let analysis = null;
  if (!p.problems.length) {
    analysis = (await gql(`query($id: ID!) { pathway(id: $id) { analysis { expectedLeadTimeMinutes valueAddedMinutes flowEfficiency
        expectedHandoffs expectedCrossOrganisationHandoffs reworkMinutes hotspots { kind title explanation minutesPerPatient shareOfLeadTime } } } }`, { id })).pathway.analysis;
  }
  const figures = analysis
    ? `<div class="figures" id="figures">
        <div class="figure">Expected lead time<b id="lead-time">${minutes(analysis.expectedLeadTimeMinutes)}</b></div>
        <div class="figure">Value-added time<b>${minutes(analysis.valueAddedMinutes)}</b></div>
        <div class="figure">Flow efficiency<b>${percent(analysis.flowEfficiency)}</b></div>
        <div class="figure">Hand-offs per patient<b>${analysis.expectedHandoffs.toFixed(1)}</b></div>
        <div class="figure">Across organisations<b>${analysis.expectedCrossOrganisationHandoffs.toFixed(1)}</b></div>
        <div class="figure">Rework time<b>${minutes(analysis.reworkMinutes)}</b></div></div>`
    : "";
  const hotspots = analysis
    ? `<table id="hotspots"><caption>Hotspots, largest first (minutes per patient entering the pathway)</caption>
        <thead><tr><th scope="col">Mark</th><th scope="col">Hotspot</th><th scope="col">Cost</th><th scope="col">Why</th></tr></thead>
        <tbody>${analysis.hotspots.map((h, i) => `<tr><td>${i < 5 ? `H${i + 1}` : ""}</td><td><span class="tag">${esc(h.kind)}</span> ${esc(h.title)}</td>
          <td>${minutes(h.minutesPerPatient)} (${percent(h.shareOfLeadTime)})</td><td>${esc(h.explanation)}</td></tr>`).join("")}</tbody></table>`
    : "";
  const problems = p.problems.length
    ? `<div class="card"><h3>Validation problems</h3><ul>${p.problems.map((x) => `<li><span class="tag">${esc(x.code)}</span> ${esc(x.message)}</li>`).join("")}</ul></div>`
    : "";
  const options = p.transitions.map((t, i) => `<option value="${i}">${esc(t.from.name)} → ${esc(t.to.name)} (${minutes(t.waitMinutes)})</option>`).join("");
  show(`<p><a href="#/">← Pathways</a></p><h2>${esc(p.name)} <span class="tag">${esc(p.status)} v${esc(p.version)}</span></h2>
    <p class="muted">${esc(p.description)}</p>${problems}${figures}
    <section class="card"><h3>Map</h3><div class="picture" id="map" role="img" aria-label="Pathway map">${p.mapSvg}</div>
      <p><button type="button" id="export">Download the pathway document (JSON)</button></p></section>
    <section class="card">${hotspots}</section>
    ${analysis ? `<section class="card"><h3>What if?</h3>
      <form class="inline" id="whatif"><label for="wait-edge">Wait<select id="wait-edge">${options}</select></label>
      <label for="wait-minutes">New wait (minutes)<input id="wait-minutes" type="number" min="0" step="any" required value="60"></label>
      <button type="submit">Predict</button></form><p id="whatif-result" aria-live="polite"></p></section>` : ""}`);
  document.getElementById("export").addEventListener("click", async () => {
    const doc = (await gql("query($id: ID!) { pathway(id: $id) { document } }", { id })).pathway.document;
    const link = Object.assign(document.createElement("a"), {
      href: URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" })),
      download: `${p.name}.json`,
    });
    link.click();
  });
  const form = document.getElementById("whatif");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const t = p.transitions[Number(document.getElementById("wait-edge").value)];
      const value = Number(document.getElementById("wait-minutes").value);
      const out = document.getElementById("whatif-result");
      out.textContent = "Working…";
      try {
        const r = await gql(`query($id: ID!, $c: [ChangeInput!]!) { whatIf(pathwayId: $id, changes: $c) {
            baseline { expectedLeadTimeMinutes } changed { expectedLeadTimeMinutes } } }`,
          { id, c: [{ setWaitMinutes: { from: t.from.key, to: t.to.key, minutes: value } }] });
        const before = r.whatIf.baseline.expectedLeadTimeMinutes;
        const after = r.whatIf.changed.expectedLeadTimeMinutes;
        out.innerHTML = `Predicted lead time: <strong id="predicted">${minutes(after)}</strong> (now ${minutes(before)}; ${after <= before ? "saves" : "adds"} ${minutes(Math.abs(before - after))} per patient).`;
      } catch (error) {
        out.innerHTML = `<span class="error">${esc(error.message)}</span>`;
      }
    });
  }
}

async function projects() {
  const data = await gql("{ projects(first: 100) { nodes { id title aim status owner { name } } } }");
  show(`<h2>Improvement projects</h2>${data.projects.nodes.map((p) => `<div class="card"><h3><a href="#/project/${esc(p.id)}">${esc(p.title)}</a></h3>
    <p>${esc(p.aim)}</p><p class="muted">${esc(p.owner.name)} · <span class="tag">${esc(p.status)}</span></p></div>`).join("") || "<p>No projects you can see.</p>"}`);
}

function driverTree(drivers, parent) {
  const children = drivers.filter((d) => (d.parentId || null) === parent);
  if (!children.length) return "";
  return `<ul class="tree">${children.map((d) => `<li><span class="tag">${esc(d.kind.replace(/_/g, " ").toLowerCase())}</span> ${esc(d.text)}
    ${d.predictedEffect ? `<span class="muted">(predicted effect on the lead time: ${d.predictedEffect.differenceMinutes <= 0 ? "−" : "+"}${minutes(Math.abs(d.predictedEffect.differenceMinutes))})</span>` : ""}${driverTree(drivers, d.id)}</li>`).join("")}</ul>`;
}

async function project(id) {
  const { project: p } = await gql(`query($id: ID!) { project(id: $id) { id title aim status owner { name }
      summary { measureId name latestDate latestValue variation assurance target }
      measures(first: 20) { nodes { id name unit chartSvg } }
      drivers { id parentId kind text predictedEffect { differenceMinutes } }
      cycles(first: 50) { nodes { id changeIdea stage objective plannedStart plannedEnd actualStart actualEnd learning decision
        predictions { measureId expectedValue expectedDirection } history { from to at by } } } } }`, { id });
  const words = (x) => (x ? esc(String(x).replace(/_/g, " ").toLowerCase()) : "—");
  show(`<p><a href="#/projects">← Projects</a></p><h2>${esc(p.title)}</h2><p>${esc(p.aim)}</p>
    <section class="card"><table id="summary"><caption>Measures at a glance (the board's icon table)</caption>
      <thead><tr><th scope="col">Measure</th><th scope="col">Latest</th><th scope="col">Variation</th><th scope="col">Assurance</th><th scope="col">Target</th></tr></thead>
      <tbody>${p.summary.map((s) => `<tr><td>${esc(s.name)}</td><td>${s.latestValue == null ? "—" : `${Number(s.latestValue).toFixed(1)} (${esc(s.latestDate)})`}</td>
        <td>${words(s.variation)}</td><td>${words(s.assurance)}</td><td>${s.target ?? "—"}</td></tr>`).join("")}</tbody></table></section>
    ${p.measures.nodes.map((m) => `<section class="card"><h3>${esc(m.name)}</h3><div class="picture chart" role="img" aria-label="SPC chart of ${esc(m.name)}">${m.chartSvg}</div></section>`).join("")}
    <section class="card"><h3>Driver diagram</h3>${driverTree(p.drivers, null) || "<p>No drivers yet.</p>"}</section>
    <section class="card"><h3>PDSA cycles</h3>${p.cycles.nodes.map((c) => `<div class="card"><h4>${esc(c.changeIdea)} <span class="tag">${esc(c.stage)}</span></h4>
      <p>${esc(c.objective)}</p><p class="muted">Planned ${esc(c.plannedStart || "—")} to ${esc(c.plannedEnd || "—")}; ran ${esc(c.actualStart || "—")} to ${esc(c.actualEnd || "—")}</p>
      ${c.predictions.length ? `<p>Predictions: ${c.predictions.map((x) => esc(x.expectedValue ?? x.expectedDirection)).join(", ")}</p>` : ""}
      ${c.learning ? `<p><strong>Learning:</strong> ${esc(c.learning)}</p>` : ""}${c.decision ? `<p><strong>Decision:</strong> ${esc(c.decision)}</p>` : ""}
      <details><summary>History</summary><ol>${c.history.map((h) => `<li>${esc(h.from || "")} → ${esc(h.to)} ${esc(h.at)} by ${esc(h.by)}</li>`).join("")}</ol></details></div>`).join("") || "<p>No cycles yet.</p>"}</section>`);
}

async function logs() {
  const data = await gql("{ eventLogs(first: 100) { nodes { id name eventCount caseCount pathway { name } } } }");
  show(`<h2>Event logs</h2><table><thead><tr><th scope="col">Log</th><th scope="col">Events</th><th scope="col">Cases</th><th scope="col">Pathway</th></tr></thead>
    <tbody>${data.eventLogs.nodes.map((l) => `<tr><td><a href="#/log/${esc(l.id)}">${esc(l.name)}</a></td><td>${l.eventCount}</td><td>${l.caseCount}</td><td>${esc(l.pathway?.name || "—")}</td></tr>`).join("")}</tbody></table>`);
}

async function log(id) {
  const { eventLog: l } = await gql(`query($id: ID!) { eventLog(id: $id) { name eventCount caseCount pathway { id }
      discovery(topVariants: 5) { variantCount caseDuration { medianSeconds p90Seconds } topVariants { count share activities } }
      mapSvg(minCount: 20) } }`, { id });
  let conformance = "";
  if (l.pathway) {
    const c = (await gql(`query($id: ID!) { eventLog(id: $id) { conformance { fitness fittingCaseShare unknownActivities { activity cases }
        skippedSteps { step name cases } missingTransitions { from to count } } } }`, { id })).eventLog.conformance;
    conformance = `<section class="card"><h3>Against the pathway map</h3><div class="figures">
      <div class="figure">Moves the map allows<b>${percent(c.fitness)}</b></div><div class="figure">Cases that fit entirely<b>${percent(c.fittingCaseShare)}</b></div></div>
      <h4>Activities the map does not know</h4><ul>${c.unknownActivities.map((u) => `<li>${esc(u.activity)}: ${u.cases} cases</li>`).join("") || "<li>none</li>"}</ul>
      <h4>Steps skipped</h4><ul>${c.skippedSteps.map((s) => `<li>${esc(s.name)}: ${s.cases} cases</li>`).join("") || "<li>none</li>"}</ul>
      <h4>Moves missing from the map</h4><ul>${c.missingTransitions.map((m) => `<li>${esc(m.from)} → ${esc(m.to)}: ${m.count}</li>`).join("") || "<li>none</li>"}</ul></section>`;
  }
  const d = l.discovery;
  show(`<p><a href="#/logs">← Event logs</a></p><h2>${esc(l.name)}</h2><div class="figures">
      <div class="figure">Events<b>${l.eventCount}</b></div><div class="figure">Cases<b>${l.caseCount}</b></div>
      <div class="figure">Variants<b>${d.variantCount}</b></div>
      <div class="figure">Median case duration<b>${d.caseDuration ? minutes(d.caseDuration.medianSeconds / 60) : "—"}</b></div></div>
    <section class="card"><h3>Discovered process map</h3><div class="picture" role="img" aria-label="Discovered process map">${l.mapSvg}</div></section>
    ${conformance}`);
}

async function route() {
  if (!sessionStorage.getItem(TOKEN)) return signIn();
  const [path, query] = (location.hash.slice(1) || "/").split("?");
  const params = new URLSearchParams(query || "");
  const parts = path.split("/").filter(Boolean);
  show(`<p class="loading">Loading…</p>`);
  try {
    await header();
    if (parts[0] === "pathway") await pathway(parts[1]);
    else if (parts[0] === "projects") await projects();
    else if (parts[0] === "project") await project(parts[1]);
    else if (parts[0] === "logs") await logs();
    else if (parts[0] === "log") await log(parts[1]);
    else await pathways(params);
  } catch (error) {
    failed(error);
  }
}

document.getElementById("sign-out").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN);
  signIn("Signed out.");
});
window.addEventListener("hashchange", route);
route();
