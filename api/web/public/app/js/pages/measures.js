// Every measure the caller can see, across the ICS: one icon table per organisation that owns
// projects, each row naming its project, for a board that wants the whole picture on one page.
import { gql } from "../api.js";
import { html, show } from "../view.js";
import { SUMMARY_FIELDS, iconTable } from "../components/icon-table.js";

/**
 * @typedef {{ id: string, title: string, status: string, owner: { odsCode: string, name: string },
 *   summary: import("../components/icon-table.js").MeasureSummary[] }} ProjectSummary
 */

/** Projects read for the page (the API's page size). */
const PROJECTS = 100;

/** @type {import("../router.js").Page} */
export async function measures() {
  /** @type {{ projects: { nodes: ProjectSummary[], pageInfo: { hasNextPage: boolean } } }} */
  const data = await gql(`{ projects(first: ${PROJECTS}) { nodes { id title status owner { odsCode name } summary { ${SUMMARY_FIELDS} } }
    pageInfo { hasNextPage } } }`);
  /** @type {Map<string, { name: string, odsCode: string, rows: import("../components/icon-table.js").IconRow[] }>} */
  const byOrganisation = new Map();
  for (const p of data.projects.nodes) {
    const group = byOrganisation.get(p.owner.odsCode) ?? { name: p.owner.name, odsCode: p.owner.odsCode, rows: [] };
    group.rows.push(...p.summary.map((summary) => ({ project: { id: p.id, title: p.title }, summary })));
    byOrganisation.set(p.owner.odsCode, group);
  }
  const groups = [...byOrganisation.values()].filter((g) => g.rows.length).sort((a, b) => a.name.localeCompare(b.name));
  show(
    html`<h1>Measures across the system</h1>
      <p>Every measure of the improvement projects you can see, by the organisation that owns the project: the latest point,
        its variation and assurance icons, and the target.</p>
      ${data.projects.pageInfo.hasNextPage ? html`<p class="nhsuk-body-s">Showing the measures of the first ${PROJECTS} projects.</p>` : ""}
      ${groups.length
        ? groups.map((g) => iconTable(`measures-${g.odsCode}`, `${g.name} (${g.odsCode})`, g.rows))
        : html`<p>No measures you can see yet.</p>`}`,
    "Measures across the system",
    { arriving: true },
  );
}
