// Improvement projects: start one, add and change measures, enter, correct or retract their data
// (pasted from a spreadsheet or row by row), note a point or rebase a chart from the chart itself;
// the icon table, the driver diagram, the PDSA cycles and the report.
import { gql, refusal } from "../api.js";
import { words } from "../format.js";
import { go } from "../router.js";
import { announce, errorSummary, focusErrors, html, nothing, picture, show } from "../view.js";
import { field, select } from "../components/fields.js";
import { MEASURE_DATA_FIELDS, MeasureData } from "../components/measure-data.js";
import { DRIVER_FIELDS, DriverDiagram } from "../components/drivers.js";
import { CYCLE_FIELDS, Cycles, withObservations, withSignalTimes } from "../components/cycles.js";
import { download } from "../download.js";
import { SUMMARY_FIELDS, iconTable } from "../components/icon-table.js";
import { BASELINE_FIELDS, Baselines } from "../components/baselines.js";
import { COMPARISON_FIELDS, comparisonView } from "../components/comparison.js";


/** @type {import("../router.js").Page} */
export async function projects() {
  /** @type {{ projects: { nodes: { id: string, title: string, aim: string, status: string, owner: { name: string } }[] },
   *   organisations: { nodes: { odsCode: string, name: string }[] }, pathways: { nodes: { id: string, name: string, status: string }[] } }} */
  const data = await gql(`{ projects(first: 100) { nodes { id title aim status owner { name } } }
    organisations(first: 100) { nodes { odsCode name } } pathways(first: 100) { nodes { id name status } } }`);
  /** @type {import("../components/fields.js").FieldProblem[]} */
  let problems = [];
  /** @param {SubmitEvent} event */
  const create = async (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget));
    const text = (/** @type {string} */ k) => String(form.get(k) ?? "").trim();
    problems = [];
    if (!text("title")) problems.push({ field: "title", message: "Enter the project's title" });
    if (!text("aim")) problems.push({ field: "aim", message: "Enter the aim: what, how much, by when" });
    if (!problems.length) {
      try {
        /** @type {{ createProject: { id: string } }} */
        const made = await gql(`mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, {
          input: { title: text("title"), aim: text("aim"), owner: text("owner"), pathwayId: text("pathwayId") || null },
        });
        return go(`#/project/${made.createProject.id}`);
      } catch (error) {
        problems = refusal(error);
      }
    }
    draw();
    focusErrors();
  };
  const draw = (arriving = false) =>
    show(
      html`${errorSummary(problems.map((p) => ({ message: p.message, href: `#project-${p.field.split(".").pop() || "title"}` })))}
      <h1>Improvement projects</h1>
      ${data.projects.nodes.length
        ? html`<ul class="nhsuk-grid-row nhsuk-card-group" id="projects">${data.projects.nodes.map(
            (p) => html`<li class="nhsuk-grid-column-one-half nhsuk-card-group__item"><div class="nhsuk-card nhsuk-card--clickable"><div class="nhsuk-card__content">
              <h2 class="nhsuk-card__heading nhsuk-heading-m"><a class="nhsuk-card__link" href="#/project/${p.id}">${p.title}</a></h2>
              <p class="nhsuk-card__description">${p.aim}</p><p class="nhsuk-body-s">${p.owner.name} · ${words(p.status)}</p></div></div></li>`,
          )}</ul>`
        : html`<p>No projects you can see.</p>`}
      <h2>Start a project</h2>
      <form id="new-project" novalidate @submit=${create}>
        ${field({ id: "project-title", name: "title", label: "Title", problems, width: "nhsuk-input--width-30" })}
        ${field({ id: "project-aim", name: "aim", label: "Aim", hint: "What, how much, by when: for example, cut the median wait for surgery from 36 to 24 hours by March", problems })}
        ${select({ id: "project-owner", name: "owner", label: "Owning organisation", problems,
          options: data.organisations.nodes.map((o) => ({ value: o.odsCode, text: `${o.name} (${o.odsCode})` })) })}
        ${select({ id: "project-pathwayId", name: "pathwayId", label: "The pathway it improves", problems,
          options: [{ value: "", text: "None" }, ...data.pathways.nodes.filter((p) => p.status !== "ARCHIVED").map((p) => ({ value: p.id, text: `${p.name} (${words(p.status)})` }))] })}
        <button class="nhsuk-button" type="submit">Start the project</button>
      </form>`,
      "Improvement projects",
      { arriving },
    );
  draw(true);
}

/** @type {import("../router.js").Page} */
export async function project([id]) {
  /** @type {any} */
  let p;
  /** @type {Map<string, MeasureData>} */
  const panels = new Map();
  const diagram = new DriverDiagram(() => reload());
  const cycles = new Cycles(() => reload());
  /** @type {import("../components/fields.js").FieldProblem[]} */
  let problems = [];
  /** @type {import("../components/fields.js").FieldProblem[]} */
  let logProblems = [];
  /** The event logs the caller can see, and the activities of the one chosen for a log measure. */
  /** @type {{ id: string, name: string }[]} */
  let logs = [];
  let logId = "";
  /** @type {string[]} */
  let activities = [];
  /** Reads the activities of the chosen log (from its discovered edges and start activities). */
  const readActivities = async () => {
    if (!logId) {
      activities = [];
      return;
    }
    /** @type {{ eventLog: { discovery: { edges: { from: string, to: string }[], startActivities: { activity: string }[] } } }} */
    const r = await gql(`query($id: ID!) { eventLog(id: $id) { discovery { edges { from to } startActivities { activity } } } }`, { id: logId });
    const d = r.eventLog.discovery;
    activities = [...new Set([...d.startActivities.map((a) => a.activity), ...d.edges.flatMap((e) => [e.from, e.to])])].sort();
  };
  /** @param {Event} event */
  const chooseLog = async (event) => {
    logId = /** @type {HTMLSelectElement} */ (event.currentTarget).value;
    await readActivities();
    draw();
  };
  /** @param {SubmitEvent} event */
  const addLogMeasure = async (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget));
    const text = (/** @type {string} */ k) => String(form.get(k) ?? "").trim();
    logProblems = [];
    const statistic = text("statistic");
    if (!text("name")) logProblems.push({ field: "name", message: "Enter the measure's name" });
    if (!logId) logProblems.push({ field: "logId", message: "Choose the event log" });
    const targetMinutes = text("targetHours") ? Number(text("targetHours")) * 60 : null;
    if (statistic === "PERCENT_WITHIN_TARGET" && !(targetMinutes && targetMinutes > 0))
      logProblems.push({ field: "targetHours", message: "Enter the time a case should take, in hours, to count within target" });
    if (!logProblems.length) {
      try {
        await gql(`mutation($input: AddLogMeasureInput!) { addLogMeasure(input: $input) { measure { id } } }`, {
          input: { projectId: p.id, expectedVersion: p.version, logId, name: text("name"), fromActivity: text("fromActivity"),
            toActivity: text("toActivity"), statistic, period: text("period"), direction: text("direction"), targetMinutes },
        });
        announce(`Added the measure ${text("name")}, computed from the log.`);
        await reload();
        return;
      } catch (error) {
        logProblems = refusal(error);
      }
    }
    draw();
    focusErrors();
  };
  const load = async () => {
    /** @type {{ project: any }} */
    const data = await gql(`query($id: ID!) { project(id: $id) { id title aim status version owner { name }
      summary { ${SUMMARY_FIELDS} }
      measures(first: 20) { nodes { ${MEASURE_DATA_FIELDS} unit definition direction target rulePreset baselinePoints fromLog { logId } ${BASELINE_FIELDS} } }
      pathwayId drivers { ${DRIVER_FIELDS} }
      cycles(first: 50) { nodes { ${CYCLE_FIELDS} } } } }`, { id });
    p = data.project;
    await Promise.all([withObservations(p.cycles.nodes), withSignalTimes(p.cycles.nodes)]);
    /** @type {{ eventLogs: { nodes: { id: string, name: string }[] } }} */
    const seen = await gql(`{ eventLogs(first: 100) { nodes { id name } } }`);
    logs = seen.eventLogs.nodes;
  };
  /** Downloads the project's report as the API writes it. @param {"HTML" | "MARKDOWN"} format */
  const report = async (format) => {
    /** @type {{ project: { report: string } }} */
    const r = await gql(`query($id: ID!, $f: ReportFormat!) { project(id: $id) { report(format: $f) } }`, { id, f: format });
    const [extension, type] = format === "HTML" ? ["html", "text/html"] : ["md", "text/markdown"];
    download(r.project.report, `${p.title}.${extension}`, `${type};charset=utf-8`);
    announce(`Downloaded the report as ${extension === "html" ? "HTML" : "Markdown"}.`);
  };
  /** The report as the API writes it, read in the page; null until asked for. @type {string | null} */
  let reportBody = null;
  const readReport = async () => {
    /** @type {{ project: { report: string } }} */
    const r = await gql(`query($id: ID!) { project(id: $id) { report(format: HTML) } }`, { id });
    // The report is a whole page of its own; the page keeps its body (the charts are inline SVG)
    // and styles it itself, as its policy allows no inline styles. DOMParser runs no scripts.
    const body = new DOMParser().parseFromString(r.project.report, "text/html").body;
    body.querySelectorAll("script, style, iframe, object, embed").forEach((e) => e.remove());
    // Its headings go under the page's "Report" heading: h1 becomes h3, and so on.
    body.querySelectorAll("h1, h2, h3, h4").forEach((h) => {
      const lower = document.createElement(`h${Math.min(Number(h.tagName[1]) + 2, 6)}`);
      lower.append(...h.childNodes);
      h.replaceWith(lower);
    });
    reportBody = body.innerHTML;
    draw();
    document.getElementById("report")?.focus();
    announce("The report is shown below the buttons.");
  };
  const reload = async () => {
    await load();
    draw();
  };
  /** What changed in the pathway at a log measure's latest signal (or why it cannot say), by measure id. @type {Map<string, any>} */
  const explained = new Map();
  const explain = async (/** @type {any} */ m) => {
    try {
      /** @type {{ measure: { explainChange: any } }} */
      const r = await gql(`query($id: ID!) { measure(id: $id) { explainChange { ${COMPARISON_FIELDS} } } }`, { id: m.id });
      explained.set(m.id, r.measure.explainChange);
      announce(`${m.name}: compared the cases before and after ${r.measure.explainChange.splitAt}.`);
    } catch (error) {
      explained.set(m.id, refusal(error).map((x) => x.message).join(" "));
    }
    draw();
    document.getElementById(`explain-${m.id}`)?.focus();
  };
  /** @param {any} m */
  const explanation = (m) => {
    const found = explained.get(m.id);
    return html`<p><button class="nhsuk-button nhsuk-button--secondary" type="button" @click=${() => explain(m)}>What changed in the pathway at the latest signal?</button></p>
      ${found === undefined ? nothing : typeof found === "string"
        ? html`<p class="nhsuk-error-message" id="explain-${m.id}" tabindex="-1" role="alert">${found}</p>`
        : html`<h3>What changed: cases before and after ${found.splitAt}</h3>${comparisonView(found, `explain-${m.id}`)}`}`;
  };
  /** Each measure's chart with its baselines, by measure id. @type {Map<string, Baselines>} */
  const charts = new Map();
  const chart = (/** @type {string} */ measureId) => {
    let found = charts.get(measureId);
    if (!found) {
      found = new Baselines(reload, (m, date) => panel(m).noteOn(m, date));
      charts.set(measureId, found);
    }
    return found;
  };
  const panel = (/** @type {string} */ measureId) => {
    let found = panels.get(measureId);
    if (!found) {
      found = new MeasureData(reload);
      panels.set(measureId, found);
    }
    return found;
  };
  /** Problems of each measure's change form, by measure id. @type {Record<string, import("../components/fields.js").FieldProblem[]>} */
  const editProblems = {};
  /** @param {SubmitEvent} event @param {any} m */
  const editMeasure = async (event, m) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget));
    const text = (/** @type {string} */ k) => String(form.get(k) ?? "").trim();
    /** @type {import("../components/fields.js").FieldProblem[]} */
    const found = [];
    if (!text("name")) found.push({ field: "name", message: "Enter the measure's name" });
    const target = text("target");
    if (target && !Number.isFinite(Number(target))) found.push({ field: "target", message: "The target must be a number" });
    const baseline = text("baselinePoints");
    if (baseline && !(Number.isInteger(Number(baseline)) && Number(baseline) >= 12)) {
      found.push({ field: "baselinePoints", message: "Fix the limits from 12 points or more, or leave it empty for every point" });
    }
    editProblems[m.id] = found;
    if (!found.length) {
      try {
        await gql(`mutation($input: UpdateMeasureInput!) { updateMeasure(input: $input) { id } }`, {
          input: { id: m.id, expectedVersion: p.version, name: text("name"), definition: text("definition"), unit: text("unit"),
            direction: text("direction"), target: target ? Number(target) : null, chartType: text("chartType"),
            rulePreset: text("rulePreset"), baselinePoints: baseline ? Number(baseline) : null },
        });
        delete editProblems[m.id];
        announce(`Changed the measure ${text("name")}.`);
        await reload();
        return;
      } catch (error) {
        editProblems[m.id] = refusal(error);
      }
    }
    draw();
    focusErrors();
  };
  /** The form that changes a measure, filled with what it is now. @param {any} m */
  const editForm = (m) => {
    const found = editProblems[m.id] ?? [];
    const id = (/** @type {string} */ f) => `measure-${m.id}-${f}`;
    return html`<details class="nhsuk-details" ?open=${found.length > 0}><summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">Change ${m.name}</span></summary>
      <div class="nhsuk-details__text">
        ${errorSummary(found.map((x) => ({ message: x.message, href: `#${id(x.field.split(".").pop() || "name")}` })))}
        <form id="edit-${m.id}" novalidate @submit=${(/** @type {SubmitEvent} */ e) => editMeasure(e, m)}>
          ${field({ id: id("name"), name: "name", label: "Name", value: m.name, problems: found, width: "nhsuk-input--width-30" })}
          ${field({ id: id("definition"), name: "definition", label: "Definition", value: m.definition, problems: found })}
          ${field({ id: id("unit"), name: "unit", label: "Unit", value: m.unit, problems: found, width: "nhsuk-input--width-10" })}
          ${select({ id: id("direction"), name: "direction", label: "Better is", value: m.direction, problems: found,
            options: [["DECREASE", "lower"], ["INCREASE", "higher"], ["NEUTRAL", "neither (watch only)"]].map(([v, t]) => ({ value: v, text: t })) })}
          ${field({ id: id("target"), name: "target", label: "Target (optional; empty for none)", type: "number", value: m.target ?? "", problems: found, width: "nhsuk-input--width-5" })}
          ${select({ id: id("chartType"), name: "chartType", label: "Chart", value: m.chartType, problems: found,
            hint: "A chart its points cannot be drawn with is refused, naming the first point that does not fit",
            options: [["XMR", "XmR (values)"], ["P", "P chart (a share: count of a total)"], ["U", "U chart (a rate: count per unit)"], ["RUN", "Run chart"]].map(([v, t]) => ({ value: v, text: t })) })}
          ${select({ id: id("rulePreset"), name: "rulePreset", label: "Rules", value: m.rulePreset, problems: found,
            options: [["PLOT_THE_DOTS", "NHSRplotthedots (Making Data Count's R package)"], ["MDC_EXCEL", "Making Data Count's Excel tool"]].map(([v, t]) => ({ value: v, text: t })) })}
          ${field({ id: id("baselinePoints"), name: "baselinePoints", label: "Fix the limits from the first points (optional)", type: "number", step: "1",
            hint: "How many points the baseline has, 12 or more; empty for every point", value: m.baselinePoints ?? "", problems: found, width: "nhsuk-input--width-5" })}
          <button class="nhsuk-button nhsuk-button--secondary" type="submit">Save the changes</button>
        </form></div></details>`;
  };
  /** @param {SubmitEvent} event */
  const addMeasure = async (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget));
    const text = (/** @type {string} */ k) => String(form.get(k) ?? "").trim();
    problems = [];
    if (!text("name")) problems.push({ field: "name", message: "Enter the measure's name" });
    const target = text("target");
    if (target && !Number.isFinite(Number(target))) problems.push({ field: "target", message: "The target must be a number" });
    if (!problems.length) {
      try {
        await gql(`mutation($input: AddMeasureInput!) { addMeasure(input: $input) { measure { id } } }`, {
          input: { projectId: p.id, expectedVersion: p.version, name: text("name"), kind: text("kind"), definition: text("definition"),
            unit: text("unit"), direction: text("direction"), target: target ? Number(target) : null, chartType: text("chartType") },
        });
        announce(`Added the measure ${text("name")}.`);
        await reload();
        /** @type {HTMLFormElement | null} */ (document.getElementById("new-measure"))?.reset();
        return;
      } catch (error) {
        problems = refusal(error);
      }
    }
    draw();
    focusErrors();
  };
  const draw = (arriving = false) => show(
    html`<a class="nhsuk-back-link" href="#/projects">Back to projects</a><h1>${p.title}</h1><p>${p.aim}</p>
      ${iconTable("summary", "Measures at a glance", p.summary.map((/** @type {import("../components/icon-table.js").MeasureSummary} */ summary) => ({ summary })))}
      ${p.measures.nodes.map((/** @type {any} */ m) => html`<section aria-label=${m.name} id="measure-${m.id}"><h2>${m.name}</h2>
        ${chart(m.id).view(m, p.version)}
        ${m.fromLog ? explanation(m) : panel(m.id).view(m)}
        ${editForm(m)}</section>`)}
      <details class="nhsuk-details" ?open=${problems.length > 0}><summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">Add a measure</span></summary>
        <div class="nhsuk-details__text">
          ${errorSummary(problems.map((x) => ({ message: x.message, href: `#measure-new-${x.field.split(".").pop() || "name"}` })))}
          <form id="new-measure" novalidate @submit=${addMeasure}>
            ${field({ id: "measure-new-name", name: "name", label: "Name", problems, width: "nhsuk-input--width-30" })}
            ${select({ id: "measure-new-kind", name: "kind", label: "Kind", problems, options: ["OUTCOME", "PROCESS", "BALANCING"].map((k) => ({ value: k, text: words(k) })) })}
            ${field({ id: "measure-new-definition", name: "definition", label: "Definition", hint: "What is counted, and how", problems })}
            ${field({ id: "measure-new-unit", name: "unit", label: "Unit (optional)", hint: "For example: hours, patients, proportion", problems, width: "nhsuk-input--width-10" })}
            ${select({ id: "measure-new-direction", name: "direction", label: "Better is", problems,
              options: [["DECREASE", "lower"], ["INCREASE", "higher"], ["NEUTRAL", "neither (watch only)"]].map(([v, t]) => ({ value: v, text: t })) })}
            ${field({ id: "measure-new-target", name: "target", label: "Target (optional)", type: "number", problems, width: "nhsuk-input--width-5" })}
            ${select({ id: "measure-new-chartType", name: "chartType", label: "Chart", problems,
              options: [["XMR", "XmR (values)"], ["P", "P chart (a share: count of a total)"], ["U", "U chart (a rate: count per unit)"], ["RUN", "Run chart"]].map(([v, t]) => ({ value: v, text: t })) })}
            <button class="nhsuk-button" type="submit">Add measure</button>
          </form></div></details>
      <details class="nhsuk-details" ?open=${logProblems.length > 0 || Boolean(logId)}><summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">Add a measure computed from an event log</span></summary>
        <div class="nhsuk-details__text">
          ${errorSummary(logProblems.map((x) => ({ message: x.message, href: `#log-measure-${x.field.split(".").pop() || "name"}` })))}
          <form id="new-log-measure" novalidate @submit=${addLogMeasure}>
            ${field({ id: "log-measure-name", name: "name", label: "Name", hint: "For example: median hours from arrival to surgery", problems: logProblems, width: "nhsuk-input--width-30" })}
            <div class="nhsuk-form-group"><label class="nhsuk-label" for="log-measure-logId">Event log</label>
              <select class="nhsuk-select" id="log-measure-logId" name="logId" @change=${chooseLog}>
                <option value="" ?selected=${!logId}>Choose a log</option>
                ${logs.map((l) => html`<option value=${l.id} ?selected=${l.id === logId}>${l.name}</option>`)}</select></div>
            ${activities.length
              ? html`${select({ id: "log-measure-fromActivity", name: "fromActivity", label: "From the activity", problems: logProblems, options: activities.map((a) => ({ value: a, text: a })) })}
                ${select({ id: "log-measure-toActivity", name: "toActivity", label: "To the activity", problems: logProblems, options: activities.map((a) => ({ value: a, text: a })) })}
                ${select({ id: "log-measure-statistic", name: "statistic", label: "Statistic", problems: logProblems,
                  options: [["MEDIAN_TIME", "median time"], ["MEAN_TIME", "mean time"], ["CASE_COUNT", "number of cases"], ["PERCENT_WITHIN_TARGET", "% of cases within a target time"]].map(([v, t]) => ({ value: v, text: t })) })}
                ${field({ id: "log-measure-targetHours", name: "targetHours", label: "Target time in hours (for % within target)", type: "number", problems: logProblems, width: "nhsuk-input--width-5" })}
                ${select({ id: "log-measure-period", name: "period", label: "A point per", problems: logProblems, options: [["WEEK", "week"], ["MONTH", "month"]].map(([v, t]) => ({ value: v, text: t })) })}
                ${select({ id: "log-measure-direction", name: "direction", label: "Better is", problems: logProblems,
                  options: [["DECREASE", "lower"], ["INCREASE", "higher"], ["NEUTRAL", "neither (watch only)"]].map(([v, t]) => ({ value: v, text: t })) })}
                <button class="nhsuk-button" type="submit">Add the measure</button>`
              : logId ? html`<p>The log has no activities yet.</p>` : nothing}
          </form></div></details>
      <h2>Driver diagram</h2><p class="nhsuk-body-s">Aim: ${p.aim}</p>${diagram.view(p)}
      <h2>PDSA cycles</h2>${cycles.view(p)}
      <h2>Report</h2>
      <p>For a board: the measures with their charts and icons, the driver diagram, the cycles and their judgements, the team by role.</p>
      <div class="qf-toolbar">
        <button class="nhsuk-button" type="button" @click=${readReport}>Read the report here</button>
        <button class="nhsuk-button nhsuk-button--secondary" type="button" @click=${() => report("HTML")}>Download the report (HTML)</button>
        <button class="nhsuk-button nhsuk-button--secondary" type="button" @click=${() => report("MARKDOWN")}>Download the report (Markdown)</button>
      </div>
      ${reportBody === null ? nothing : html`<article class="qf-report" id="report" tabindex="-1" aria-label="The report">${picture(reportBody)}</article>`}`,
    p.title,
    { arriving },
  );
  await load();
  draw(true);
}
