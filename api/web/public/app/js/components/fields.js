// Form fields in the NHS design system's markup, with their errors: one place, so every form
// labels, hints and reports problems the same way (the label names the field; the error says
// what is wrong and how to fix it, and is linked from the error summary by the field's id).
// Values are bound as properties, which lit-html sets only when the value given changes: what
// the user has typed survives a redraw (errors shown, an organisation added).
import { html, nothing } from "../view.js";

/** @typedef {{ field: string, message: string }} FieldProblem */

/**
 * The messages about one field (matched on the last part of the API's field path, so
 * `input.touchMinutes` and `touchMinutes` both reach the touch-time box).
 * @param {FieldProblem[]} problems
 * @param {string} name
 */
export const fieldErrors = (problems, name) =>
  problems.filter((p) => (p.field.split(".").pop() ?? "") === name).map((p) => p.message);

/**
 * A control's label, hint and error message.
 * @param {string} id @param {string} label @param {string | undefined} hint @param {string[]} errors
 */
const labelled = (id, label, hint, errors) => html`<label class="nhsuk-label" for=${id}>${label}</label>
  ${hint ? html`<div class="nhsuk-hint" id="${id}-hint">${hint}</div>` : nothing}
  ${errors.length
    ? html`<span class="nhsuk-error-message" id="${id}-error"><span class="nhsuk-u-visually-hidden">Error:</span> ${errors.join("; ")}</span>`
    : nothing}`;

/**
 * What describes a control: its hint and its error, when it has them.
 * @param {string} id @param {string | undefined} hint @param {string[]} errors
 */
const describedBy = (id, hint, errors) =>
  [hint ? `${id}-hint` : "", errors.length ? `${id}-error` : ""].filter(Boolean).join(" ") || nothing;

/**
 * A labelled text or number input.
 * @param {{ id: string, name: string, label: string, hint?: string, type?: string, value?: string | number | null,
 *   problems?: FieldProblem[], width?: string, step?: string, required?: boolean }} options
 */
export function field({ id, name, label, hint, type = "text", value = "", problems = [], width = "", step = "any", required = false }) {
  const errors = fieldErrors(problems, name);
  return html`<div class="nhsuk-form-group ${errors.length ? "nhsuk-form-group--error" : ""}">
    ${labelled(id, label, hint, errors)}
    <input class="nhsuk-input ${width} ${errors.length ? "nhsuk-input--error" : ""}" id=${id} name=${name} type=${type}
      step=${type === "number" ? step : nothing} inputmode=${type === "number" ? "decimal" : nothing}
      ?required=${required} aria-describedby=${describedBy(id, hint, errors)} .value=${value == null ? "" : String(value)}>
  </div>`;
}

/**
 * A labelled select.
 * @param {{ id: string, name: string, label: string, hint?: string, value?: string, problems?: FieldProblem[],
 *   options: { value: string, text: string }[] }} options
 */
export function select({ id, name, label, hint, value = "", problems = [], options }) {
  const errors = fieldErrors(problems, name);
  return html`<div class="nhsuk-form-group ${errors.length ? "nhsuk-form-group--error" : ""}">
    ${labelled(id, label, hint, errors)}
    <select class="nhsuk-select ${errors.length ? "nhsuk-select--error" : ""}" id=${id} name=${name}
      aria-describedby=${describedBy(id, hint, errors)}>
      ${options.map((o) => html`<option value=${o.value} ?selected=${o.value === value}>${o.text}</option>`)}
    </select>
  </div>`;
}

/**
 * A group of small checkboxes (several values of one field).
 * @param {{ id: string, name: string, legend: string, values: string[], options: { value: string, text: string }[] }} options
 */
export function checkboxes({ id, name, legend, values, options }) {
  return html`<div class="nhsuk-form-group"><fieldset class="nhsuk-fieldset" id=${id}>
    <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">${legend}</legend>
    <div class="nhsuk-checkboxes nhsuk-checkboxes--small">
      ${options.map(
        (o) => html`<div class="nhsuk-checkboxes__item">
          <input class="nhsuk-checkboxes__input" id="${id}-${o.value}" name=${name} type="checkbox" value=${o.value}
            .checked=${values.includes(o.value)}>
          <label class="nhsuk-label nhsuk-checkboxes__label" for="${id}-${o.value}">${o.text}</label>
        </div>`,
      )}
    </div></fieldset></div>`;
}
