// The pathways page: every pathway the caller can see, searchable, and the way in to a new one
// (from scratch or from a pathway document).
import { ApiError, gql } from "../api.js";
import { when, words } from "../format.js";
import { go } from "../router.js";
import { errorSummary, focusErrors, html, show } from "../view.js";
import { field, fieldErrors } from "../components/fields.js";

/**
 * @typedef {{ id: string, odsCode: string, name: string }} Organisation
 * @typedef {{ id: string, name: string, condition: string, status: string, revision: number, updatedAt: string,
 *   owner: Organisation, organisations: Organisation[] }} PathwaySummary
 */

const LIST = `{ organisations(first: 100) { nodes { id odsCode name } }
  pathways(first: 100) { edges { node { id name condition status revision updatedAt
    owner { id odsCode name } organisations { id odsCode name } } } } }`;

/** @type {import("../router.js").Page} */
export async function pathways(_args, query) {
  /** @type {{ organisations: { nodes: Organisation[] }, pathways: { edges: { node: PathwaySummary }[] } }} */
  const data = await gql(LIST);
  const organisations = data.organisations.nodes;
  const search = (query.get("q") ?? "").trim().toLowerCase();
  const org = query.get("org") ?? "";
  const archived = query.get("archived") === "1";
  const rows = data.pathways.edges
    .map((e) => e.node)
    .filter((p) => archived || p.status !== "ARCHIVED")
    .filter((p) => !org || p.owner.odsCode === org || p.organisations.some((o) => o.odsCode === org))
    .filter((p) => !search || `${p.name} ${p.condition}`.toLowerCase().includes(search));

  /** @param {SubmitEvent} event */
  const filter = (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget));
    const next = new URLSearchParams();
    for (const key of ["q", "org"]) {
      const value = String(form.get(key) ?? "").trim();
      if (value) next.set(key, value);
    }
    if (form.get("archived")) next.set("archived", "1");
    go(`#/?${next}`);
  };

  /** @type {{ field: string, message: string }[]} */
  let problems = [];
  const draw = (arriving = false) =>
    show(
      html`${errorSummary(problems.map((p) => ({ message: p.message, href: p.field === "import-file" ? "#import-file" : `#new-${p.field || "name"}` })))}
        <h1>Pathways</h1>
        <form class="qf-inline nhsuk-u-margin-bottom-4" role="search" aria-label="Find a pathway" @submit=${filter}>
          <div class="nhsuk-form-group">
            <label class="nhsuk-label" for="q">Name or condition</label>
            <input class="nhsuk-input nhsuk-input--width-20" id="q" name="q" type="search" .value=${query.get("q") ?? ""}>
          </div>
          <div class="nhsuk-form-group">
            <label class="nhsuk-label" for="org">Organisation</label>
            <select class="nhsuk-select" id="org" name="org">
              <option value="">All organisations</option>
              ${organisations.map((o) => html`<option value=${o.odsCode} ?selected=${o.odsCode === org}>${o.name} (${o.odsCode})</option>`)}
            </select>
          </div>
          <div class="nhsuk-checkboxes nhsuk-checkboxes--small nhsuk-form-group">
            <div class="nhsuk-checkboxes__item">
              <input class="nhsuk-checkboxes__input" id="archived" name="archived" type="checkbox" value="1" ?checked=${archived}>
              <label class="nhsuk-label nhsuk-checkboxes__label" for="archived">Show archived</label>
            </div>
          </div>
          <button class="nhsuk-button nhsuk-button--secondary" type="submit">Search</button>
        </form>
        <table class="nhsuk-table" id="pathways">
          <caption class="nhsuk-table__caption nhsuk-table__caption--s">${rows.length} pathway${rows.length === 1 ? "" : "s"}</caption>
          <thead class="nhsuk-table__head"><tr>
            <th scope="col">Pathway</th><th scope="col">Owner</th><th scope="col">Organisations involved</th>
            <th scope="col">Status</th><th scope="col">Last change</th></tr></thead>
          <tbody class="nhsuk-table__body">
            ${rows.map(
              (p) => html`<tr>
                <td><a href="#/pathway/${p.id}">${p.name}</a>${p.condition ? html`<br><span class="nhsuk-body-s">${p.condition}</span>` : ""}</td>
                <td>${p.owner.name}</td>
                <td>${p.organisations.map((o) => o.name).join(", ") || "—"}</td>
                <td><strong class="nhsuk-tag ${tagColour(p.status)}">${words(p.status)}</strong></td>
                <td>${when(p.updatedAt)} (revision ${p.revision})</td>
              </tr>`,
            )}
          </tbody>
        </table>
        <h2 id="new">Map a new pathway</h2>
        <form id="new-pathway" novalidate @submit=${create}>
          ${field({ id: "new-name", name: "name", label: "Name", problems, width: "nhsuk-input--width-30" })}
          ${field({ id: "new-condition", name: "condition", label: "Condition or service (optional)", hint: "For example: stroke, hip fracture", problems })}
          <div class="nhsuk-form-group ${fieldErrors(problems, "owner").length ? "nhsuk-form-group--error" : ""}">
            <label class="nhsuk-label" for="new-owner">Owning organisation</label>
            <select class="nhsuk-select" id="new-owner" name="owner">
              ${organisations.map((o) => html`<option value=${o.odsCode}>${o.name} (${o.odsCode})</option>`)}
            </select>
          </div>
          ${field({ id: "new-demandPerDay", name: "demandPerDay", label: "Patients entering a day (optional)", type: "number", problems,
            hint: "Needed to find bottlenecks; leave empty when unknown.", width: "nhsuk-input--width-5" })}
          ${field({ id: "new-description", name: "description", label: "Description (optional)", problems, width: "nhsuk-input--width-30" })}
          <div class="qf-toolbar">
            <button class="nhsuk-button" type="submit">Create pathway</button>
            <label class="nhsuk-button nhsuk-button--secondary" for="import-file">Import a pathway document (JSON)</label>
            <input class="nhsuk-u-visually-hidden" id="import-file" type="file" accept="application/json,.json" @change=${importDocument}>
          </div>
        </form>`,
      "Pathways",
      { arriving },
    );

  /** @param {SubmitEvent} event */
  async function create(event) {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget));
    const text = (/** @type {string} */ key) => String(form.get(key) ?? "").trim();
    problems = [];
    if (!text("name")) problems.push({ field: "name", message: "Enter the pathway's name" });
    const demand = text("demandPerDay");
    if (demand && !(Number(demand) >= 0)) problems.push({ field: "demandPerDay", message: "Patients a day must be a number, 0 or more" });
    if (problems.length) {
      draw();
      return focusErrors();
    }
    try {
      /** @type {{ createPathway: { id: string } }} */
      const made = await gql(`mutation($input: CreatePathwayInput!) { createPathway(input: $input) { id } }`, {
        input: { name: text("name"), condition: text("condition"), description: text("description"), owner: text("owner"),
          demandPerDay: demand ? Number(demand) : null },
      });
      go(`#/pathway/${made.createPathway.id}`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      problems = error.fields().map((p) => ({ field: p.field.split(".").pop() ?? "", message: p.message }));
      draw();
      focusErrors();
    }
  }

  /** @param {Event} event */
  async function importDocument(event) {
    const file = /** @type {HTMLInputElement} */ (event.currentTarget).files?.[0];
    if (!file) return;
    problems = [];
    let document;
    try {
      document = JSON.parse(await file.text());
    } catch {
      problems = [{ field: "import-file", message: `${file.name} is not a JSON document` }];
    }
    if (!problems.length) {
      try {
        /** @type {{ importPathway: { id: string } }} */
        const made = await gql(`mutation($d: JSON!) { importPathway(document: $d) { id } }`, { d: document });
        return go(`#/pathway/${made.importPathway.id}`);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        problems = error.fields().map((p) => ({ field: "import-file", message: `${file.name}: ${p.field ? `${p.field}: ` : ""}${p.message}` }));
      }
    }
    draw();
    focusErrors();
  }

  draw(true);
}

/**
 * The NHS tag colour for a pathway's status.
 * @param {string} status
 */
export const tagColour = (status) =>
  status === "PUBLISHED" ? "nhsuk-tag--green" : status === "ARCHIVED" ? "nhsuk-tag--grey" : "nhsuk-tag--blue";
