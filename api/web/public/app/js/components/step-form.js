// The form for one step of a draft pathway (a new one, or one picked from the list or the map).
import { html, nothing } from "../view.js";
import { checkboxes, field, select } from "./fields.js";
import { STEP_KINDS, VALUE_CLASSES, WASTES } from "../model.js";
import { words } from "../format.js";

/**
 * @typedef {import("../model.js").Step} Step
 * @typedef {import("../model.js").Organisation} Organisation
 * @typedef {import("./fields.js").FieldProblem} FieldProblem
 */

/**
 * Reads a step form into the fields `addStep`/`updateStep` take, or lists what is wrong with it
 * (named by field, before anything is sent).
 * @param {HTMLFormElement} form
 * @returns {{ input: Record<string, unknown>, problems: FieldProblem[] }}
 */
export function readStep(form) {
  const data = new FormData(form);
  const text = (/** @type {string} */ k) => String(data.get(k) ?? "").trim();
  /** @type {FieldProblem[]} */
  const problems = [];
  /**
   * @param {string} k @param {string} label @param {number} min @param {number} [max]
   * @returns {number | null}
   */
  const number = (k, label, min, max) => {
    const raw = text(k);
    if (!raw) return null;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || (max !== undefined && value > max)) {
      problems.push({ field: k, message: `${label} must be a number ${max === undefined ? `of ${min} or more` : `from ${min} to ${max}`}` });
    }
    return value;
  };
  if (!text("key")) problems.push({ field: "key", message: "Enter a short key for the step, such as CT_SCAN" });
  if (!text("name")) problems.push({ field: "name", message: "Enter the step's name" });
  const input = {
    key: text("key"),
    name: text("name"),
    kind: text("kind"),
    organisation: text("organisation"),
    site: text("site") || null,
    activityCode: text("activityCode") || null,
    touchMinutes: number("touchMinutes", "Hands-on time", 0) ?? 0,
    valueClass: text("valueClass"),
    wasteKinds: data.getAll("wasteKinds").map(String),
    dataItems: text("dataItems").split(",").map((s) => s.trim()).filter(Boolean),
    capacityPerDay: number("capacityPerDay", "Capacity a day", 0),
    percentCompleteAccurate: number("percentCompleteAccurate", "%C&A", 0, 100),
  };
  return { input, problems };
}

/** The kinds of organisation the directory knows. */
const ORGANISATION_KINDS = ["ACUTE_TRUST", "AMBULANCE_TRUST", "COMMUNITY_TRUST", "MENTAL_HEALTH_TRUST", "PRIMARY_CARE",
  "SOCIAL_CARE", "INTEGRATED_CARE_BOARD", "OTHER"];

/**
 * "Organisation not listed?": adds one to the directory without leaving the step form (a
 * button, not a form: forms cannot nest).
 * @param {(input: { odsCode: string, name: string, kind: string }) => void} onAdd
 * @param {FieldProblem[]} problems
 */
const newOrganisation = (onAdd, problems) => {
  const read = () => {
    const value = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (document.getElementById(id)).value.trim();
    onAdd({ odsCode: value("new-org-odsCode").toUpperCase(), name: value("new-org-name"), kind: value("new-org-kind") });
  };
  return html`<details class="nhsuk-details" ?open=${problems.some((p) => p.field.startsWith("new-org-"))}>
    <summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">Organisation not listed?</span></summary>
    <div class="nhsuk-details__text">
      ${field({ id: "new-org-odsCode", name: "new-org-odsCode", label: "ODS code", hint: "For example RX8, or X99001 for a practice", problems, width: "nhsuk-input--width-10" })}
      ${field({ id: "new-org-name", name: "new-org-name", label: "Name", problems })}
      ${select({ id: "new-org-kind", name: "new-org-kind", label: "Kind", value: "ACUTE_TRUST", problems,
        options: ORGANISATION_KINDS.map((k) => ({ value: k, text: words(k) })) })}
      <button class="nhsuk-button nhsuk-button--secondary" type="button" id="add-organisation" @click=${read}>Add organisation</button>
    </div></details>`;
};

/**
 * @param {{ step: Step | null, organisations: Organisation[], problems: FieldProblem[], busy: boolean, chosen?: string,
 *   onSubmit: (event: SubmitEvent) => void, onRemove: () => void, onCancel: () => void,
 *   onAddOrganisation: (input: { odsCode: string, name: string, kind: string }) => void }} options
 */
export function stepForm({ step, organisations, problems, busy, chosen, onSubmit, onRemove, onCancel, onAddOrganisation }) {
  const id = (/** @type {string} */ name) => `step-${name}`;
  return html`<form id="step-form" novalidate @submit=${onSubmit} aria-labelledby="step-form-title">
    <h2 id="step-form-title" class="nhsuk-heading-m" tabindex="-1">${step ? `Edit step: ${step.name}` : "Add a step"}</h2>
    ${field({ id: id("name"), name: "name", label: "Name", value: step?.name, problems })}
    ${field({ id: id("key"), name: "key", label: "Key", hint: "A short code other steps and changes refer to, such as CT_SCAN", value: step?.key, problems, width: "nhsuk-input--width-20" })}
    ${select({ id: id("kind"), name: "kind", label: "Kind", value: step?.kind ?? "ACTIVITY", problems,
      options: STEP_KINDS.map((k) => ({ value: k, text: words(k) })) })}
    ${select({ id: id("organisation"), name: "organisation", label: "Organisation", value: chosen ?? step?.organisation.odsCode ?? organisations[0]?.odsCode, problems,
      options: organisations.map((o) => ({ value: o.odsCode, text: `${o.name} (${o.odsCode})` })) })}
    ${newOrganisation(onAddOrganisation, problems)}
    ${field({ id: id("site"), name: "site", label: "Site (optional)", value: step?.site, problems })}
    ${field({ id: id("activityCode"), name: "activityCode", label: "Activity code (optional)", hint: "The activity this step is called in event logs", value: step?.activityCode, problems })}
    ${field({ id: id("touchMinutes"), name: "touchMinutes", label: "Hands-on time (minutes)", type: "number", value: step?.touchMinutes ?? 0, problems, width: "nhsuk-input--width-5" })}
    ${select({ id: id("valueClass"), name: "valueClass", label: "Value to the patient", value: step?.valueClass ?? "NECESSARY", problems,
      options: VALUE_CLASSES.map((k) => ({ value: k, text: words(k) })) })}
    ${checkboxes({ id: id("wasteKinds"), name: "wasteKinds", legend: "Lean wastes seen here", values: step?.wasteKinds ?? [],
      options: WASTES.map((k) => ({ value: k, text: words(k) })) })}
    ${field({ id: id("dataItems"), name: "dataItems", label: "Data items captured (optional)", hint: "Separate them with commas, such as NEWS2, NIHSS", value: step?.dataItems.join(", "), problems })}
    ${field({ id: id("capacityPerDay"), name: "capacityPerDay", label: "Capacity: patients a day (optional)", hint: "Leave empty for unlimited", type: "number", value: step?.capacityPerDay, problems, width: "nhsuk-input--width-5" })}
    ${field({ id: id("percentCompleteAccurate"), name: "percentCompleteAccurate", label: "%C&A of the work it receives (optional)", hint: "Percent complete and accurate, 0 to 100", type: "number", value: step?.percentCompleteAccurate, problems, width: "nhsuk-input--width-5" })}
    <div class="qf-toolbar">
      <button class="nhsuk-button" type="submit" ?disabled=${busy}>${step ? "Save step" : "Add step"}</button>
      ${step ? html`<button class="nhsuk-button nhsuk-button--warning" type="button" ?disabled=${busy} @click=${onRemove}>Remove step</button>` : nothing}
      <button class="nhsuk-button nhsuk-button--secondary" type="button" @click=${onCancel}>Cancel</button>
    </div>
  </form>`;
}
