// The headline figures of two analyses side by side (now and with changes, or an earlier and a
// later version): one table, so what-if and version comparison say the same figures the same way.
import { html } from "../view.js";
import { minutes, percent } from "../format.js";

/**
 * @typedef {{ expectedLeadTimeMinutes: number, valueAddedMinutes: number, flowEfficiency: number,
 *   expectedHandoffs: number, expectedCrossOrganisationHandoffs: number }} Headline
 */

/** The fields a headline table needs from each analysis. */
export const HEADLINE_FIELDS = "expectedLeadTimeMinutes valueAddedMinutes flowEfficiency expectedHandoffs expectedCrossOrganisationHandoffs";

/**
 * @param {string} caption
 * @param {[string, string]} columns what the two analyses are ("Now", "With the changes")
 * @param {Headline} first
 * @param {Headline} second
 */
export function headlineTable(caption, [before, after], first, second) {
  /** @type {[string, (h: Headline) => number, (x: number) => string][]} */
  const rows = [
    ["Expected lead time", (h) => h.expectedLeadTimeMinutes, minutes],
    ["Value-added time", (h) => h.valueAddedMinutes, minutes],
    ["Flow efficiency", (h) => h.flowEfficiency, percent],
    ["Hand-offs per patient", (h) => h.expectedHandoffs, (x) => x.toFixed(1)],
    ["Across organisations", (h) => h.expectedCrossOrganisationHandoffs, (x) => x.toFixed(1)],
  ];
  return html`<table class="nhsuk-table"><caption class="nhsuk-table__caption nhsuk-table__caption--s">${caption}</caption>
    <thead class="nhsuk-table__head"><tr><th scope="col">Figure</th><th scope="col">${before}</th><th scope="col">${after}</th></tr></thead>
    <tbody class="nhsuk-table__body">
      ${rows.map(([label, get, say]) => html`<tr><th scope="row">${label}</th><td>${say(get(first))}</td><td>${say(get(second))}</td></tr>`)}
    </tbody></table>`;
}
