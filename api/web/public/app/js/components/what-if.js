// The what-if panel: build a list of changes from the pathway itself (steps and transitions are
// picked, never typed), predict their effect through `whatIf`, and save the set as a change idea
// in a project's driver diagram.
import { ApiError, gql } from "../api.js";
import { html, nothing, announce } from "../view.js";
import { minutes, words, UNITS } from "../format.js";
import { headlineTable } from "./headline.js";
import { ANALYSIS_FIELDS } from "../model.js";

/**
 * @typedef {import("../model.js").Pathway} Pathway
 * @typedef {import("../model.js").Analysis} Analysis
 * @typedef {import("../model.js").Organisation} Organisation
 * @typedef {{ kind: string, input: Record<string, unknown>, text: string }} Change
 * @typedef {{ kind: string, title: string, change: string, minutesBefore: number | null, minutesAfter: number | null }} HotspotDifference
 * @typedef {{ baseline: Analysis, changed: Analysis, differences: { hotspots: HotspotDifference[] } }} Prediction
 * @typedef {{ id: string, title: string, version: number, pathwayId: string | null, drivers: { id: string, kind: string, text: string }[] }} ProjectChoice
 */

const KINDS = [
  ["SET_WAIT_MINUTES", "Set the wait on a transition"],
  ["SET_TOUCH_MINUTES", "Set a step's hands-on time"],
  ["REMOVE_STEP", "Remove a step"],
  ["SET_PROBABILITIES", "Set the shares of a step's ways out"],
  ["SET_CAPACITY", "Set a step's capacity"],
  ["MOVE_STEP", "Move a step to another organisation"],
  ["MERGE_DUPLICATE", "Merge a duplicated step into the first"],
];

/** One what-if panel's state, kept across redraws of the page. */
export class WhatIf {
  /** @param {() => void} redraw */
  constructor(redraw) {
    this.redraw = redraw;
    this.kind = "SET_WAIT_MINUTES";
    /** @type {Change[]} */
    this.changes = [];
    /** @type {Prediction | null} */
    this.prediction = null;
    this.error = "";
    /** @type {ProjectChoice[] | null} */
    this.projects = null;
    this.saved = "";
  }

  /**
   * @param {Pathway} p
   * @param {Organisation[]} organisations
   */
  view(p, organisations) {
    const steps = p.steps;
    const stepOptions = steps.map((s) => html`<option value=${s.key}>${s.name} (${s.key})</option>`);
    /** @param {string} id @param {string} label */
    const stepSelect = (id, label) => html`<div class="nhsuk-form-group"><label class="nhsuk-label" for=${id}>${label}</label>
      <select class="nhsuk-select" id=${id} name=${id}>${stepOptions}</select></div>`;
    /** @param {string} id @param {string} label */
    const number = (id, label) => html`<div class="nhsuk-form-group"><label class="nhsuk-label" for=${id}>${label}</label>
      <input class="nhsuk-input nhsuk-input--width-5" id=${id} name=${id} type="number" step="any" min="0" inputmode="decimal"></div>`;
    const unit = html`<div class="nhsuk-form-group"><label class="nhsuk-label" for="whatif-unit">Unit</label>
      <select class="nhsuk-select" id="whatif-unit" name="whatif-unit">${Object.keys(UNITS).map((u) => html`<option value=${u}>${u}</option>`)}</select></div>`;
    const fields = {
      SET_WAIT_MINUTES: html`<div class="nhsuk-form-group"><label class="nhsuk-label" for="whatif-transition">Transition</label>
          <select class="nhsuk-select" id="whatif-transition" name="whatif-transition">
            ${p.transitions.map((t) => html`<option value="${t.from.key}>${t.to.key}">${t.from.name} → ${t.to.name} (${minutes(t.waitMinutes)})</option>`)}
          </select></div>${number("whatif-amount", "New wait")}${unit}`,
      SET_TOUCH_MINUTES: html`${stepSelect("whatif-step", "Step")}${number("whatif-amount", "New hands-on time (minutes)")}`,
      REMOVE_STEP: stepSelect("whatif-step", "Step to remove"),
      SET_PROBABILITIES: html`${stepSelect("whatif-step", "Step with several ways out")}
        <div class="nhsuk-form-group"><label class="nhsuk-label" for="whatif-shares">New shares (%), one per way out in the map's order</label>
        <div class="nhsuk-hint" id="whatif-shares-hint">For example: 80, 20. They must add up to 100.</div>
        <input class="nhsuk-input nhsuk-input--width-10" id="whatif-shares" name="whatif-shares" aria-describedby="whatif-shares-hint"></div>`,
      SET_CAPACITY: html`${stepSelect("whatif-step", "Step")}${number("whatif-amount", "New capacity: patients a day (empty for unlimited)")}`,
      MOVE_STEP: html`${stepSelect("whatif-step", "Step")}<div class="nhsuk-form-group"><label class="nhsuk-label" for="whatif-organisation">To organisation</label>
        <select class="nhsuk-select" id="whatif-organisation" name="whatif-organisation">${organisations.map((o) => html`<option value=${o.odsCode}>${o.name} (${o.odsCode})</option>`)}</select></div>`,
      MERGE_DUPLICATE: html`${stepSelect("whatif-step", "Keep this step")}${stepSelect("whatif-second", "Drop this duplicate")}`,
    };
    const result = this.prediction;
    return html`<section class="nhsuk-card qf-no-print" aria-labelledby="whatif-title"><div class="nhsuk-card__content">
      <h2 class="nhsuk-card__heading" id="whatif-title">What if?</h2>
      <form id="whatif-form" novalidate @submit=${(/** @type {SubmitEvent} */ e) => this.add(e, p)}>
        <div class="nhsuk-form-group"><label class="nhsuk-label" for="whatif-kind">Change</label>
          <select class="nhsuk-select" id="whatif-kind" @change=${(/** @type {Event} */ e) => { this.kind = /** @type {HTMLSelectElement} */ (e.currentTarget).value; this.redraw(); }}>
            ${KINDS.map(([k, text]) => html`<option value=${k} ?selected=${k === this.kind}>${text}</option>`)}
          </select></div>
        <div class="qf-inline">${fields[/** @type {keyof typeof fields} */ (this.kind)]}</div>
        ${this.error ? html`<p class="nhsuk-error-message" role="alert" id="whatif-error">${this.error}</p>` : nothing}
        <div class="qf-toolbar">
          <button class="nhsuk-button nhsuk-button--secondary" type="submit">Add this change</button>
          <button class="nhsuk-button" type="button" id="whatif-predict" ?disabled=${!this.changes.length} @click=${() => this.predict(p)}>Predict</button>
          ${this.changes.length ? html`<button class="nhsuk-button nhsuk-button--secondary" type="button" @click=${() => { this.changes = []; this.prediction = null; this.redraw(); }}>Clear</button>` : nothing}
        </div>
      </form>
      ${this.changes.length
        ? html`<h3 class="nhsuk-heading-s">Changes to try, in order</h3><ol class="nhsuk-list nhsuk-list--number" id="whatif-changes">
            ${this.changes.map((c, i) => html`<li>${c.text} <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button"
              @click=${() => { this.changes.splice(i, 1); this.prediction = null; this.redraw(); }}>Remove<span class="nhsuk-u-visually-hidden"> ${c.text}</span></button></li>`)}
          </ol>`
        : nothing}
      ${result ? this.resultView(result, p) : nothing}
    </div></section>`;
  }

  /** @param {Prediction} r @param {Pathway} p */
  resultView(r, p) {
    const moved = r.differences.hotspots;
    return html`<div id="whatif-result">
      ${headlineTable("Predicted effect", ["Now", "With the changes"], r.baseline, r.changed)}
      <p id="predicted">Predicted lead time: <strong>${minutes(r.changed.expectedLeadTimeMinutes)}</strong>
        (${r.changed.expectedLeadTimeMinutes <= r.baseline.expectedLeadTimeMinutes ? "saves" : "adds"}
        ${minutes(Math.abs(r.baseline.expectedLeadTimeMinutes - r.changed.expectedLeadTimeMinutes))} per patient).</p>
      ${moved.length
        ? html`<h3 class="nhsuk-heading-s">Hotspots that moved</h3><ul>${moved.map((h) => html`<li>${words(h.change)}: ${h.title}
            (${h.minutesBefore == null ? "—" : minutes(h.minutesBefore)} → ${h.minutesAfter == null ? "—" : minutes(h.minutesAfter)})</li>`)}</ul>`
        : html`<p>No hotspot moved.</p>`}
      ${this.saveView(p)}
    </div>`;
  }

  /** @param {Pathway} p */
  saveView(p) {
    if (this.saved) return html`<p class="nhsuk-body" role="status">${this.saved}</p>`;
    if (!this.projects) {
      return html`<button class="nhsuk-button nhsuk-button--secondary" type="button" @click=${() => this.loadProjects(p)}>Save as a change idea…</button>`;
    }
    // A change idea hangs under a primary or secondary driver of a project on this pathway.
    const parents = this.projects
      .filter((x) => x.pathwayId === p.id)
      .flatMap((x) => x.drivers.filter((d) => d.kind !== "CHANGE_IDEA").map((d) => ({ project: x, driver: d })));
    if (!parents.length) {
      return html`<p>No improvement project on this pathway has a driver to put a change idea under yet.</p>`;
    }
    return html`<form id="whatif-save" novalidate @submit=${(/** @type {SubmitEvent} */ e) => this.save(e)}>
      <div class="nhsuk-form-group"><label class="nhsuk-label" for="idea-parent">Under the driver</label>
        <select class="nhsuk-select" id="idea-parent" name="parent">
          ${parents.map(({ project, driver }) => html`<option value="${project.id}|${driver.id}">${project.title}: ${driver.text}</option>`)}
        </select></div>
      <div class="nhsuk-form-group"><label class="nhsuk-label" for="idea-text">Change idea</label>
        <input class="nhsuk-input" id="idea-text" name="text" .value=${this.changes.map((c) => c.text).join("; ")}></div>
      <button class="nhsuk-button" type="submit">Save change idea</button>
    </form>`;
  }

  /** @param {SubmitEvent} event @param {Pathway} p */
  add(event, p) {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget));
    const get = (/** @type {string} */ k) => String(form.get(k) ?? "").trim();
    const name = (/** @type {string} */ key) => p.steps.find((s) => s.key === key)?.name ?? key;
    const amount = get("whatif-amount");
    const value = Number(amount);
    this.error = "";
    /** @type {Change | null} */
    let change = null;
    const needNumber = () => {
      if (!amount || !(value >= 0)) this.error = "Enter a number of 0 or more";
      return !this.error;
    };
    switch (this.kind) {
      case "SET_WAIT_MINUTES": {
        const [from, to] = get("whatif-transition").split(">");
        const m = value * (UNITS[/** @type {keyof typeof UNITS} */ (get("whatif-unit"))] ?? 1);
        if (needNumber()) change = { kind: this.kind, input: { setWaitMinutes: { from, to, minutes: m } }, text: `Wait ${name(from)} → ${name(to)}: ${minutes(m)}` };
        break;
      }
      case "SET_TOUCH_MINUTES":
        if (needNumber()) change = { kind: this.kind, input: { setTouchMinutes: { step: get("whatif-step"), minutes: value } }, text: `Hands-on time at ${name(get("whatif-step"))}: ${minutes(value)}` };
        break;
      case "REMOVE_STEP":
        change = { kind: this.kind, input: { removeStep: { step: get("whatif-step") } }, text: `Remove ${name(get("whatif-step"))}` };
        break;
      case "SET_CAPACITY":
        if (!amount || needNumber()) change = { kind: this.kind, input: { setCapacity: { step: get("whatif-step"), capacityPerDay: amount ? value : null } },
          text: `Capacity at ${name(get("whatif-step"))}: ${amount ? `${value} a day` : "unlimited"}` };
        break;
      case "MOVE_STEP":
        change = { kind: this.kind, input: { moveStep: { step: get("whatif-step"), organisation: get("whatif-organisation") } }, text: `Move ${name(get("whatif-step"))} to ${get("whatif-organisation")}` };
        break;
      case "MERGE_DUPLICATE":
        change = { kind: this.kind, input: { mergeDuplicate: { first: get("whatif-step"), second: get("whatif-second") } }, text: `Merge ${name(get("whatif-second"))} into ${name(get("whatif-step"))}` };
        break;
      case "SET_PROBABILITIES": {
        const step = get("whatif-step");
        const exits = p.transitions.filter((t) => t.from.key === step);
        const shares = get("whatif-shares").split(/[,\s]+/).filter(Boolean).map(Number);
        if (exits.length < 2) this.error = `${name(step)} has only one way out`;
        else if (shares.length !== exits.length || shares.some((x) => !(x >= 0))) this.error = `Give ${exits.length} shares, one for each way out of ${name(step)}`;
        else change = { kind: this.kind, input: { setProbabilities: { step, probabilities: exits.map((t, i) => ({ to: t.to.key, probability: shares[i] / 100 })) } },
          text: `Shares out of ${name(step)}: ${exits.map((t, i) => `${t.to.name} ${shares[i]}%`).join(", ")}` };
        break;
      }
    }
    if (change) {
      this.changes.push(change);
      this.prediction = null;
      this.saved = "";
      announce(`Added: ${change.text}`);
    }
    this.redraw();
  }

  /** @param {Pathway} p */
  async predict(p) {
    this.error = "";
    try {
      /** @type {{ whatIf: Prediction }} */
      const r = await gql(`query($id: ID!, $c: [ChangeInput!]!) { whatIf(pathwayId: $id, changes: $c) {
          baseline { ${ANALYSIS_FIELDS} } changed { ${ANALYSIS_FIELDS} }
          differences { hotspots { kind title change minutesBefore minutesAfter } } } }`, { id: p.id, c: this.changes.map((c) => c.input) });
      this.prediction = r.whatIf;
      announce(`Predicted lead time ${minutes(r.whatIf.changed.expectedLeadTimeMinutes)}`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.error = error.message;
    }
    this.redraw();
  }

  /** @param {Pathway} _p */
  async loadProjects(_p) {
    /** @type {{ projects: { nodes: ProjectChoice[] } }} */
    const r = await gql(`{ projects(first: 100) { nodes { id title version pathwayId drivers { id kind text } } } }`);
    this.projects = r.projects.nodes;
    this.redraw();
  }

  /** @param {SubmitEvent} event */
  async save(event) {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget));
    const [projectId, parentId] = String(form.get("parent") ?? "").split("|");
    const project = this.projects?.find((x) => x.id === projectId);
    if (!project) return;
    try {
      await gql(`mutation($input: AddDriverInput!) { addDriver(input: $input) { id } }`, {
        input: { projectId: project.id, expectedVersion: project.version, parentId,
          kind: "CHANGE_IDEA", text: String(form.get("text") ?? "").trim() || "Change idea", changes: this.changes.map((c) => c.input) },
      });
      this.saved = `Saved as a change idea in ${project.title}.`;
      announce(this.saved);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.error = error.message;
    }
    this.redraw();
  }
}
