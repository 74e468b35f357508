// Agreement across organisations and comments on a pathway version: who has agreed to the draft,
// who asked for changes and who has not answered; asking them, deciding for one's own
// organisation, publishing without someone's agreement (the owner, with a reason), and the
// discussion on the version, its steps and its transitions. Every action is a GraphQL mutation;
// the pathway page runs it and reloads.
import { when, words } from "../format.js";
import { html, nothing } from "../view.js";
import { fieldErrors, select } from "./fields.js";

/**
 * @typedef {import("../model.js").Pathway} Pathway
 * @typedef {import("../model.js").Me} Me
 * @typedef {import("./fields.js").FieldProblem} FieldProblem
 * @typedef {(query: string, variables: Record<string, unknown>, done: string) => Promise<unknown>} Run
 */

const SETTLED = ["AGREED", "PUBLISHED_WITHOUT_AGREEMENT", "NOT_RECORDED"];

/** @param {string} state */
const tagColour = (state) =>
  state === "AGREED" ? "nhsuk-tag--green"
    : state === "CHANGES_REQUESTED" ? "nhsuk-tag--red"
      : state === "PUBLISHED_WITHOUT_AGREEMENT" ? "nhsuk-tag--orange" : "nhsuk-tag--grey";

/**
 * The organisations (by ODS code) the signed-in person may decide for: ADMIN or EDITOR.
 * @param {Me} me
 */
export const decidesFor = (me) =>
  new Set(me.memberships.filter((m) => m.role === "ADMIN" || m.role === "EDITOR").map((m) => m.odsCode));

/**
 * Who must still agree before the signed-in person may publish (their own organisations agree
 * by publishing).
 * @param {Pathway} p @param {Me} me
 */
export const stillToAgree = (p, me) => {
  const mine = decidesFor(me);
  return p.agreement.organisations.filter((o) => !SETTLED.includes(o.state) && !mine.has(o.organisation.odsCode));
};

/** @param {FormData} form @param {string} name */
const text = (form, name) => String(form.get(name) ?? "").trim();

/**
 * The agreement panel.
 * @param {{ p: Pathway, me: Me, busy: boolean, problems: FieldProblem[], run: Run }} options
 */
export function agreementView({ p, me, busy, problems, run }) {
  const draft = p.status === "DRAFT";
  const mine = decidesFor(me);
  const waiting = stillToAgree(p, me);
  const owner = mine.has(p.owner.odsCode);
  const decidable = draft ? p.agreement.organisations.filter((o) => mine.has(o.organisation.odsCode)) : [];
  const ask = () => run(`mutation($id: ID!, $v: Int!) { requestPathwayAgreement(pathwayId: $id, expectedVersion: $v) { complete } }`,
    { id: p.id, v: p.revision }, "Asked the organisations to agree to this version.");
  /** @param {SubmitEvent} event */
  const decide = (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget));
    const submitter = /** @type {HTMLButtonElement | null} */ (event.submitter);
    const decision = submitter?.value === "REQUEST_CHANGES" ? "REQUEST_CHANGES" : "APPROVE";
    const organisation = p.agreement.organisations.find((o) => o.organisation.odsCode === text(form, "organisation"));
    return run(`mutation($i: PathwayAgreementInput!) { decidePathwayAgreement(input: $i) { complete } }`,
      { i: { pathwayId: p.id, expectedVersion: p.revision, organisationId: organisation?.organisation.id,
        decision, comment: text(form, "comment") || null } },
      decision === "APPROVE" ? `${organisation?.organisation.name ?? "Your organisation"} agreed to this version.`
        : "Asked for changes.");
  };
  /** @param {SubmitEvent} event */
  const publishWithout = (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget));
    return run(`mutation($id: ID!, $v: Int!, $r: String) { publishPathway(id: $id, expectedVersion: $v, withoutAgreementReason: $r) { id } }`,
      { id: p.id, v: p.revision, r: text(form, "withoutAgreementReason") }, "Published without every organisation's agreement.");
  };
  const reasonErrors = fieldErrors(problems, "withoutAgreementReason");
  const commentErrors = fieldErrors(problems, "comment");
  return html`<section aria-labelledby="agreement-title" id="agreement">
    <h2 id="agreement-title">Agreement</h2>
    <p>${draft
      ? "Each organisation with steps in this pathway agrees to a version before it is published."
      : "The organisations with steps in this version, and their agreement."}</p>
    <table class="nhsuk-table qf-compact" id="agreement-table"><caption class="nhsuk-table__caption nhsuk-table__caption--s">Organisations</caption>
      <thead class="nhsuk-table__head"><tr><th scope="col">Organisation</th><th scope="col">Agreement</th><th scope="col">Who and when</th><th scope="col">Comment</th></tr></thead>
      <tbody class="nhsuk-table__body">${p.agreement.organisations.map((o) => html`<tr data-organisation=${o.organisation.odsCode}>
        <td>${o.organisation.name} (${o.organisation.odsCode})</td>
        <td><strong class="nhsuk-tag ${tagColour(o.state)}">${words(o.state)}</strong></td>
        <td>${o.decidedBy ? `${o.decidedBy}, ${o.decidedAt ? when(o.decidedAt) : ""}` : o.requestedAt ? `asked ${when(o.requestedAt)}` : "not asked yet"}</td>
        <td>${o.comment ?? ""}</td></tr>`)}</tbody></table>
    ${draft && waiting.length
      ? html`<div class="nhsuk-inset-text" id="agreement-waiting"><p>Publishing waits for ${waiting.map((o) => o.organisation.name).join(", ")}.</p></div>
        <button class="nhsuk-button nhsuk-button--secondary" type="button" id="ask-agreement" ?disabled=${busy} @click=${ask}>Ask the organisations to agree</button>`
      : nothing}
    ${decidable.length
      ? html`<form novalidate id="decide-form" @submit=${decide}>
          ${select({ id: "decide-organisation", name: "organisation", label: "Decide for", problems,
            value: decidable[0].organisation.odsCode,
            options: decidable.map((o) => ({ value: o.organisation.odsCode, text: `${o.organisation.name} (${o.organisation.odsCode})` })) })}
          <div class="nhsuk-form-group ${commentErrors.length ? "nhsuk-form-group--error" : ""}">
            <label class="nhsuk-label" for="decide-comment">Comment</label>
            <div class="nhsuk-hint" id="decide-comment-hint">Required when you ask for changes: say what should change.</div>
            ${commentErrors.length ? html`<span class="nhsuk-error-message" id="decide-comment-error"><span class="nhsuk-u-visually-hidden">Error:</span> ${commentErrors.join("; ")}</span>` : nothing}
            <textarea class="nhsuk-textarea" id="decide-comment" name="comment" rows="2" aria-describedby="decide-comment-hint"></textarea></div>
          <div class="qf-toolbar"><button class="nhsuk-button" type="submit" value="APPROVE" ?disabled=${busy}>Agree to this version</button>
            <button class="nhsuk-button nhsuk-button--secondary" type="submit" value="REQUEST_CHANGES" ?disabled=${busy}>Ask for changes</button></div>
        </form>`
      : nothing}
    ${draft && waiting.length && owner
      ? html`<details class="nhsuk-details" ?open=${reasonErrors.length > 0}><summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">Publish without their agreement</span></summary>
          <div class="nhsuk-details__text"><form novalidate id="publish-without-form" @submit=${publishWithout}>
            <div class="nhsuk-form-group ${reasonErrors.length ? "nhsuk-form-group--error" : ""}">
              <label class="nhsuk-label" for="withoutAgreementReason">Why publish without them</label>
              <div class="nhsuk-hint" id="withoutAgreementReason-hint">Recorded against each organisation that has not agreed, and shown with this version.</div>
              ${reasonErrors.length ? html`<span class="nhsuk-error-message" id="withoutAgreementReason-error"><span class="nhsuk-u-visually-hidden">Error:</span> ${reasonErrors.join("; ")}</span>` : nothing}
              <textarea class="nhsuk-textarea" id="withoutAgreementReason" name="withoutAgreementReason" rows="2" aria-describedby="withoutAgreementReason-hint"></textarea></div>
            <button class="nhsuk-button nhsuk-button--warning" type="submit" ?disabled=${busy || p.problems.length > 0}>Publish without their agreement</button>
          </form></div></details>`
      : nothing}
  </section>`;
}

/**
 * Its author's correction of a comment: "Correct it" opens onto the comment's text. Comments
 * others wrote have none (the API refuses them to anyone but the author).
 * @param {import("../model.js").Comment} c
 * @param {(c: import("../model.js").Comment, body: string) => unknown} save
 * @param {string[]} [errors] what the API said of the last correction of this comment
 */
export function correctionView(c, save, errors = []) {
  if (!c.yours) return nothing;
  /** @param {SubmitEvent} event */
  const submit = (event) => {
    event.preventDefault();
    save(c, text(new FormData(/** @type {HTMLFormElement} */ (event.currentTarget)), "body"));
  };
  return html`<details class="nhsuk-details nhsuk-u-margin-bottom-1" ?open=${errors.length > 0}><summary class="nhsuk-details__summary"><span
      class="nhsuk-details__summary-text">Correct it<span class="nhsuk-u-visually-hidden">: ${c.body}</span></span></summary>
    <div class="nhsuk-details__text"><form novalidate @submit=${submit}>
      <div class="nhsuk-form-group ${errors.length ? "nhsuk-form-group--error" : ""}">
        <label class="nhsuk-label" for="correct-${c.id}">Your comment</label>
        ${errors.length ? html`<span class="nhsuk-error-message" id="correct-${c.id}-error"><span class="nhsuk-u-visually-hidden">Error:</span> ${errors.join("; ")}</span>` : nothing}
        <textarea class="nhsuk-textarea" id="correct-${c.id}" name="body" rows="2" .value=${c.body}></textarea></div>
      <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="submit">Save the correction</button></form></div></details>`;
}

/** The comment whose correction the pathway page sent last: the API's field errors are its. */
let correcting = "";

/**
 * The discussion on the version, its steps and its transitions.
 * @param {{ p: Pathway, me: Me, busy: boolean, problems: FieldProblem[], run: Run, more: () => unknown }} options
 */
export function commentsView({ p, me, busy, problems, run, more }) {
  /** @param {string} about @param {string} id */
  const subject = (about, id) =>
    about === "STEP" ? `Step: ${p.steps.find((s) => s.id === id)?.name ?? "removed"}`
      : about === "TRANSITION" ? (() => {
        const t = p.transitions.find((x) => x.id === id);
        return t ? `Transition: ${t.from.name} → ${t.to.name}` : "Transition: removed";
      })()
        : "The whole version";
  /** @param {SubmitEvent} event */
  const add = (event) => {
    event.preventDefault();
    const formElement = /** @type {HTMLFormElement} */ (event.currentTarget);
    const form = new FormData(formElement);
    const [kind, id] = text(form, "about").split(":");
    const input = { body: text(form, "body"), ...(kind === "step" ? { stepId: id } : kind === "transition" ? { transitionId: id } : { pathwayId: p.id }) };
    correcting = "";
    return run(`mutation($i: AddCommentInput!) { addComment(input: $i) { id } }`, { i: input }, "Added the comment.");
  };
  /** @param {import("../model.js").Comment} c @param {string} body */
  const correct = (c, body) => {
    correcting = c.id;
    return run(`mutation($i: EditCommentInput!) { editComment(input: $i) { id } }`,
      { i: { id: c.id, expectedVersion: c.version, body } }, "Corrected the comment.");
  };
  /** @param {import("../model.js").Comment} c */
  const toggle = (c) => run(`mutation($i: ResolveCommentInput!) { resolveComment(input: $i) { id } }`,
    { i: { id: c.id, expectedVersion: c.version, resolved: !c.resolved } }, c.resolved ? "Opened the comment again." : "Marked the comment resolved.");
  const bodyErrors = correcting ? [] : fieldErrors(problems, "body");
  const shown = p.comments.nodes.length;
  return html`<section aria-labelledby="comments-title" id="comments" class="qf-no-print">
    <h2 id="comments-title">Comments <span class="nhsuk-body-s" id="comments-open">(${p.openComments.totalCount} open)</span></h2>
    ${p.comments.pageInfo.hasNextPage
      ? html`<p class="nhsuk-body-s" id="comments-shown">Showing the oldest ${shown} of ${p.comments.totalCount} comments.</p>`
      : nothing}
    ${p.comments.nodes.length
      ? html`<ul class="nhsuk-list" id="comment-list">${p.comments.nodes.map((c) => html`<li class="qf-comment" data-resolved=${String(c.resolved)}>
          <p class="nhsuk-body-s nhsuk-u-margin-bottom-1"><strong>${c.author}</strong> · ${when(c.createdAt)} · ${subject(c.about, c.subjectId)}
            ${c.resolved ? html` · <strong class="nhsuk-tag nhsuk-tag--green">resolved</strong>${c.resolvedBy ? ` by ${c.resolvedBy}` : ""}` : nothing}</p>
          <p class="nhsuk-u-margin-bottom-1">${c.body}</p>
          ${correctionView(c, correct, correcting === c.id ? fieldErrors(problems, "body") : [])}
          <button class="qf-link" type="button" ?disabled=${busy} @click=${() => toggle(c)}>${c.resolved ? "Open again" : "Mark resolved"}<span
            class="nhsuk-u-visually-hidden">: ${c.body}</span></button></li>`)}</ul>`
      : html`<p>No comments yet.</p>`}
    ${p.comments.pageInfo.hasNextPage
      ? html`<button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button" id="more-comments" ?disabled=${busy}
          @click=${more}>Show more comments</button>`
      : nothing}
    <form novalidate id="comment-form" @submit=${add}>
      ${select({ id: "comment-about", name: "about", label: "About", problems, value: "pathway",
        options: [{ value: "pathway", text: "The whole version" },
          ...p.steps.map((s) => ({ value: `step:${s.id}`, text: `Step: ${s.name}` })),
          ...p.transitions.map((t) => ({ value: `transition:${t.id}`, text: `Transition: ${t.from.name} → ${t.to.name}` }))] })}
      <div class="nhsuk-form-group ${bodyErrors.length ? "nhsuk-form-group--error" : ""}">
        <label class="nhsuk-label" for="comment-body">Comment</label>
        ${bodyErrors.length ? html`<span class="nhsuk-error-message" id="comment-body-error"><span class="nhsuk-u-visually-hidden">Error:</span> ${bodyErrors.join("; ")}</span>` : nothing}
        <textarea class="nhsuk-textarea" id="comment-body" name="body" rows="2"></textarea></div>
      <button class="nhsuk-button nhsuk-button--secondary" type="submit" ?disabled=${busy}>Add the comment</button>
      <span class="nhsuk-body-s">Signed in as ${me.name}</span>
    </form>
  </section>`;
}
