// The board's icon table: each measure's latest point with its variation and assurance icons (as
// NHS England's Making Data Count names them) and its target. One table for a project's measures
// at a glance and for the measures across an ICS, grouped by organisation.
import { html, nothing } from "../view.js";
import { words } from "../format.js";

/**
 * @typedef {{ measureId: string, name: string, latestDate: string | null, latestValue: number | null,
 *   variation: string | null, assurance: string | null, target: number | null }} MeasureSummary
 * @typedef {{ project?: { id: string, title: string }, summary: MeasureSummary }} IconRow
 */

/** The fields of `ImprovementProject.summary` the table shows. */
export const SUMMARY_FIELDS = "measureId name latestDate latestValue variation assurance target";

/**
 * @param {string} id the table's id
 * @param {string} caption
 * @param {IconRow[]} rows with a project column when any row names its project
 */
export function iconTable(id, caption, rows) {
  const projects = rows.some((r) => r.project);
  return html`<table class="nhsuk-table" id=${id}><caption class="nhsuk-table__caption nhsuk-table__caption--m">${caption}</caption>
    <thead class="nhsuk-table__head"><tr>${projects ? html`<th scope="col">Project</th>` : nothing}<th scope="col">Measure</th><th scope="col">Latest</th>
      <th scope="col">Variation</th><th scope="col">Assurance</th><th scope="col">Target</th></tr></thead>
    <tbody class="nhsuk-table__body">${rows.map(
      ({ project, summary: s }) => html`<tr data-measure=${s.name}>${projects
          ? html`<td>${project ? html`<a href="#/project/${project.id}">${project.title}</a>` : nothing}</td>`
          : nothing}<td>${s.name}</td>
        <td>${s.latestValue == null ? "—" : `${Number(s.latestValue).toFixed(1)} (${s.latestDate})`}</td>
        <td>${words(s.variation)}</td><td>${words(s.assurance)}</td><td>${s.target ?? "—"}</td></tr>`,
    )}</tbody></table>`;
}
