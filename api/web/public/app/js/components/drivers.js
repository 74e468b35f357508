// The driver diagram, editable: aim → primary drivers → secondary drivers → change ideas, with
// add, edit and remove on each node. Every change carries the project's version, so two people
// editing one diagram cannot overwrite each other.
import { ApiError, gql } from "../api.js";
import { minutes, words } from "../format.js";
import { announce, html, nothing } from "../view.js";

/**
 * @typedef {{ id: string, parentId: string | null, kind: string, text: string,
 *   predictedEffect: { differenceMinutes: number } | null }} Driver
 */

/** What may hang under a node (the diagram's rule: the API refuses anything else). */
const CHILDREN = /** @type {Record<string, string[]>} */ ({
  AIM: ["PRIMARY_DRIVER"],
  PRIMARY_DRIVER: ["SECONDARY_DRIVER", "CHANGE_IDEA"],
  SECONDARY_DRIVER: ["CHANGE_IDEA"],
  CHANGE_IDEA: [],
});

/** One project's driver diagram editor; its state lives across redraws. */
export class DriverDiagram {
  /** @param {() => Promise<void>} reload fetches the project again and redraws */
  constructor(reload) {
    this.reload = reload;
    /** @type {string | null} the node being edited */
    this.editing = null;
    /** @type {{ parent: string | null, kind: string } | null} where a node is being added */
    this.adding = null;
    this.error = "";
  }

  /** @param {{ id: string, version: number, drivers: Driver[] }} p */
  view(p) {
    return html`<div id="drivers">
      ${this.error ? html`<p class="nhsuk-error-message" role="alert">${this.error}</p>` : nothing}
      ${this.branch(p, null)}
      ${this.adding?.parent === null ? this.addForm(p) : html`<button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button"
        id="add-primary" @click=${() => this.start({ adding: { parent: null, kind: "PRIMARY_DRIVER" } })}>Add a primary driver</button>`}
    </div>`;
  }

  /**
   * @param {{ id: string, version: number, drivers: Driver[] }} p
   * @param {string | null} parent
   * @returns {unknown}
   */
  branch(p, parent) {
    const children = p.drivers.filter((d) => (d.parentId ?? null) === parent);
    if (!children.length) return nothing;
    return html`<ul class="qf-tree">${children.map(
      (d) => html`<li data-driver=${d.id}>
        ${this.editing === d.id
          ? this.editForm(p, d)
          : html`<strong class="nhsuk-tag nhsuk-tag--white">${words(d.kind)}</strong> <span class="qf-driver-text">${d.text}</span>
            ${d.predictedEffect ? html`<span class="nhsuk-body-s">(predicted effect on the lead time: ${d.predictedEffect.differenceMinutes <= 0 ? "−" : "+"}${minutes(Math.abs(d.predictedEffect.differenceMinutes))})</span>` : nothing}
            <span class="qf-actions">
              <button class="qf-link" type="button" @click=${() => this.start({ editing: d.id })}>Edit<span class="nhsuk-u-visually-hidden"> ${d.text}</span></button>
              ${CHILDREN[d.kind].map((kind) => html` · <button class="qf-link" type="button" @click=${() => this.start({ adding: { parent: d.id, kind } })}>Add a ${words(kind)}<span class="nhsuk-u-visually-hidden"> under ${d.text}</span></button>`)}
              · <button class="qf-link" type="button" @click=${() => this.remove(p, d)}>Remove<span class="nhsuk-u-visually-hidden"> ${d.text}</span></button></span>`}
        ${this.branch(p, d.id)}
        ${this.adding?.parent === d.id ? this.addForm(p) : nothing}
      </li>`,
    )}</ul>`;
  }

  /** @param {{ editing?: string, adding?: { parent: string | null, kind: string } }} what */
  start(what) {
    this.editing = what.editing ?? null;
    this.adding = what.adding ?? null;
    this.error = "";
    void this.reload().then(() => document.getElementById("driver-text")?.focus());
  }

  /** @param {{ id: string, version: number }} p */
  addForm(p) {
    const adding = this.adding;
    if (!adding) return nothing;
    /** @param {SubmitEvent} e */
    const submit = (e) => {
      e.preventDefault();
      const text = String(new FormData(/** @type {HTMLFormElement} */ (e.currentTarget)).get("text") ?? "").trim();
      void this.change(`mutation($input: AddDriverInput!) { addDriver(input: $input) { id } }`,
        { input: { projectId: p.id, expectedVersion: p.version, parentId: adding.parent, kind: adding.kind, text } }, `Added the ${words(adding.kind)}.`, text);
    };
    return html`<form class="qf-inline" novalidate @submit=${submit}>
      <div class="nhsuk-form-group"><label class="nhsuk-label" for="driver-text">New ${words(adding.kind)}</label>
        <input class="nhsuk-input nhsuk-input--width-30" id="driver-text" name="text" type="text"></div>
      <button class="nhsuk-button nhsuk-button--small" type="submit">Add</button>
      <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button" @click=${() => this.start({})}>Cancel</button></form>`;
  }

  /** @param {{ id: string, version: number }} p @param {Driver} d */
  editForm(p, d) {
    /** @param {SubmitEvent} e */
    const submit = (e) => {
      e.preventDefault();
      const text = String(new FormData(/** @type {HTMLFormElement} */ (e.currentTarget)).get("text") ?? "").trim();
      void this.change(`mutation($input: UpdateDriverInput!) { updateDriver(input: $input) { id } }`,
        { input: { id: d.id, expectedVersion: p.version, text } }, "Saved.", text);
    };
    return html`<form class="qf-inline" novalidate @submit=${submit}>
      <div class="nhsuk-form-group"><label class="nhsuk-label" for="driver-text">${words(d.kind)}</label>
        <input class="nhsuk-input nhsuk-input--width-30" id="driver-text" name="text" type="text" .value=${d.text}></div>
      <button class="nhsuk-button nhsuk-button--small" type="submit">Save</button>
      <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button" @click=${() => this.start({})}>Cancel</button></form>`;
  }

  /** @param {{ id: string, version: number, drivers: Driver[] }} p @param {Driver} d */
  async remove(p, d) {
    const below = p.drivers.filter((x) => x.parentId === d.id).length;
    const question = below
      ? `Remove "${d.text}" and everything under it (${below} node${below === 1 ? "" : "s"} directly under it)?`
      : `Remove "${d.text}"?`;
    if (!confirm(question)) return;
    await this.change(`mutation($id: ID!, $v: Int!, $all: Boolean!) { removeDriver(id: $id, expectedVersion: $v, withChildren: $all) { id } }`,
      { id: d.id, v: p.version, all: below > 0 }, `Removed "${d.text}".`, "removed");
  }

  /**
   * @param {string} query @param {Record<string, unknown>} variables @param {string} done @param {string} text
   */
  async change(query, variables, done, text) {
    if (!text) {
      this.error = "Enter the driver's words";
      return this.reload();
    }
    try {
      await gql(query, variables);
      this.editing = null;
      this.adding = null;
      this.error = "";
      announce(done);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.error = error.code === "CONFLICT"
        ? "Someone else changed this project since the page loaded: it now shows their change; make yours again."
        : error.message;
    }
    await this.reload();
  }
}
