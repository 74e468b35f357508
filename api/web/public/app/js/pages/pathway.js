// One pathway: its map with the forms that edit it beside it, the problems that stop it being
// analysed, its headline figures and hotspots (fetched again after every saved edit), what-if,
// its lifecycle (publish, clone, archive, delete) and a comparison with another version. Every
// edit carries the revision it was made against; if someone else saved first, the page says so
// and offers to reload rather than overwriting their work.
import { ApiError, gql } from "../api.js";
import { minutes, when, words } from "../format.js";
import { go } from "../router.js";
import { announce, errorSummary, focusErrors, html, nothing, show } from "../view.js";
import { ANALYSIS_FIELDS, COMMENT_FIELDS, COMMENT_PAGE, PATHWAY_QUERY } from "../model.js";
import { figures, hotspots } from "../components/analysis.js";
import { pathwayMap } from "../components/map.js";
import { download } from "../download.js";
import { readStep, stepForm } from "../components/step-form.js";
import { readTransition, transitionForm } from "../components/transition-form.js";
import { WhatIf } from "../components/what-if.js";
import { compareView } from "../components/compare.js";
import { tagColour } from "./pathways.js";
import { agreementView, commentsView, stillToAgree } from "../components/agreement.js";

/**
 * @typedef {import("../model.js").Pathway} Pathway
 * @typedef {import("../model.js").Analysis} Analysis
 * @typedef {import("../model.js").Organisation} Organisation
 * @typedef {import("../model.js").Me} Me
 * @typedef {import("../components/fields.js").FieldProblem} FieldProblem
 * @typedef {{ kind: "step" | "transition", id: string | null } | null} Selection
 */

/** @type {import("../router.js").Page} */
export async function pathway([id]) {
  /** @type {Pathway} */
  let p;
  /** @type {Organisation[]} */
  let organisations = [];
  /** @type {Me} */
  let me = { name: "", memberships: [] };
  /** @type {Analysis | null} */
  let analysis = null;
  /** @type {Selection} */
  let selected = null;
  /** @type {FieldProblem[]} */
  let problems = [];
  let conflict = false;
  let busy = false;
  let notice = "";
  /** @type {unknown} */
  let comparison = nothing;
  const whatIf = new WhatIf(() => draw());

  /** How many pages of comments the reader has asked to see (each load reads them all again). */
  let commentPages = 1;

  async function load() {
    /** @type {{ pathway: Pathway, organisations: { nodes: Organisation[] }, me: Me }} */
    const data = await gql(PATHWAY_QUERY, { id });
    let page = data.pathway.comments;
    for (let n = 1; n < commentPages && page.pageInfo.hasNextPage; n++) {
      /** @type {{ pathway: { comments: import("../model.js").CommentPage } }} */
      const next = await gql(`query($id: ID!, $after: String) { pathway(id: $id) {
          comments(first: ${COMMENT_PAGE}, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ${COMMENT_FIELDS} } } } }`,
        { id, after: page.pageInfo.endCursor });
      page = next.pathway.comments;
      data.pathway.comments.nodes.push(...page.nodes);
    }
    data.pathway.comments.pageInfo = page.pageInfo;
    p = data.pathway;
    organisations = data.organisations.nodes;
    me = data.me;
    analysis = null;
    if (!p.problems.length) {
      /** @type {{ pathway: { analysis: Analysis } }} */
      const a = await gql(`query($id: ID!) { pathway(id: $id) { analysis { ${ANALYSIS_FIELDS} } } }`, { id });
      analysis = a.pathway.analysis;
    }
  }

  /** Shows the next page of comments (kept through later changes, which read them all again). */
  async function showMoreComments() {
    commentPages += 1;
    await load();
    draw();
    announce(`Showing ${p.comments.nodes.length} of ${p.comments.totalCount} comments.`);
  }

  /**
   * Runs one change through the API, then shows the pathway as it now is.
   * @param {string} query @param {Record<string, unknown>} variables @param {string} done what to announce
   * @returns {Promise<unknown>}
   */
  async function change(query, variables, done) {
    busy = true;
    problems = [];
    notice = "";
    draw();
    try {
      const result = await gql(query, variables);
      await load();
      notice = done;
      announce(done);
      return result;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === "CONFLICT") conflict = true;
      else problems = error.fields();
      return null;
    } finally {
      busy = false;
      draw();
      if (problems.length || conflict) focusErrors();
    }
  }

  /** @param {SubmitEvent} event */
  async function saveStep(event) {
    event.preventDefault();
    const { input, problems: found } = readStep(/** @type {HTMLFormElement} */ (event.currentTarget));
    if (found.length) {
      problems = found;
      draw();
      return focusErrors();
    }
    const stepId = selected?.id;
    const made = stepId
      ? await change(`mutation($input: UpdateStepInput!) { updateStep(input: $input) { step { id } } }`,
          { input: { ...input, id: stepId, expectedVersion: p.revision } }, `Saved the step ${input.name}.`)
      : await change(`mutation($input: AddStepInput!) { addStep(input: $input) { step { id } } }`,
          { input: { ...input, pathwayId: p.id, expectedVersion: p.revision } }, `Added the step ${input.name}.`);
    // Saved: back to the lists (the status line says what was saved), ready to add the next.
    if (made) {
      selected = null;
      draw();
      document.getElementById("add-step")?.focus();
    }
  }

  /** @param {SubmitEvent} event */
  async function saveTransition(event) {
    event.preventDefault();
    const { input, problems: found } = readTransition(/** @type {HTMLFormElement} */ (event.currentTarget));
    if (found.length) {
      problems = found;
      draw();
      return focusErrors();
    }
    const { from, to, ...rest } = input;
    const transitionId = selected?.id;
    const made = transitionId
      ? await change(`mutation($input: UpdateTransitionInput!) { updateTransition(input: $input) { transition { id } } }`,
          { input: { ...rest, id: transitionId, expectedVersion: p.revision } }, "Saved the transition.")
      : await change(`mutation($input: AddTransitionInput!) { addTransition(input: $input) { transition { id } } }`,
          { input: { ...rest, fromStepId: from, toStepId: to, expectedVersion: p.revision } }, "Added the transition.");
    // Saved: back to the lists (the status line says what was saved), ready to add the next.
    if (made) {
      selected = null;
      draw();
      document.getElementById("add-transition")?.focus();
    }
  }

  /** The organisation just added to the directory, chosen in the step form. @type {string | undefined} */
  let chosen;

  /** @param {{ odsCode: string, name: string, kind: string }} input */
  async function addOrganisation(input) {
    problems = [];
    if (!input.odsCode) problems.push({ field: "new-org-odsCode", message: "Enter the organisation's ODS code" });
    if (!input.name) problems.push({ field: "new-org-name", message: "Enter the organisation's name" });
    if (problems.length) {
      draw();
      return focusErrors();
    }
    try {
      /** @type {{ createOrganisation: Organisation }} */
      const made = await gql(`mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { id odsCode name } }`, { input });
      organisations = [...organisations, made.createOrganisation];
      chosen = made.createOrganisation.odsCode;
      notice = `Added ${made.createOrganisation.name} to the directory.`;
      announce(notice);
      draw();
      const picker = /** @type {HTMLSelectElement | null} */ (document.getElementById("step-organisation"));
      if (picker) picker.value = chosen;
      picker?.focus();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      // The API names `odsCode`, `name` or `kind`: the new organisation's fields.
      problems = error.fields().map((p) => ({ field: `new-org-${p.field.split(".").pop() || "odsCode"}`, message: p.message }));
      draw();
      focusErrors();
    }
  }

  async function remove() {
    if (!selected?.id) return;
    const what = selected.kind === "step" ? "step" : "transition";
    if (!confirm(`Remove this ${what}? You can add it again, but its figures will be gone from this draft.`)) return;
    const mutation = what === "step" ? "removeStep" : "removeTransition";
    const done = await change(`mutation($id: ID!, $v: Int!) { ${mutation}(id: $id, expectedVersion: $v) { id } }`,
      { id: selected.id, v: p.revision }, `Removed the ${what}.`);
    if (done) {
      selected = null;
      draw();
    }
  }

  /** @param {string} mutation @param {string} done */
  const lifecycle = async (mutation, done) => {
    const r = /** @type {Record<string, { id: string }> | null} */ (
      await change(`mutation($id: ID!, $v: Int!) { ${mutation}(id: $id, expectedVersion: $v) { id } }`, { id: p.id, v: p.revision }, done));
    return r?.[mutation] ?? null;
  };

  async function clone() {
    const r = /** @type {{ clonePathway: { id: string } } | null} */ (
      await change(`mutation($id: ID!) { clonePathway(id: $id) { id } }`, { id: p.id }, "Cloned into a new draft."));
    if (r) go(`#/pathway/${r.clonePathway.id}`);
  }

  async function destroy() {
    if (!confirm(`Delete the draft "${p.name}"? This cannot be undone.`)) return;
    try {
      await gql(`mutation($id: ID!, $v: Int!) { deletePathway(id: $id, expectedVersion: $v) }`, { id: p.id, v: p.revision });
      go("#/");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === "CONFLICT") conflict = true;
      else notice = error.message;
      draw();
    }
  }

  async function exportDocument() {
    /** @type {{ pathway: { document: unknown } }} */
    const r = await gql(`query($id: ID!) { pathway(id: $id) { document } }`, { id });
    download(JSON.stringify(r.pathway.document, null, 2), `${p.name}.json`, "application/json");
  }

  /** @param {SubmitEvent} event */
  async function compare(event) {
    event.preventDefault();
    const other = String(new FormData(/** @type {HTMLFormElement} */ (event.currentTarget)).get("with") ?? "");
    if (!other) return;
    comparison = await compareView(p, other);
    draw();
  }

  /** @param {{ step?: string, from?: string, to?: string }} pick */
  function pick(pick) {
    if (p.status !== "DRAFT") return;
    if (pick.step) {
      const step = p.steps.find((s) => s.key === pick.step);
      if (step) select({ kind: "step", id: step.id });
    } else {
      const t = p.transitions.find((t) => t.from.key === pick.from && t.to.key === pick.to);
      if (t) select({ kind: "transition", id: t.id });
    }
  }

  /** @param {Selection} next */
  function select(next) {
    selected = next;
    problems = [];
    conflict = false;
    notice = "";
    chosen = undefined;
    draw();
    const heading = document.getElementById(next?.kind === "transition" ? "transition-form-title" : "step-form-title");
    heading?.focus();
  }

  /** Opens the step or transition a validation problem names, and moves focus to it. */
  /** @param {import("../model.js").Problem} problem */
  function openProblem(problem) {
    const key = problem.steps[0];
    const edge = problem.transitions[0];
    // Problems with probabilities or a repeated arrow are fixed on a transition.
    const onTransition = ["MISSING_PROBABILITY", "PROBABILITY_SUM", "DUPLICATE_TRANSITION"].includes(problem.code);
    if (key && !(onTransition && edge)) pick({ step: key });
    else if (edge) {
      const [from, to] = edge.split("->");
      pick({ from, to });
    }
  }

  function editor() {
    if (p.status !== "DRAFT") {
      return html`<div class="nhsuk-inset-text"><p>A ${words(p.status)} pathway cannot be changed. Clone it into a draft to change it.</p></div>`;
    }
    if (selected?.kind === "step") {
      const step = p.steps.find((s) => s.id === selected?.id) ?? null;
      return stepForm({ step, organisations, problems, busy, chosen, onSubmit: saveStep, onRemove: remove, onCancel: () => select(null),
        onAddOrganisation: addOrganisation });
    }
    if (selected?.kind === "transition") {
      const transition = p.transitions.find((t) => t.id === selected?.id) ?? null;
      return transitionForm({ transition, steps: p.steps, problems, busy, onSubmit: saveTransition, onRemove: remove, onCancel: () => select(null) });
    }
    return html`<div class="qf-toolbar">
        <button class="nhsuk-button" type="button" id="add-step" @click=${() => select({ kind: "step", id: null })}>Add a step</button>
        <button class="nhsuk-button nhsuk-button--secondary" type="button" id="add-transition" ?disabled=${p.steps.length < 1}
          @click=${() => select({ kind: "transition", id: null })}>Add a transition</button>
      </div>
      <table class="nhsuk-table qf-compact" id="steps"><caption class="nhsuk-table__caption nhsuk-table__caption--s">Steps</caption>
        <thead class="nhsuk-table__head"><tr><th scope="col">Step</th><th scope="col">Organisation</th><th scope="col"><span class="nhsuk-u-visually-hidden">Action</span></th></tr></thead>
        <tbody class="nhsuk-table__body">${p.steps.map((s) => html`<tr><td>${s.name} <span class="nhsuk-body-s">(${words(s.kind)})</span></td>
          <td>${s.organisation.odsCode}</td><td><button class="qf-link" type="button" @click=${() => select({ kind: "step", id: s.id })}>Edit<span
            class="nhsuk-u-visually-hidden"> step ${s.name}</span></button></td></tr>`)}</tbody></table>
      <table class="nhsuk-table qf-compact" id="transitions"><caption class="nhsuk-table__caption nhsuk-table__caption--s">Transitions</caption>
        <thead class="nhsuk-table__head"><tr><th scope="col">From → to</th><th scope="col">Share, wait, hand-off</th><th scope="col"><span class="nhsuk-u-visually-hidden">Action</span></th></tr></thead>
        <tbody class="nhsuk-table__body">${p.transitions.map((t) => html`<tr><td>${t.from.name} → ${t.to.name}</td>
          <td>${t.probability == null ? "" : `${+(t.probability * 100).toFixed(1)}% · `}${minutes(t.waitMinutes)} · ${words(t.handoff)}</td>
          <td><button class="qf-link" type="button" @click=${() => select({ kind: "transition", id: t.id })}>Edit<span
            class="nhsuk-u-visually-hidden"> transition ${t.from.name} to ${t.to.name}</span></button></td></tr>`)}</tbody></table>`;
  }

  function draw(arriving = false) {
    const draft = p.status === "DRAFT";
    const others = p.versions.nodes.filter((v) => v.id !== p.id);
    const formPrefix = selected?.kind === "transition" ? "transition" : "step";
    const waiting = stillToAgree(p, me).length > 0;
    // The agreement and comment forms' fields, by the name the API gives them.
    /** @type {Record<string, string>} */
    const elsewhere = { comment: "decide-comment", body: "comment-body", withoutAgreementReason: "withoutAgreementReason", organisationId: "decide-organisation" };
    /** @param {string} f */
    const target = (f) => {
      const name = f.split(".").pop() || "name";
      return f.startsWith("new-org-") ? f : elsewhere[name] ?? `${formPrefix}-${name}`;
    };
    show(
      html`<a class="nhsuk-back-link qf-no-print" href="#/">Back to pathways</a>
        ${conflict
          ? html`<div class="nhsuk-error-summary" role="alert" tabindex="-1" aria-labelledby="conflict-title">
              <h2 class="nhsuk-error-summary__title" id="conflict-title">Someone else changed this pathway</h2>
              <div class="nhsuk-error-summary__body"><p>Your change was not saved, so nothing of theirs was overwritten. Reload to see the pathway as it is now, then make your change again.</p>
                <button class="nhsuk-button" type="button" id="reload" @click=${async () => { conflict = false; selected = null; await load(); draw(); }}>Reload</button></div></div>`
          : errorSummary(problems.map((x) => ({ message: x.message, href: `#${target(x.field)}` })))}
        <h1>${p.name} <strong class="nhsuk-tag ${tagColour(p.status)}">${words(p.status)}</strong></h1>
        <p class="nhsuk-body-s">Owned by ${p.owner.name} · revision ${p.revision} · last changed ${when(p.updatedAt)}${p.condition ? ` · ${p.condition}` : ""}</p>
        ${p.description ? html`<p>${p.description}</p>` : nothing}
        ${notice ? html`<p class="qf-status" role="status" id="notice">${notice}</p>` : nothing}
        <div class="qf-toolbar qf-no-print" role="group" aria-label="Pathway actions">
          ${draft ? html`<button class="nhsuk-button" type="button" id="publish" ?disabled=${busy || p.problems.length > 0 || waiting}
              aria-describedby=${waiting ? "agreement-waiting" : nothing}
              @click=${() => lifecycle("publishPathway", "Published.")}>Publish</button>` : nothing}
          <button class="nhsuk-button nhsuk-button--secondary" type="button" id="clone" ?disabled=${busy} @click=${clone}>Clone into a draft</button>
          ${p.status === "PUBLISHED" ? html`<button class="nhsuk-button nhsuk-button--secondary" type="button" id="archive" ?disabled=${busy}
              @click=${() => lifecycle("archivePathway", "Archived.")}>Archive</button>` : nothing}
          ${draft ? html`<button class="nhsuk-button nhsuk-button--warning" type="button" id="delete" ?disabled=${busy} @click=${destroy}>Delete draft</button>` : nothing}
          <button class="nhsuk-button nhsuk-button--secondary" type="button" @click=${exportDocument}>Download the pathway document (JSON)</button>
        </div>
        <div class=${draft ? "qf-editor" : "qf-viewer"}>
          <div>
            ${pathwayMap({ id: "map", svg: p.mapSvg, label: p.name, onPick: pick })}
          </div>
          <aside aria-label="Edit the pathway">
            ${p.problems.length
              ? html`<div class="nhsuk-warning-callout" id="problems"><h2 class="nhsuk-warning-callout__label">
                  <span role="text"><span class="nhsuk-u-visually-hidden">Important: </span>${p.problems.length} problem${p.problems.length === 1 ? "" : "s"} to fix before analysis</span></h2>
                  <ul>${p.problems.map((x) => html`<li>${draft && (x.steps.length || x.transitions.length)
                    ? html`<a class="qf-problem" data-code=${x.code} href="#${x.steps.length ? "step" : "transition"}-form-title" @click=${(/** @type {Event} */ e) => { e.preventDefault(); openProblem(x); }}>${x.message}</a>`
                    : x.message} <span class="nhsuk-body-s">(${words(x.code)})</span></li>`)}</ul></div>`
              : nothing}
            ${editor()}</aside>
        </div>
        ${agreementView({ p, me, busy, problems, run: change })}
        ${commentsView({ p, me, busy, problems, run: change, more: showMoreComments })}
        ${analysis ? html`<h2>Analysis</h2>${figures(analysis)}${hotspots(analysis)}${whatIf.view(p, organisations)}` : nothing}
        ${others.length
          ? html`<section class="qf-no-print" aria-labelledby="compare-title"><h2 id="compare-title">Compare with another version</h2>
              <form class="qf-inline" @submit=${compare}><div class="nhsuk-form-group"><label class="nhsuk-label" for="compare-with">Version</label>
                <select class="nhsuk-select" id="compare-with" name="with">${others.map((v) => html`<option value=${v.id} ?selected=${v.id === p.parentId}>
                  Revision ${v.revision}${v.versionLabel ? ` (version ${v.versionLabel})` : ""}, ${words(v.status)}</option>`)}</select></div>
                <button class="nhsuk-button nhsuk-button--secondary" type="submit">Compare</button></form>${comparison}</section>`
          : nothing}`,
      p.name,
      { arriving },
    );
  }

  await load();
  draw(true);
}
