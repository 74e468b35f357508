// The form for one transition of a draft pathway: where patients go next, how many of them
// (as a percentage), how long they wait and how they are handed over.
import { html, nothing } from "../view.js";
import { field, select } from "./fields.js";
import { HANDOFFS } from "../model.js";
import { UNITS, unitFor, words } from "../format.js";

/**
 * @typedef {import("../model.js").Step} Step
 * @typedef {import("../model.js").Transition} Transition
 * @typedef {import("./fields.js").FieldProblem} FieldProblem
 */

/**
 * Reads a transition form into `addTransition`/`updateTransition` fields (probability 0-1, wait in
 * minutes), or lists what is wrong with it.
 * @param {HTMLFormElement} form
 * @returns {{ input: { from: string, to: string, probability: number | null, waitMinutes: number, handoff: string },
 *   problems: FieldProblem[] }}
 */
export function readTransition(form) {
  const data = new FormData(form);
  const text = (/** @type {string} */ k) => String(data.get(k) ?? "").trim();
  /** @type {FieldProblem[]} */
  const problems = [];
  const share = text("probability");
  const percent = share ? Number(share) : null;
  if (percent !== null && !(percent >= 0 && percent <= 100)) {
    problems.push({ field: "probability", message: "The share of patients must be a number from 0 to 100" });
  }
  const wait = Number(text("wait") || "0");
  if (!(wait >= 0)) problems.push({ field: "wait", message: "The wait must be a number of 0 or more" });
  const unit = /** @type {keyof typeof UNITS} */ (text("unit") || "minutes");
  return {
    input: {
      from: text("from"),
      to: text("to"),
      probability: percent === null ? null : percent / 100,
      waitMinutes: wait * (UNITS[unit] ?? 1),
      handoff: text("handoff"),
    },
    problems,
  };
}

/**
 * @param {{ transition: Transition | null, steps: Step[], problems: FieldProblem[], busy: boolean,
 *   onSubmit: (event: SubmitEvent) => void, onRemove: () => void, onCancel: () => void }} options
 */
export function transitionForm({ transition, steps, problems, busy, onSubmit, onRemove, onCancel }) {
  const options = steps.map((s) => ({ value: s.id, text: `${s.name} (${s.key})` }));
  const unit = unitFor(transition?.waitMinutes ?? 0);
  const amount = (transition?.waitMinutes ?? 0) / UNITS[unit];
  return html`<form id="transition-form" novalidate @submit=${onSubmit} aria-labelledby="transition-form-title">
    <h2 id="transition-form-title" class="nhsuk-heading-m" tabindex="-1">
      ${transition ? `Edit transition: ${transition.from.name} → ${transition.to.name}` : "Add a transition"}</h2>
    ${transition
      ? html`<input type="hidden" name="from" value=${transition.from.id}><input type="hidden" name="to" value=${transition.to.id}>`
      : html`${select({ id: "transition-from", name: "from", label: "From step", options, problems })}
          ${select({ id: "transition-to", name: "to", label: "To step", options, value: steps[1]?.id, problems })}`}
    ${field({ id: "transition-probability", name: "probability", label: "Share of patients taking it (%)", type: "number",
      hint: "Needed when a step has more than one way out; leave empty when it has one",
      value: transition?.probability == null ? "" : +(transition.probability * 100).toFixed(6), problems, width: "nhsuk-input--width-5" })}
    <div class="qf-inline">
      ${field({ id: "transition-wait", name: "wait", label: "Wait before the next step", type: "number", value: +amount.toFixed(6), problems, width: "nhsuk-input--width-5" })}
      ${select({ id: "transition-unit", name: "unit", label: "Unit", value: unit, options: Object.keys(UNITS).map((u) => ({ value: u, text: u })) })}
    </div>
    ${select({ id: "transition-handoff", name: "handoff", label: "Hand-off", value: transition?.handoff ?? "INTERNAL", problems,
      options: HANDOFFS.map((h) => ({ value: h, text: words(h) })) })}
    <div class="qf-toolbar">
      <button class="nhsuk-button" type="submit" ?disabled=${busy}>${transition ? "Save transition" : "Add transition"}</button>
      ${transition ? html`<button class="nhsuk-button nhsuk-button--warning" type="button" ?disabled=${busy} @click=${onRemove}>Remove transition</button>` : nothing}
      <button class="nhsuk-button nhsuk-button--secondary" type="button" @click=${onCancel}>Cancel</button>
    </div>
  </form>`;
}
