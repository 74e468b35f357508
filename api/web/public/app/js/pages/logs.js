// Event logs: bring one in (preview, column mapper, progress, the import's row errors), and see a
// log's discovery, discovered map, what changed between two periods and conformance with the
// pathway map (and a draft calibrated from the log), and retract an import.
import { ApiError, gql } from "../api.js";
import { PeriodComparison } from "../components/comparison.js";
import { FIELDS, preview, previewView, upload } from "../components/upload.js";
import { minutes, percent, when, words } from "../format.js";
import { announce, html, nothing, picture, show } from "../view.js";

/** @type {import("../router.js").Page} */
export async function logs() {
  /** @type {{ eventLogs: { nodes: { id: string, name: string, eventCount: number, caseCount: number, pathway: { name: string } | null }[] },
   *   pathways: { nodes: { id: string, name: string, status: string }[] },
   *   me: { memberships: { organisationId: string, odsCode: string, role: string }[] } }} */
  const data = await gql(`{ eventLogs(first: 100) { nodes { id name eventCount caseCount pathway { name } } }
    pathways(first: 100) { nodes { id name status } } me { memberships { organisationId odsCode role } } }`);
  /** @type {import("../components/upload.js").Preview | null} */
  let seen = null;
  /** @type {File | null} */
  let file = null;
  let share = -1;
  /** @type {any} */
  let result = null;
  let problem = "";

  /** @param {Event} event */
  const chosen = async (event) => {
    file = /** @type {HTMLInputElement} */ (event.currentTarget).files?.[0] ?? null;
    result = null;
    problem = "";
    seen = null;
    if (file) {
      try {
        seen = await preview(file);
      } catch {
        problem = `${file.name} could not be read for a preview: is it a CSV or XES file (gzip-compressed or not)?`;
      }
    }
    draw();
  };

  /** @param {SubmitEvent} event */
  const send = async (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget));
    const text = (/** @type {string} */ k) => String(form.get(k) ?? "").trim();
    problem = !text("name") ? "Enter a name for the log" : !file ? "Choose the file to upload" : "";
    if (problem || !file) return draw();
    // Headings other than qiflow's own names, as field=heading pairs.
    const columns = FIELDS.map(({ field }) => [field, text(`map-${field}`)])
      .filter(([field, heading]) => heading && heading !== field)
      .map(([field, heading]) => `${field}=${heading}`)
      .join(",");
    try {
      /** @type {{ createEventLog: { id: string } }} */
      const made = await gql(`mutation($input: CreateEventLogInput!) { createEventLog(input: $input) { id } }`,
        { input: { name: text("name"), organisationId: text("organisationId") || null, pathwayId: text("pathwayId") || null } });
      share = 0;
      draw();
      const answer = await upload(made.createEventLog.id, file, columns ? { columns } : {}, (s) => {
        share = s;
        draw();
      });
      result = { logId: made.createEventLog.id, ...answer };
      share = -1;
      announce(answer.body.import?.status === "SUCCEEDED" ? "The events are in." : "The upload was refused: see why below.");
    } catch (error) {
      if (!(error instanceof ApiError) && !(error instanceof Error)) throw error;
      problem = error.message;
      share = -1;
    }
    draw();
    document.getElementById("upload-result")?.focus();
  };

  const outcome = () => {
    if (!result) return nothing;
    const record = result.body.import;
    if (!record) {
      return html`<div class="nhsuk-error-summary" id="upload-result" tabindex="-1" role="alert"><h3 class="nhsuk-error-summary__title">The upload was refused</h3>
        <div class="nhsuk-error-summary__body"><p>${result.body.error?.message ?? `The server answered ${result.status}.`}</p></div></div>`;
    }
    return html`<div class="${record.status === "SUCCEEDED" ? "nhsuk-inset-text" : "nhsuk-error-summary"}" id="upload-result" tabindex="-1" role="status">
      <p><strong>${record.status === "SUCCEEDED" ? `${record.events} events from ${record.rows} rows are in.` : "Nothing was imported."}</strong>
        ${record.readAs ? html` Read as ${record.readAs}.` : nothing} ${record.message ?? ""}</p>
      ${record.errors?.length ? html`<ul id="upload-errors">${record.errors.map((/** @type {any} */ e) => html`<li>Row ${e.row}, ${e.column}: ${e.message}</li>`)}</ul>` : nothing}
      <p><a href="#/log/${result.logId}">Open the log</a></p></div>`;
  };

  const draw = (arriving = false) =>
    show(
      html`<h1>Event logs</h1><table class="nhsuk-table"><thead class="nhsuk-table__head"><tr><th scope="col">Log</th><th scope="col">Events</th>
        <th scope="col">Cases</th><th scope="col">Pathway</th></tr></thead>
        <tbody class="nhsuk-table__body">${data.eventLogs.nodes.map(
          (l) => html`<tr><td><a href="#/log/${l.id}">${l.name}</a></td><td>${l.eventCount}</td><td>${l.caseCount}</td><td>${l.pathway?.name ?? "—"}</td></tr>`,
        )}</tbody></table>
        <h2>Bring in an event log</h2>
        <p>A CSV or XES export from a hospital system or a process-mining tool, as it comes (gzip too). Patient identifiers are pseudonymised on arrival.</p>
        ${problem ? html`<p class="nhsuk-error-message" role="alert">${problem}</p>` : nothing}
        <form id="upload-form" novalidate @submit=${send}>
          <div class="nhsuk-form-group"><label class="nhsuk-label" for="upload-name">Name</label>
            <input class="nhsuk-input nhsuk-input--width-30" id="upload-name" name="name" type="text"></div>
          <div class="nhsuk-form-group"><label class="nhsuk-label" for="upload-organisationId">Whose patients</label>
            <select class="nhsuk-select" id="upload-organisationId" name="organisationId">
              ${data.me.memberships.filter((m) => m.role !== "VIEWER").map((m) => html`<option value=${m.organisationId}>${m.odsCode}</option>`)}</select></div>
          <div class="nhsuk-form-group"><label class="nhsuk-label" for="upload-pathwayId">The pathway it follows (for conformance)</label>
            <select class="nhsuk-select" id="upload-pathwayId" name="pathwayId"><option value="">None</option>
              ${data.pathways.nodes.filter((p) => p.status !== "ARCHIVED").map((p) => html`<option value=${p.id}>${p.name}</option>`)}</select></div>
          <div class="nhsuk-form-group"><label class="nhsuk-label" for="upload-file">File</label>
            <input class="nhsuk-file-upload" id="upload-file" name="file" type="file" accept=".csv,.txt,.xes,.gz" @change=${chosen}></div>
          ${seen ? previewView(seen) : nothing}
          ${share >= 0 ? html`<p><label for="upload-progress">Uploading</label> <progress id="upload-progress" max="1" .value=${share}></progress></p>` : nothing}
          <button class="nhsuk-button" type="submit" ?disabled=${share >= 0}>Upload</button>
        </form>
        ${outcome()}`,
      "Event logs",
      { arriving },
    );
  draw(true);
}

/** @type {import("../router.js").Page} */
export async function log([id]) {
  /** @type {{ eventLog: any }} */
  const { eventLog: l } = await gql(`query($id: ID!) { eventLog(id: $id) { name eventCount caseCount pathway { id }
      imports(first: 20) { nodes { id source status rows events withdrawnAt withdrawalReason startedAt } }
      discovery(topVariants: 5) { ${DISCOVERY_FIELDS} }
      mapSvg(minCount: 20) } }`, { id });
  const periods = new PeriodComparison(id, () => draw(false));
  /** How the discovered map and variants are filtered. */
  const filters = { minCount: 20, collapseRepeats: false };
  /** @param {SubmitEvent} event */
  const refine = async (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget));
    const minCount = Number(String(form.get("minCount") ?? "").trim() || "1");
    const error = document.getElementById("filters-error");
    if (!(Number.isInteger(minCount) && minCount >= 1)) {
      if (error) error.textContent = "Moves seen at least: a whole number, 1 or more";
      return document.getElementById("filter-minCount")?.focus();
    }
    filters.minCount = minCount;
    filters.collapseRepeats = Boolean(form.get("collapseRepeats"));
    /** @type {{ eventLog: { discovery: any, mapSvg: string } }} */
    const r = await gql(`query($id: ID!, $m: Int!, $c: Boolean!) { eventLog(id: $id) {
        discovery(topVariants: 5, collapseRepeats: $c) { ${DISCOVERY_FIELDS} } mapSvg(minCount: $m) } }`,
      { id, m: filters.minCount, c: filters.collapseRepeats });
    l.discovery = r.eventLog.discovery;
    l.mapSvg = r.eventLog.mapSvg;
    draw(false);
    announce(`Showing moves seen at least ${filters.minCount} times${filters.collapseRepeats ? ", repeats treated as one" : ""}.`);
  };
  /** @type {{ pathways: { nodes: { id: string, name: string, version: number, status: string }[] } }} */
  const { pathways } = await gql(`{ pathways(first: 100) { nodes { id name version status } } }`);
  /** The pathway the log is checked against: its own unless the user picks another. */
  let against = l.pathway?.id ?? "";
  /** @type {any} */
  let c = null;
  const check = async () => {
    c = against
      ? (/** @type {{ eventLog: { conformance: any } }} */ (await gql(`query($id: ID!, $p: ID) { eventLog(id: $id) { conformance(pathwayId: $p) { fitness fittingCaseShare
          unknownActivities { activity cases } skippedSteps { step name cases } missingTransitions { from to count } } } }`, { id, p: against }))).eventLog.conformance
      : null;
  };
  await check();
  /** The draft made by calibrating the chosen pathway from this log. */
  /** @type {{ pathway: { id: string, name: string, version: number }, changes: { subject: string, field: string, old: number | null, new: number, cases: number }[] } | null} */
  let calibrated = null;
  let calibrationError = "";
  const calibrate = async () => {
    try {
      /** @type {{ calibratePathway: NonNullable<typeof calibrated> }} */
      const r = await gql(`mutation($p: ID!, $l: ID!) { calibratePathway(pathwayId: $p, logId: $l) {
          pathway { id name version } changes { subject field old new cases } } }`, { p: against, l: id });
      calibrated = r.calibratePathway;
      calibrationError = "";
      draw(false);
      announce(`Drafted version ${calibrated.pathway.version} of ${calibrated.pathway.name} with ${calibrated.changes.length} values from the log.`);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      calibrationError = e.message;
      draw(false);
    }
  };
  /** @param {Event} event */
  const choose = async (event) => {
    against = /** @type {HTMLSelectElement} */ (event.currentTarget).value;
    await check();
    draw(false);
    const chosen = pathways.nodes.find((p) => p.id === against);
    announce(chosen ? `Checked against ${chosen.name}, version ${chosen.version}.` : "Not checked against a pathway.");
  };

  /** @param {any} i */
  const retract = async (i) => {
    const input = /** @type {HTMLInputElement} */ (document.getElementById(`retract-${i.id}`));
    const reason = input.value.trim();
    const error = document.getElementById(`retract-error-${i.id}`);
    if (!reason) {
      if (error) error.textContent = "Say why the import is retracted";
      return input.focus();
    }
    try {
      await gql(`mutation($id: ID!, $r: String!) { retractImport(importId: $id, reason: $r) { id } }`, { id: i.id, r: reason });
      announce("The import's events were withdrawn.");
      await log([id], new URLSearchParams());
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (error) error.textContent = e.message;
    }
  };
  const draw = (arriving = true) => {
    const d = l.discovery;
    const activities = [...new Set([...d.startActivities.map((/** @type {any} */ a) => a.activity),
      ...d.edges.flatMap((/** @type {any} */ e) => [e.from, e.to])])].sort();
    show(
    html`<a class="nhsuk-back-link" href="#/logs">Back to event logs</a><h1>${l.name}</h1>
      <div class="qf-figures"><div class="qf-figure">Events<b>${l.eventCount}</b></div><div class="qf-figure">Cases<b>${l.caseCount}</b></div>
        <div class="qf-figure">Variants<b>${d.variantCount}</b></div>
        <div class="qf-figure">Median case duration<b>${d.caseDuration ? minutes(d.caseDuration.medianSeconds / 60) : "—"}</b></div></div>
      <h2>Imports</h2>
      <table class="nhsuk-table qf-compact" id="imports"><thead class="nhsuk-table__head"><tr><th scope="col">Import</th><th scope="col">Rows</th>
        <th scope="col">Events</th><th scope="col">Status</th><th scope="col"><span class="nhsuk-u-visually-hidden">Action</span></th></tr></thead>
        <tbody class="nhsuk-table__body">${l.imports.nodes.map((/** @type {any} */ i) => html`<tr data-import=${i.id}><td>${i.source}, ${when(i.startedAt)}</td>
          <td>${i.rows}</td><td>${i.events}</td>
          <td>${i.withdrawnAt ? `withdrawn: ${i.withdrawalReason ?? ""}` : words(i.status)}</td>
          <td>${i.withdrawnAt || i.status !== "SUCCEEDED" ? nothing : html`<span class="qf-inline">
            <label class="nhsuk-u-visually-hidden" for="retract-${i.id}">Why retract this import?</label>
            <input class="nhsuk-input nhsuk-input--width-20" id="retract-${i.id}" type="text" placeholder="Why retract it?">
            <button class="nhsuk-button nhsuk-button--warning nhsuk-button--small" type="button" @click=${() => retract(i)}>Retract</button>
            <span class="nhsuk-error-message" id="retract-error-${i.id}" role="alert"></span></span>`}</td></tr>`)}</tbody></table>
      <h2>Discovered process map</h2>
      <form class="qf-inline" id="discovery-filters" novalidate @submit=${refine}>
        <div class="nhsuk-form-group"><label class="nhsuk-label" for="filter-minCount">Moves seen at least (times)</label>
          <input class="nhsuk-input nhsuk-input--width-5" id="filter-minCount" name="minCount" type="number" min="1" .value=${String(filters.minCount)}></div>
        <div class="nhsuk-checkboxes nhsuk-checkboxes--small nhsuk-form-group"><div class="nhsuk-checkboxes__item">
          <input class="nhsuk-checkboxes__input" id="filter-collapseRepeats" name="collapseRepeats" type="checkbox" value="1" ?checked=${filters.collapseRepeats}>
          <label class="nhsuk-label nhsuk-checkboxes__label" for="filter-collapseRepeats">Treat an activity repeated straight after itself as one</label></div></div>
        <button class="nhsuk-button nhsuk-button--secondary" type="submit">Show</button>
        <span class="nhsuk-error-message" id="filters-error" role="alert"></span>
      </form>
      <div class="qf-picture" tabindex="0" role="img" aria-label="Discovered process map">${picture(l.mapSvg)}</div>
      <table class="nhsuk-table qf-compact" id="variants"><caption class="nhsuk-table__caption nhsuk-table__caption--s">The most common variants</caption>
        <thead class="nhsuk-table__head"><tr><th scope="col">Cases</th><th scope="col">Share</th><th scope="col">Activities in order</th></tr></thead>
        <tbody class="nhsuk-table__body">${d.topVariants.map((/** @type {any} */ v) => html`<tr><td>${v.count}</td><td>${percent(v.share)}</td>
          <td>${v.activities.join(" → ")}</td></tr>`)}</tbody></table>
      <h2>What changed between two periods</h2>
      ${periods.view(activities)}
      <h2>Against the pathway map</h2>
      <div class="nhsuk-form-group"><label class="nhsuk-label" for="conformance-pathway">Check against</label>
        <select class="nhsuk-select" id="conformance-pathway" @change=${choose}>
          <option value="" ?selected=${!against}>No pathway</option>
          ${pathways.nodes.map((p) => html`<option value=${p.id} ?selected=${p.id === against}>${p.name}, version ${p.version} (${words(p.status)})${p.id === l.pathway?.id ? ", the log's own" : ""}</option>`)}
        </select></div>
      ${against
        ? html`<p><button class="nhsuk-button nhsuk-button--secondary" type="button" id="calibrate" @click=${calibrate}>Draft a version with this log's waits and step times</button></p>
          ${calibrationError ? html`<p class="nhsuk-error-message" role="alert">${calibrationError}</p>` : nothing}
          ${calibrated
            ? html`<table class="nhsuk-table qf-compact" id="calibration"><caption class="nhsuk-table__caption nhsuk-table__caption--s">Values the draft takes from the log
                (<a href="#/pathway/${calibrated.pathway.id}">open version ${calibrated.pathway.version}</a>)</caption>
                <thead class="nhsuk-table__head"><tr><th scope="col">Where</th><th scope="col">Value</th><th scope="col">Was</th><th scope="col">Now</th><th scope="col">Cases</th></tr></thead>
                <tbody class="nhsuk-table__body">${calibrated.changes.map((v) => html`<tr><td>${v.subject}</td><td>${v.field}</td>
                  <td>${v.old == null ? "—" : Number(v.old.toFixed(3))}</td><td>${Number(v.new.toFixed(3))}</td><td>${v.cases}</td></tr>`)}</tbody></table>`
            : nothing}`
        : nothing}
      ${c
        ? html`<div class="qf-figures">
            <div class="qf-figure">Moves the map allows<b>${percent(c.fitness)}</b></div><div class="qf-figure">Cases that fit entirely<b>${percent(c.fittingCaseShare)}</b></div></div>
            <h3>Activities the map does not know</h3><ul>${c.unknownActivities.length ? c.unknownActivities.map((/** @type {any} */ u) => html`<li>${u.activity}: ${u.cases} cases</li>`) : html`<li>none</li>`}</ul>
            <h3>Steps skipped</h3><ul>${c.skippedSteps.length ? c.skippedSteps.map((/** @type {any} */ s) => html`<li>${s.name}: ${s.cases} cases</li>`) : html`<li>none</li>`}</ul>
            <h3>Moves missing from the map</h3><ul>${c.missingTransitions.length ? c.missingTransitions.map((/** @type {any} */ m) => html`<li>${m.from} → ${m.to}: ${m.count}</li>`) : html`<li>none</li>`}</ul>`
        : nothing}`,
    l.name,
    { arriving },
    );
  };
  draw();
}

/** What the log page shows of a discovery. */
const DISCOVERY_FIELDS = "variantCount caseDuration { medianSeconds p90Seconds } topVariants { count share activities } startActivities { activity } edges { from to }";
