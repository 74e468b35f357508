// The driver diagram, editable: aim → primary drivers → secondary drivers → change ideas, with
// add, edit, move and remove on each node, and a change idea linked to the pathway hotspot it
// answers, picked from the pathway's analysis. (A change idea's what-if change set is built on
// the pathway's page, from its steps and transitions, and saved into the diagram from there.)
// Every change carries the project's version, so two people editing one diagram cannot
// overwrite each other.
import { ApiError, gql } from "../api.js";
import { minutes, words } from "../format.js";
import { announce, html, nothing } from "../view.js";
import { COMMENT_FIELDS } from "../model.js";
import { correctionView } from "./agreement.js";

/** What a change to a comment that someone changed first says (the discussion then reloads). */
const STALE_COMMENT = "Someone else changed this comment since you read it: it now shows their change; make yours again.";

/**
 * @typedef {{ id: string, parentId: string | null, kind: string, text: string,
 *   hotspot: { kind: string, stepKeys: string[] } | null,
 *   predictedEffect: { differenceMinutes: number } | null,
 *   agreement: { complete: boolean, organisations: { organisation: { odsCode: string, name: string }, state: string }[] } }} Driver
 * @typedef {{ kind: string, title: string, stepKeys: string[] }} Hotspot
 * @typedef {{ family: string, name: string, reason: string, logId: string | null, fromActivity: string, toActivity: string,
 *   statistic: string, period: string, unit: string, direction: string, targetMinutes: number | null }} Suggestion
 * @typedef {{ id: string, version: number, pathwayId?: string | null, drivers: Driver[] }} Diagram
 */

/** The fields of a project's drivers this component needs from the page's query. */
export const DRIVER_FIELDS = "id parentId kind text hotspot { kind stepKeys } predictedEffect { differenceMinutes } agreement { complete organisations { organisation { odsCode name } state } }";

/** A hotspot's identity as the API takes it back. @param {{ kind: string, stepKeys: string[] }} h */
const hotspotKey = (h) => `${h.kind}|${h.stepKeys.join(",")}`;

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
    /** @type {Hotspot[] | null} the pathway's hotspots, read when a change idea is first edited */
    this.hotspots = null;
    /** @type {Map<string, Suggestion[]>} the measures suggested for each change idea asked about */
    this.suggestions = new Map();
    /** @type {Map<string, import("../model.js").Comment[]>} the discussion of each change idea opened */
    this.comments = new Map();
  }

  /** @param {Diagram} p */
  view(p) {
    return html`<div id="drivers">
      ${this.error ? html`<p class="nhsuk-error-message" role="alert">${this.error}</p>` : nothing}
      ${this.branch(p, null)}
      ${this.adding?.parent === null ? this.addForm(p) : html`<button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button"
        id="add-primary" @click=${() => this.start({ adding: { parent: null, kind: "PRIMARY_DRIVER" } })}>Add a primary driver</button>`}
    </div>`;
  }

  /**
   * @param {Diagram} p
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
            ${d.hotspot ? html`<span class="nhsuk-body-s qf-answers">answers the hotspot: ${this.hotspotTitle(d.hotspot)}</span>` : nothing}
            ${this.agreement(d)}
            ${d.kind === "CHANGE_IDEA" ? this.suggested(p, d) : nothing}
            ${d.kind === "CHANGE_IDEA" ? this.discussion(d) : nothing}
            <span class="qf-actions">
              <button class="qf-link" type="button" @click=${() => this.start({ editing: d.id }, p)}>Edit<span class="nhsuk-u-visually-hidden"> ${d.text}</span></button>
              ${CHILDREN[d.kind].map((kind) => html` · <button class="qf-link" type="button" @click=${() => this.start({ adding: { parent: d.id, kind } })}>Add a ${words(kind)}<span class="nhsuk-u-visually-hidden"> under ${d.text}</span></button>`)}
              · <button class="qf-link" type="button" @click=${() => this.remove(p, d)}>Remove<span class="nhsuk-u-visually-hidden"> ${d.text}</span></button></span>`}
        ${this.branch(p, d.id)}
        ${this.adding?.parent === d.id ? this.addForm(p) : nothing}
      </li>`,
    )}</ul>`;
  }

  /**
   * A change idea that moves work between organisations: where each stands, asking them, and
   * agreeing for one's own organisation (PDSA's ADOPT waits for all of them).
   * @param {Driver} d
   */
  agreement(d) {
    const parties = d.agreement?.organisations ?? [];
    if (!parties.length) return nothing;
    const ask = () => this.change(`mutation($id: ID!) { requestChangeIdeaAgreement(changeIdeaId: $id) { complete } }`,
      { id: d.id }, "Asked the organisations to agree to the change idea.", d.text);
    const agree = () => this.change(`mutation($id: ID!) { decideChangeIdeaAgreement(input: {changeIdeaId: $id, decision: APPROVE}) { complete } }`,
      { id: d.id }, "Agreed to the change idea.", d.text);
    return html`<span class="nhsuk-body-s qf-agreement">moves work between organisations; agreement:
      ${parties.map((o, i) => html`${i ? ", " : ""}${o.organisation.name} (${o.organisation.odsCode}) <strong class="nhsuk-tag ${o.state === "AGREED" ? "nhsuk-tag--green" : "nhsuk-tag--grey"}">${words(o.state)}</strong>`)}
      ${d.agreement.complete ? nothing : html` · <button class="qf-link" type="button" @click=${ask}>Ask them to agree<span class="nhsuk-u-visually-hidden"> to ${d.text}</span></button>
        · <button class="qf-link" type="button" @click=${agree}>Agree for my organisation<span class="nhsuk-u-visually-hidden"> to ${d.text}</span></button>`}</span>`;
  }

  /**
   * IHI's family of measures for a change idea (outcome, process, balancing), read when asked,
   * each with its reason and added to the project, computed from the pathway's log, in one click.
   * @param {Diagram} p @param {Driver} d
   */
  suggested(p, d) {
    const list = this.suggestions.get(d.id);
    const ask = async () => {
      /** @type {{ node: { suggestedMeasures: Suggestion[] } }} */
      const r = await gql(`query($id: ID!) { node(id: $id) { ... on Driver { suggestedMeasures {
        family name reason logId fromActivity toActivity statistic period unit direction targetMinutes } } } }`, { id: d.id });
      this.suggestions.set(d.id, r.node.suggestedMeasures);
      await this.reload();
    };
    /** @param {Suggestion} m */
    const adopt = async (m) => {
      const { family: _family, reason: _reason, ...fields } = m;
      await this.change(`mutation($input: AddLogMeasureInput!) { addLogMeasure(input: $input) { measure { id } } }`,
        { input: { projectId: p.id, expectedVersion: p.version, ...fields } }, `Added the measure ${m.name}, computed from the log.`, m.name);
    };
    if (!list) {
      return html` · <button class="qf-link" type="button" @click=${ask}>Suggest measures<span class="nhsuk-u-visually-hidden"> for ${d.text}</span></button>`;
    }
    return html`<div class="qf-suggestions"><p class="nhsuk-body-s nhsuk-u-margin-bottom-1">Measures that would show whether it worked:</p>
      ${list.length
        ? html`<ul class="nhsuk-list nhsuk-body-s">${list.map((m) => html`<li data-family=${m.family}><strong class="nhsuk-tag nhsuk-tag--white">${words(m.family)}</strong>
            ${m.name}: ${m.reason}
            ${m.logId ? html` <button class="qf-link" type="button" @click=${() => adopt(m)}>Add this measure<span class="nhsuk-u-visually-hidden"> ${m.name}</span></button>`
              : html` <span>(the pathway has no event log: add it as a measure by hand)</span>`}</li>`)}</ul>`
        : html`<p class="nhsuk-body-s">None: give the idea a change set or the hotspot it answers.</p>`}</div>`;
  }

  /**
   * A change idea's comments: read when opened, written by anyone who can see the project
   * (the organisations asked to agree included), and marked resolved.
   * @param {Driver} d
   */
  discussion(d) {
    const list = this.comments.get(d.id);
    const load = async () => {
      /** @type {{ node: { comments: { nodes: import("../model.js").Comment[] } } }} */
      const r = await gql(`query($id: ID!) { node(id: $id) { ... on Driver { comments(first: 100) {
        nodes { ${COMMENT_FIELDS} } } } } }`, { id: d.id });
      this.comments.set(d.id, r.node.comments.nodes);
    };
    const open = async () => {
      await load();
      await this.reload();
    };
    /** @param {SubmitEvent} e */
    const add = async (e) => {
      e.preventDefault();
      const body = String(new FormData(/** @type {HTMLFormElement} */ (e.currentTarget)).get("body") ?? "").trim();
      if (!body) {
        this.error = "Write the comment";
        return this.reload();
      }
      await this.change(`mutation($i: AddCommentInput!) { addComment(input: $i) { id } }`,
        { i: { changeIdeaId: d.id, body } }, "Added the comment.", body);
      await load();
      await this.reload();
    };
    /** @param {import("../model.js").Comment} c */
    const toggle = async (c) => {
      await this.change(`mutation($i: ResolveCommentInput!) { resolveComment(input: $i) { id } }`,
        { i: { id: c.id, expectedVersion: c.version, resolved: !c.resolved } }, c.resolved ? "Opened the comment again." : "Marked the comment resolved.", c.body, STALE_COMMENT);
      await load();
      await this.reload();
    };
    /** @param {import("../model.js").Comment} c @param {string} body */
    const correct = async (c, body) => {
      if (!body) {
        this.error = "Write the comment";
        return this.reload();
      }
      await this.change(`mutation($i: EditCommentInput!) { editComment(input: $i) { id } }`,
        { i: { id: c.id, expectedVersion: c.version, body } }, "Corrected the comment.", body, STALE_COMMENT);
      await load();
      await this.reload();
    };
    if (!list) {
      return html` · <button class="qf-link" type="button" @click=${open}>Comments<span class="nhsuk-u-visually-hidden"> on ${d.text}</span></button>`;
    }
    return html`<div class="qf-discussion" data-discussion=${d.id}>
      ${list.length
        ? html`<ul class="nhsuk-list nhsuk-body-s">${list.map((c) => html`<li data-resolved=${String(c.resolved)}><strong>${c.author}</strong>: ${c.body}
            ${c.resolved ? html`<strong class="nhsuk-tag nhsuk-tag--green">resolved</strong>` : nothing}
            <button class="qf-link" type="button" @click=${() => toggle(c)}>${c.resolved ? "Open again" : "Mark resolved"}<span class="nhsuk-u-visually-hidden">: ${c.body}</span></button>
            ${correctionView(c, correct)}</li>`)}</ul>`
        : html`<p class="nhsuk-body-s">No comments yet.</p>`}
      <form class="qf-inline" novalidate @submit=${add}>
        <div class="nhsuk-form-group"><label class="nhsuk-label" for="idea-comment-${d.id}">Comment on ${d.text}</label>
          <input class="nhsuk-input nhsuk-input--width-30" id="idea-comment-${d.id}" name="body" type="text"></div>
        <button class="nhsuk-button nhsuk-button--small nhsuk-button--secondary" type="submit">Add the comment</button></form></div>`;
  }

  /** A linked hotspot in words: its title once the pathway's hotspots are read. @param {{ kind: string, stepKeys: string[] }} h */
  hotspotTitle(h) {
    const found = this.hotspots?.find((x) => hotspotKey(x) === hotspotKey(h));
    return found ? found.title : `${words(h.kind)} at ${h.stepKeys.join(", ")}`;
  }

  /** @param {{ editing?: string, adding?: { parent: string | null, kind: string } }} what @param {Diagram} [p] */
  async start(what, p) {
    this.editing = what.editing ?? null;
    this.adding = what.adding ?? null;
    this.error = "";
    const editing = p?.drivers.find((d) => d.id === this.editing);
    if (editing?.kind === "CHANGE_IDEA" && p?.pathwayId && !this.hotspots) {
      /** @type {{ pathway: { analysis: { hotspots: Hotspot[] } } }} */
      const r = await gql(`query($id: ID!) { pathway(id: $id) { analysis { hotspots { kind title stepKeys } } } }`, { id: p.pathwayId });
      this.hotspots = r.pathway.analysis.hotspots;
    }
    await this.reload();
    document.getElementById("driver-text")?.focus();
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

  /** The nodes `d` may move under: those whose kind takes it, never itself or one of its own. @param {Diagram} p @param {Driver} d */
  places(p, d) {
    const own = new Set([d.id]);
    for (let grew = true; grew;) {
      grew = false;
      for (const x of p.drivers) {
        if (x.parentId && own.has(x.parentId) && !own.has(x.id)) {
          own.add(x.id);
          grew = true;
        }
      }
    }
    return p.drivers.filter((x) => !own.has(x.id) && CHILDREN[x.kind].includes(d.kind));
  }

  /** @param {Diagram} p @param {Driver} d */
  editForm(p, d) {
    const places = d.kind === "PRIMARY_DRIVER" ? [] : this.places(p, d);
    /** @param {SubmitEvent} e */
    const submit = (e) => {
      e.preventDefault();
      const form = new FormData(/** @type {HTMLFormElement} */ (e.currentTarget));
      const text = String(form.get("text") ?? "").trim();
      /** @type {Record<string, unknown>} */
      const input = { id: d.id, expectedVersion: p.version, text };
      const parent = String(form.get("parentId") ?? "");
      if (parent && parent !== d.parentId) input.parentId = parent;
      if (form.has("hotspot")) {
        const picked = this.hotspots?.find((h) => hotspotKey(h) === form.get("hotspot"));
        const was = d.hotspot ? hotspotKey(d.hotspot) : "";
        if (String(form.get("hotspot")) !== was) input.hotspot = picked ? { kind: picked.kind, stepKeys: picked.stepKeys } : null;
      }
      void this.change(`mutation($input: UpdateDriverInput!) { updateDriver(input: $input) { id } }`, { input }, "Saved.", text);
    };
    return html`<form class="qf-inline" novalidate @submit=${submit}>
      <div class="nhsuk-form-group"><label class="nhsuk-label" for="driver-text">${words(d.kind)}</label>
        <input class="nhsuk-input nhsuk-input--width-30" id="driver-text" name="text" type="text" .value=${d.text}></div>
      ${places.length
        ? html`<div class="nhsuk-form-group"><label class="nhsuk-label" for="driver-parent">Under</label>
            <select class="nhsuk-select" id="driver-parent" name="parentId">${places.map((x) => html`<option value=${x.id} ?selected=${x.id === d.parentId}>${x.text} (${words(x.kind)})</option>`)}</select></div>`
        : nothing}
      ${d.kind === "CHANGE_IDEA" && this.hotspots
        ? html`<div class="nhsuk-form-group"><label class="nhsuk-label" for="driver-hotspot">The hotspot it answers</label>
            <select class="nhsuk-select" id="driver-hotspot" name="hotspot">
              <option value="" ?selected=${!d.hotspot}>none</option>
              ${this.hotspots.map((h) => html`<option value=${hotspotKey(h)} ?selected=${d.hotspot != null && hotspotKey(h) === hotspotKey(d.hotspot)}>${h.title}</option>`)}</select></div>`
        : nothing}
      <button class="nhsuk-button nhsuk-button--small" type="submit">Save</button>
      <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button" @click=${() => this.start({})}>Cancel</button></form>`;
  }

  /** @param {Diagram} p @param {Driver} d */
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
   * @param {string} [stale] what to say when someone changed the record first (CONFLICT)
   */
  async change(query, variables, done, text, stale = "Someone else changed this project since the page loaded: it now shows their change; make yours again.") {
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
      this.error = error.code === "CONFLICT" ? stale : error.message;
    }
    await this.reload();
  }
}
