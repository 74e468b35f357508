// The ramp of PDSA cycles as a timeline: each ramp (a first cycle and the cycles that adapted it,
// linked by `previousCycleId`) is a row of cycles in order, each with its stage, dates and
// decision, so a team sees at a glance how a change idea grew from a small test to adoption.
import { html, nothing } from "../view.js";
import { words } from "../format.js";

/**
 * @typedef {{ id: string, changeIdea: string, stage: string, previousCycleId: string | null,
 *   plannedStart: string | null, plannedEnd: string | null, actualStart: string | null, actualEnd: string | null,
 *   decision: string | null }} RampCycle
 */

/**
 * The cycles grouped into ramps, each in order from its first cycle; a cycle whose previous
 * cycle is not among them starts a ramp of its own. O(cycles).
 * @param {RampCycle[]} cycles
 * @returns {RampCycle[][]}
 */
export function ramps(cycles) {
  const ids = new Set(cycles.map((c) => c.id));
  /** @type {Map<string, RampCycle[]>} */
  const next = new Map();
  for (const c of cycles) {
    if (c.previousCycleId && ids.has(c.previousCycleId)) {
      next.set(c.previousCycleId, [...(next.get(c.previousCycleId) ?? []), c]);
    }
  }
  return cycles
    .filter((c) => !c.previousCycleId || !ids.has(c.previousCycleId))
    .map((first) => {
      /** @type {RampCycle[]} */
      const ramp = [];
      const seen = new Set();
      /** @type {RampCycle[]} */
      const todo = [first];
      while (todo.length) {
        const c = /** @type {RampCycle} */ (todo.shift());
        if (seen.has(c.id)) continue;
        seen.add(c.id);
        ramp.push(c);
        todo.push(...(next.get(c.id) ?? []));
      }
      return ramp;
    });
}

const TAGS = /** @type {Record<string, string>} */ ({
  PLAN: "nhsuk-tag--grey", DO: "nhsuk-tag--blue", STUDY: "nhsuk-tag--purple", ACT: "nhsuk-tag--orange",
  CLOSED: "nhsuk-tag--green", ABANDONED: "nhsuk-tag--red",
});

/** @param {RampCycle[]} cycles the project's, in the order the page numbers them */
export function rampTimeline(cycles) {
  if (!cycles.length) return nothing;
  const number = new Map(cycles.map((c, i) => [c.id, i + 1]));
  const span = (/** @type {RampCycle} */ c) =>
    c.actualStart ? `ran ${c.actualStart} to ${c.actualEnd ?? "now"}` : `planned ${c.plannedStart ?? "—"} to ${c.plannedEnd ?? "—"}`;
  return html`<div id="ramps">${ramps(cycles).map((ramp) => html`<section class="qf-ramp" aria-label="Ramp of ${ramp[0].changeIdea}">
      <h3 class="nhsuk-heading-s">Ramp: ${ramp[0].changeIdea}</h3>
      <ol class="qf-ramp__cycles">${ramp.map((c) => html`<li class="qf-ramp__cycle" data-cycle=${c.id}>
        <strong>Cycle ${number.get(c.id)}</strong> <strong class="nhsuk-tag ${TAGS[c.stage] ?? ""}">${words(c.stage)}</strong>
        <span class="nhsuk-body-s">${span(c)}</span>
        ${c.decision ? html`<span>Decision: <strong>${words(c.decision)}</strong></span>` : nothing}</li>`)}</ol>
    </section>`)}</div>`;
}
