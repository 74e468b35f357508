// Shares, for an organisation's ADMINs: which other organisations may read (VIEWER) or change
// (EDITOR) each of its pathways and improvement projects, how an ICS co-owns a pathway that
// crosses organisations; share one, or take a share back.
import { gql, refusal } from "../api.js";
import { words } from "../format.js";
import { announce, errorSummary, focusErrors, html, nothing } from "../view.js";
import { field, select } from "./fields.js";

/**
 * @typedef {{ odsCode: string, organisationName: string, role: string }} Share
 * @typedef {{ id: string, name: string, kind: "pathway" | "project", shares: Share[] }} Shared
 */

// Forty of each with ten shares apiece, one query each, keeps inside the API's complexity limit.
const PATHWAYS = `{ pathways(first: 40) { nodes { id name version owner { odsCode } shares(first: 10) { nodes { odsCode organisationName role } } } } }`;
const PROJECTS = `{ projects(first: 40) { nodes { id title owner { odsCode } shares(first: 10) { nodes { odsCode organisationName role } } } } }`;

/** An organisation's pathways and projects with their shares; the state lives across redraws. */
export class Shares {
  /** @param {() => void} redraw */
  constructor(redraw) {
    this.redraw = redraw;
    /** @type {Map<string, Shared[]>} what each organisation (by ODS code) owns */
    this.owned = new Map();
    /** @type {import("./fields.js").FieldProblem[]} */
    this.problems = [];
    /** The organisation whose form the problems belong to. */
    this.problemsOf = "";
  }

  /** Reads every pathway and project the caller sees, by owner. */
  async load() {
    /** @type {[{ pathways: { nodes: any[] } }, { projects: { nodes: any[] } }]} */
    const [pathways, projects] = await Promise.all([gql(PATHWAYS), gql(PROJECTS)]);
    const r = { ...pathways, ...projects };
    this.owned = new Map();
    const add = (/** @type {string} */ ods, /** @type {Shared} */ item) => this.owned.set(ods, [...(this.owned.get(ods) ?? []), item]);
    for (const p of r.pathways.nodes) add(p.owner.odsCode, { id: p.id, name: `${p.name}, version ${p.version}`, kind: "pathway", shares: p.shares.nodes });
    for (const p of r.projects.nodes) add(p.owner.odsCode, { id: p.id, name: p.title, kind: "project", shares: p.shares.nodes });
  }

  /** @param {SubmitEvent} event @param {string} ods */
  async share(event, ods) {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget));
    const text = (/** @type {string} */ k) => String(form.get(k) ?? "").trim();
    const item = (this.owned.get(ods) ?? []).find((x) => x.id === text("item"));
    this.problems = [];
    this.problemsOf = ods;
    if (!item) this.problems.push({ field: "item", message: "Choose the pathway or project to share" });
    if (!text("organisationId")) this.problems.push({ field: "organisationId", message: "Enter the ODS code of the organisation to share with" });
    if (item && !this.problems.length) {
      try {
        const mutation = item.kind === "pathway"
          ? `mutation($id: ID!, $o: ID!, $r: ShareRole!) { sharePathway(pathwayId: $id, organisationId: $o, role: $r) }`
          : `mutation($id: ID!, $o: ID!, $r: ShareRole!) { shareProject(projectId: $id, organisationId: $o, role: $r) }`;
        await gql(mutation, { id: item.id, o: text("organisationId"), r: text("role") });
        announce(`Shared ${item.name} with ${text("organisationId")} as ${words(text("role"))}.`);
        await this.load();
        this.redraw();
        return;
      } catch (error) {
        this.problems = refusal(error);
      }
    }
    this.redraw();
    focusErrors();
  }

  /** @param {Shared} item @param {Share} s */
  async revoke(item, s) {
    if (!confirm(`Take back ${s.organisationName}'s share of ${item.name}?`)) return;
    const mutation = item.kind === "pathway"
      ? `mutation($id: ID!, $o: ID!) { revokePathwayShare(pathwayId: $id, organisationId: $o) }`
      : `mutation($id: ID!, $o: ID!) { revokeProjectShare(projectId: $id, organisationId: $o) }`;
    await gql(mutation, { id: item.id, o: s.odsCode });
    announce(`Took back ${s.organisationName}'s share of ${item.name}.`);
    await this.load();
    this.redraw();
  }

  /** @param {{ odsCode: string, name: string }} o */
  view(o) {
    const owned = this.owned.get(o.odsCode) ?? [];
    const problems = this.problemsOf === o.odsCode ? this.problems : [];
    const id = (/** @type {string} */ f) => `share-${o.odsCode}-${f}`;
    const rows = owned.flatMap((item) => item.shares.map((s) => ({ item, s })));
    return html`<table class="nhsuk-table qf-compact" id="shares-${o.odsCode}"><caption class="nhsuk-table__caption nhsuk-table__caption--s">Shared with other organisations</caption>
        <thead class="nhsuk-table__head"><tr><th scope="col">Pathway or project</th><th scope="col">Shared with</th><th scope="col">Role</th><th scope="col"><span class="nhsuk-u-visually-hidden">Action</span></th></tr></thead>
        <tbody class="nhsuk-table__body">${rows.map(({ item, s }) => html`<tr data-share="${item.id}/${s.odsCode}"><td>${item.name} (${item.kind})</td>
          <td>${s.organisationName} (${s.odsCode})</td><td>${words(s.role)}</td>
          <td><button class="qf-link" type="button" @click=${() => this.revoke(item, s)}>Take back<span class="nhsuk-u-visually-hidden"> ${s.organisationName}'s share of ${item.name}</span></button></td></tr>`)}</tbody></table>
      ${rows.length ? nothing : html`<p>Nothing of ${o.name}'s is shared.</p>`}
      <details class="nhsuk-details" ?open=${problems.length > 0}><summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">Share a pathway or project of ${o.name}</span></summary>
        <div class="nhsuk-details__text">
          ${errorSummary(problems.map((x) => ({ message: x.message, href: `#${id(x.field.split(".").pop() || "item")}` })))}
          <form novalidate id=${id("form")} @submit=${(/** @type {SubmitEvent} */ e) => this.share(e, o.odsCode)}>
            ${select({ id: id("item"), name: "item", label: "What to share", problems,
              options: [{ value: "", text: "Choose" }, ...owned.map((x) => ({ value: x.id, text: `${x.name} (${x.kind})` }))] })}
            ${field({ id: id("organisationId"), name: "organisationId", label: "With the organisation", hint: "Its ODS code, for example RX8", problems, width: "nhsuk-input--width-10" })}
            ${select({ id: id("role"), name: "role", label: "May", value: "VIEWER", problems,
              options: [{ value: "VIEWER", text: "read it (viewer)" }, { value: "EDITOR", text: "read and change it (editor)" }] })}
            <button class="nhsuk-button" type="submit">Share</button>
          </form></div></details>`;
  }
}
