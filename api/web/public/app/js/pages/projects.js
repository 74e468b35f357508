// Improvement projects, as they stand: the icon table, the SPC charts, the driver diagram and
// the PDSA cycles. (Editing them in the browser is issue 18.)
import { gql } from "../api.js";
import { minutes, words } from "../format.js";
import { html, nothing, picture, show } from "../view.js";

/**
 * @typedef {{ id: string, parentId: string | null, kind: string, text: string, predictedEffect: { differenceMinutes: number } | null }} Driver
 */

/** @type {import("../router.js").Page} */
export async function projects() {
  /** @type {{ projects: { nodes: { id: string, title: string, aim: string, status: string, owner: { name: string } }[] } }} */
  const data = await gql("{ projects(first: 100) { nodes { id title aim status owner { name } } } }");
  show(
    html`<h1>Improvement projects</h1>
      ${data.projects.nodes.length
        ? html`<ul class="nhsuk-grid-row nhsuk-card-group">${data.projects.nodes.map(
            (p) => html`<li class="nhsuk-grid-column-one-half nhsuk-card-group__item"><div class="nhsuk-card nhsuk-card--clickable"><div class="nhsuk-card__content">
              <h2 class="nhsuk-card__heading nhsuk-heading-m"><a class="nhsuk-card__link" href="#/project/${p.id}">${p.title}</a></h2>
              <p class="nhsuk-card__description">${p.aim}</p><p class="nhsuk-body-s">${p.owner.name} · ${words(p.status)}</p></div></div></li>`,
          )}</ul>`
        : html`<p>No projects you can see.</p>`}`,
    "Improvement projects",
  );
}

/**
 * @param {Driver[]} drivers @param {string | null} parent
 * @returns {unknown}
 */
function driverTree(drivers, parent) {
  const children = drivers.filter((d) => (d.parentId ?? null) === parent);
  if (!children.length) return nothing;
  return html`<ul>${children.map(
    (d) => html`<li><strong class="nhsuk-tag nhsuk-tag--white">${words(d.kind)}</strong> ${d.text}
      ${d.predictedEffect
        ? html`<span class="nhsuk-body-s">(predicted effect on the lead time: ${d.predictedEffect.differenceMinutes <= 0 ? "−" : "+"}${minutes(Math.abs(d.predictedEffect.differenceMinutes))})</span>`
        : nothing}${driverTree(drivers, d.id)}</li>`,
  )}</ul>`;
}

/** @type {import("../router.js").Page} */
export async function project([id]) {
  /** @type {{ project: any }} */
  const { project: p } = await gql(`query($id: ID!) { project(id: $id) { id title aim status owner { name }
      summary { measureId name latestDate latestValue variation assurance target }
      measures(first: 20) { nodes { id name unit chartSvg } }
      drivers { id parentId kind text predictedEffect { differenceMinutes } }
      cycles(first: 50) { nodes { id changeIdea stage objective plannedStart plannedEnd actualStart actualEnd learning decision
        predictions { measureId expectedValue expectedDirection } history { from to at by } } } } }`, { id });
  /** @type {Map<string, string>} */
  const measureNames = new Map(p.summary.map((/** @type {{ measureId: string, name: string }} */ s) => [s.measureId, s.name]));
  show(
    html`<a class="nhsuk-back-link" href="#/projects">Back to projects</a><h1>${p.title}</h1><p>${p.aim}</p>
      <table class="nhsuk-table" id="summary"><caption class="nhsuk-table__caption nhsuk-table__caption--m">Measures at a glance</caption>
        <thead class="nhsuk-table__head"><tr><th scope="col">Measure</th><th scope="col">Latest</th><th scope="col">Variation</th><th scope="col">Assurance</th><th scope="col">Target</th></tr></thead>
        <tbody class="nhsuk-table__body">${p.summary.map(
          (/** @type {any} */ s) => html`<tr><td>${s.name}</td><td>${s.latestValue == null ? "—" : `${Number(s.latestValue).toFixed(1)} (${s.latestDate})`}</td>
            <td>${words(s.variation)}</td><td>${words(s.assurance)}</td><td>${s.target ?? "—"}</td></tr>`,
        )}</tbody></table>
      ${p.measures.nodes.map((/** @type {any} */ m) => html`<section aria-label=${m.name}><h2>${m.name}</h2>
        <div class="qf-picture chart" tabindex="0" role="img" aria-label="SPC chart of ${m.name}">${picture(m.chartSvg)}</div></section>`)}
      <h2>Driver diagram</h2>${driverTree(p.drivers, null) === nothing ? html`<p>No drivers yet.</p>` : driverTree(p.drivers, null)}
      <h2>PDSA cycles</h2>${p.cycles.nodes.length
        ? p.cycles.nodes.map((/** @type {any} */ c) => html`<div class="nhsuk-card"><div class="nhsuk-card__content">
            <h3 class="nhsuk-card__heading">${c.changeIdea} <strong class="nhsuk-tag">${c.stage}</strong></h3>
            <p>${c.objective}</p><p class="nhsuk-body-s">Planned ${c.plannedStart ?? "—"} to ${c.plannedEnd ?? "—"}; ran ${c.actualStart ?? "—"} to ${c.actualEnd ?? "—"}</p>
            ${c.predictions.length ? html`<p>Predictions: ${c.predictions.map((/** @type {any} */ x) =>
              `${measureNames.get(x.measureId) ?? "a measure"}: ${x.expectedValue ?? words(x.expectedDirection)}`).join("; ")}</p>` : nothing}
            ${c.learning ? html`<p><strong>Learning:</strong> ${c.learning}</p>` : nothing}${c.decision ? html`<p><strong>Decision:</strong> ${c.decision}</p>` : nothing}
            <details class="nhsuk-details"><summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">History</span></summary>
              <div class="nhsuk-details__text"><ol>${c.history.map((/** @type {any} */ h) => html`<li>${h.from ?? ""} → ${h.to} ${h.at} by ${h.by}</li>`)}</ol></div></details>
          </div></div>`)
        : html`<p>No cycles yet.</p>`}`,
    p.title,
  );
}
