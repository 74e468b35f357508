// Two versions of a pathway side by side: what was added, removed and changed, and the headline
// figures of each (from `Pathway.compare`).
import { ApiError, gql } from "../api.js";
import { html } from "../view.js";
import { minutes, percent } from "../format.js";

/**
 * @typedef {{ from: string, to: string }} Ref
 * @typedef {{ field: string, before: unknown, after: unknown }} FieldChange
 * @typedef {{ expectedLeadTimeMinutes: number, valueAddedMinutes: number, flowEfficiency: number, expectedHandoffs: number,
 *   expectedCrossOrganisationHandoffs: number }} Headline
 * @typedef {{ stepsAdded: string[], stepsRemoved: string[], stepsChanged: { key: string, changes: FieldChange[] }[],
 *   transitionsAdded: Ref[], transitionsRemoved: Ref[], transitionsChanged: (Ref & { changes: FieldChange[] })[],
 *   before: Headline, after: Headline }} Comparison
 */

const HEADLINE = "expectedLeadTimeMinutes valueAddedMinutes flowEfficiency expectedHandoffs expectedCrossOrganisationHandoffs";

/**
 * Compares the older of the two (by revision) against the newer.
 * @param {{ id: string, revision: number, versions: { nodes: { id: string, revision: number }[] } }} p
 * @param {string} otherId
 */
export async function compareView(p, otherId) {
  const other = p.versions.nodes.find((v) => v.id === otherId);
  const [before, after] = other && other.revision < p.revision ? [otherId, p.id] : [p.id, otherId];
  /** @type {Comparison} */
  let c;
  try {
    /** @type {{ pathway: { compare: Comparison } }} */
    const r = await gql(`query($a: ID!, $b: ID!) { pathway(id: $a) { compare(with: $b) {
        stepsAdded stepsRemoved stepsChanged { key changes { field before after } }
        transitionsAdded { from to } transitionsRemoved { from to } transitionsChanged { from to changes { field before after } }
        before { ${HEADLINE} } after { ${HEADLINE} } } } }`, { a: before, b: after });
    c = r.pathway.compare;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return html`<p class="nhsuk-error-message" role="alert">${error.message}</p>`;
  }
  const say = (/** @type {unknown} */ v) => (v == null ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v));
  const changes = (/** @type {FieldChange[]} */ list) => list.map((x) => `${x.field}: ${say(x.before)} → ${say(x.after)}`).join("; ");
  const row = (/** @type {string} */ label, /** @type {(h: Headline) => number} */ get, /** @type {(x: number) => string} */ fmt) =>
    html`<tr><th scope="row">${label}</th><td>${fmt(get(c.before))}</td><td>${fmt(get(c.after))}</td></tr>`;
  const edge = (/** @type {Ref} */ t) => `${t.from} → ${t.to}`;
  return html`<div id="comparison">
    <table class="nhsuk-table"><caption class="nhsuk-table__caption nhsuk-table__caption--s">Headline figures, earlier and later</caption>
      <thead class="nhsuk-table__head"><tr><th scope="col">Figure</th><th scope="col">Earlier</th><th scope="col">Later</th></tr></thead>
      <tbody class="nhsuk-table__body">
        ${row("Expected lead time", (h) => h.expectedLeadTimeMinutes, minutes)}
        ${row("Value-added time", (h) => h.valueAddedMinutes, minutes)}
        ${row("Flow efficiency", (h) => h.flowEfficiency, percent)}
        ${row("Hand-offs per patient", (h) => h.expectedHandoffs, (x) => x.toFixed(1))}
        ${row("Across organisations", (h) => h.expectedCrossOrganisationHandoffs, (x) => x.toFixed(1))}
      </tbody></table>
    <dl class="nhsuk-summary-list">
      <div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">Steps added</dt><dd class="nhsuk-summary-list__value">${c.stepsAdded.join(", ") || "none"}</dd></div>
      <div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">Steps removed</dt><dd class="nhsuk-summary-list__value">${c.stepsRemoved.join(", ") || "none"}</dd></div>
      <div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">Steps changed</dt><dd class="nhsuk-summary-list__value">
        ${c.stepsChanged.length ? html`<ul>${c.stepsChanged.map((s) => html`<li>${s.key}: ${changes(s.changes)}</li>`)}</ul>` : "none"}</dd></div>
      <div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">Transitions added</dt><dd class="nhsuk-summary-list__value">${c.transitionsAdded.map(edge).join(", ") || "none"}</dd></div>
      <div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">Transitions removed</dt><dd class="nhsuk-summary-list__value">${c.transitionsRemoved.map(edge).join(", ") || "none"}</dd></div>
      <div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">Transitions changed</dt><dd class="nhsuk-summary-list__value">
        ${c.transitionsChanged.length ? html`<ul>${c.transitionsChanged.map((t) => html`<li>${edge(t)}: ${changes(t.changes)}</li>`)}</ul>` : "none"}</dd></div>
    </dl></div>`;
}
