// Two versions of a pathway side by side: what was added, removed and changed, and the headline
// figures of each (from `Pathway.compare`).
import { ApiError, gql } from "../api.js";
import { html } from "../view.js";
import { HEADLINE_FIELDS, headlineTable } from "./headline.js";

/**
 * @typedef {{ from: string, to: string }} Ref
 * @typedef {{ field: string, before: unknown, after: unknown }} FieldChange
 * @typedef {import("./headline.js").Headline} Headline
 * @typedef {{ stepsAdded: string[], stepsRemoved: string[], stepsChanged: { key: string, changes: FieldChange[] }[],
 *   transitionsAdded: Ref[], transitionsRemoved: Ref[], transitionsChanged: (Ref & { changes: FieldChange[] })[],
 *   before: Headline, after: Headline }} Comparison
 */


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
        before { ${HEADLINE_FIELDS} } after { ${HEADLINE_FIELDS} } } } }`, { a: before, b: after });
    c = r.pathway.compare;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return html`<p class="nhsuk-error-message" role="alert">${error.message}</p>`;
  }
  const say = (/** @type {unknown} */ v) => (v == null ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v));
  const changes = (/** @type {FieldChange[]} */ list) => list.map((x) => `${x.field}: ${say(x.before)} → ${say(x.after)}`).join("; ");
  const edge = (/** @type {Ref} */ t) => `${t.from} → ${t.to}`;
  return html`<div id="comparison">
    ${headlineTable("Headline figures, earlier and later", ["Earlier", "Later"], c.before, c.after)}
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
