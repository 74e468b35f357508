// Event logs, as they stand: discovery, the discovered map and conformance with the pathway
// map. (Bringing logs in from the browser is issue 18.)
import { gql } from "../api.js";
import { minutes, percent } from "../format.js";
import { html, nothing, picture, show } from "../view.js";

/** @type {import("../router.js").Page} */
export async function logs() {
  /** @type {{ eventLogs: { nodes: { id: string, name: string, eventCount: number, caseCount: number, pathway: { name: string } | null }[] } }} */
  const data = await gql("{ eventLogs(first: 100) { nodes { id name eventCount caseCount pathway { name } } } }");
  show(
    html`<h1>Event logs</h1><table class="nhsuk-table"><thead class="nhsuk-table__head"><tr><th scope="col">Log</th><th scope="col">Events</th>
      <th scope="col">Cases</th><th scope="col">Pathway</th></tr></thead>
      <tbody class="nhsuk-table__body">${data.eventLogs.nodes.map(
        (l) => html`<tr><td><a href="#/log/${l.id}">${l.name}</a></td><td>${l.eventCount}</td><td>${l.caseCount}</td><td>${l.pathway?.name ?? "—"}</td></tr>`,
      )}</tbody></table>`,
    "Event logs",
  );
}

/** @type {import("../router.js").Page} */
export async function log([id]) {
  /** @type {{ eventLog: any }} */
  const { eventLog: l } = await gql(`query($id: ID!) { eventLog(id: $id) { name eventCount caseCount pathway { id }
      discovery(topVariants: 5) { variantCount caseDuration { medianSeconds p90Seconds } }
      mapSvg(minCount: 20) } }`, { id });
  /** @type {any} */
  let c = null;
  if (l.pathway) {
    c = (/** @type {{ eventLog: { conformance: any } }} */ (await gql(`query($id: ID!) { eventLog(id: $id) { conformance { fitness fittingCaseShare
        unknownActivities { activity cases } skippedSteps { step name cases } missingTransitions { from to count } } } }`, { id }))).eventLog.conformance;
  }
  const d = l.discovery;
  show(
    html`<a class="nhsuk-back-link" href="#/logs">Back to event logs</a><h1>${l.name}</h1>
      <div class="qf-figures"><div class="qf-figure">Events<b>${l.eventCount}</b></div><div class="qf-figure">Cases<b>${l.caseCount}</b></div>
        <div class="qf-figure">Variants<b>${d.variantCount}</b></div>
        <div class="qf-figure">Median case duration<b>${d.caseDuration ? minutes(d.caseDuration.medianSeconds / 60) : "—"}</b></div></div>
      <h2>Discovered process map</h2><div class="qf-picture" tabindex="0" role="img" aria-label="Discovered process map">${picture(l.mapSvg)}</div>
      ${c
        ? html`<h2>Against the pathway map</h2><div class="qf-figures">
            <div class="qf-figure">Moves the map allows<b>${percent(c.fitness)}</b></div><div class="qf-figure">Cases that fit entirely<b>${percent(c.fittingCaseShare)}</b></div></div>
            <h3>Activities the map does not know</h3><ul>${c.unknownActivities.length ? c.unknownActivities.map((/** @type {any} */ u) => html`<li>${u.activity}: ${u.cases} cases</li>`) : html`<li>none</li>`}</ul>
            <h3>Steps skipped</h3><ul>${c.skippedSteps.length ? c.skippedSteps.map((/** @type {any} */ s) => html`<li>${s.name}: ${s.cases} cases</li>`) : html`<li>none</li>`}</ul>
            <h3>Moves missing from the map</h3><ul>${c.missingTransitions.length ? c.missingTransitions.map((/** @type {any} */ m) => html`<li>${m.from} → ${m.to}: ${m.count}</li>`) : html`<li>none</li>`}</ul>`
        : nothing}`,
    l.name,
  );
}
