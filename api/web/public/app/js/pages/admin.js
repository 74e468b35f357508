// Administration, for an organisation's ADMINs: its members (add one, change a role, remove one), its API tokens for
// people and systems (issue, with the secret shown once; rotate; revoke), the shares of its
// pathways and projects with other organisations, and its audit trail, newest first, for everyone
// or one member. Everything goes through the same GraphQL API an administrator's script would use.
import { ApiError, gql, refusal } from "../api.js";
import { when, words } from "../format.js";
import { announce, errorSummary, focusErrors, html, nothing, show } from "../view.js";
import { field, select } from "../components/fields.js";
import { Shares } from "../components/shares.js";

/**
 * @typedef {{ id: string, name: string, principal: string, system: boolean | null, role: string | null,
 *   eventsWrite: boolean | null, createdAt: string, expiresAt: string, revokedAt: string | null, lastUsedAt: string | null }} Token
 * @typedef {{ principalId: string, name: string, system: boolean, role: string }} Member
 * @typedef {{ id: string, odsCode: string, name: string, version: number, members: { nodes: Member[] }, tokens: { nodes: Token[] } }} Organisation
 * @typedef {{ id: string, at: string, principalName: string, operation: string, outcome: string, changes: { field: string }[] }} AuditEntry
 * @typedef {{ entries: AuditEntry[], earlier: string | null }} Trail
 */

/** Audit entries shown at a time. */
const TRAIL_PAGE = 20;

const TRAIL = `query($o: ID!, $p: ID, $before: String) { auditTrail(organisationId: $o, principalId: $p, last: ${TRAIL_PAGE}, before: $before) {
  nodes { id at principalName operation outcome changes { field } } pageInfo { hasPreviousPage startCursor } } }`;

const ORGANISATION = `query($id: ID!) { organisation(id: $id) { id odsCode name version
  members(first: 100) { nodes { principalId name system role } }
  tokens(first: 100) { nodes { id name principal system role eventsWrite createdAt expiresAt revokedAt lastUsedAt } } } }`;

/** @type {import("../router.js").Page} */
export async function admin() {
  /** @type {{ me: { memberships: { organisationId: string, odsCode: string, role: string }[] } }} */
  const { me } = await gql(`{ me { memberships { organisationId odsCode role } } }`);
  const mine = me.memberships.filter((m) => m.role === "ADMIN");
  /** @type {Organisation[]} */
  let organisations = [];
  /** @type {{ organisation: string, secret: string, name: string } | null} */
  let issued = null;
  /** Each organisation's audit trail as far back as read, newest first. @type {Map<string, Trail>} */
  const trails = new Map();
  /** @type {import("../components/fields.js").FieldProblem[]} */
  let problems = [];
  let notice = "";
  /** Whose entries each organisation's trail shows (a member's principal id; everyone's when absent). @type {Map<string, string>} */
  const trailOf = new Map();
  const shares = new Shares(() => draw());
  /** A page of the trail before `before` (the newest page when null), newest first. @param {string} o @param {string | null} before */
  const trailPage = async (o, before) => {
    /** @type {{ auditTrail: { nodes: AuditEntry[], pageInfo: { hasPreviousPage: boolean, startCursor: string | null } } }} */
    const r = await gql(TRAIL, { o, p: trailOf.get(o) || null, before });
    const page = r.auditTrail;
    return { entries: [...page.nodes].reverse(), earlier: page.pageInfo.hasPreviousPage ? page.pageInfo.startCursor : null };
  };
  const load = async () => {
    organisations = await Promise.all(
      mine.map(async (m) => (/** @type {{ organisation: Organisation }} */ (await gql(ORGANISATION, { id: m.organisationId }))).organisation),
    );
    // The newest entries again (anything just done is among them); earlier pages are dropped.
    await Promise.all(organisations.map(async (o) => trails.set(o.id, await trailPage(o.id, null))));
    if (mine.length) await shares.load();
  };

  /** Shows only what one member did (or everyone). @param {Organisation} o @param {string} principal */
  const filterTrail = async (o, principal) => {
    trailOf.set(o.id, principal);
    trails.set(o.id, await trailPage(o.id, null));
    draw();
    const who = o.members.nodes.find((m) => m.principalId === principal);
    announce(who ? `Showing what ${who.name} did.` : "Showing what everyone did.");
  };

  /** Reads the page of `o`'s trail before the oldest shown. @param {Organisation} o */
  const earlier = async (o) => {
    const trail = trails.get(o.id);
    if (!trail?.earlier) return;
    const page = await trailPage(o.id, trail.earlier);
    trails.set(o.id, { entries: [...trail.entries, ...page.entries], earlier: page.earlier });
    draw();
    announce(`Showing ${page.entries.length} earlier entries.`);
  };

  /** @param {SubmitEvent} event @param {Organisation} o */
  const issue = async (event, o) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget));
    const text = (/** @type {string} */ k) => String(form.get(k) ?? "").trim();
    problems = [];
    issued = null;
    const days = Number(text("expiresInDays") || "90");
    if (!text("principal")) problems.push({ field: "principal", message: "Enter who or what the token is for" });
    if (!(Number.isInteger(days) && days >= 1 && days <= 366)) problems.push({ field: "expiresInDays", message: "A token lasts 1 to 366 days" });
    if (!problems.length) {
      try {
        /** @type {{ issueToken: { secret: string, token: Token } }} */
        const made = await gql(`mutation($input: IssueTokenInput!) { issueToken(input: $input) { secret token { id name } } }`, {
          input: { organisationId: o.id, principal: text("principal"), system: Boolean(form.get("system")), role: text("role"),
            expiresInDays: days, eventsWrite: form.get("system") ? Boolean(form.get("eventsWrite")) : null },
        });
        issued = { organisation: o.id, secret: made.issueToken.secret, name: made.issueToken.token.name };
        await load();
        draw();
        document.getElementById("issued-secret")?.focus();
        return;
      } catch (error) {
        problems = refusal(error);
      }
    }
    draw();
    focusErrors();
  };

  /** @param {string} mutation @param {Record<string, unknown>} variables @param {string} done */
  const change = async (mutation, variables, done) => {
    try {
      await gql(mutation, variables);
      notice = done;
      announce(done);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      notice = error.message;
    }
    issued = null;
    await load();
    draw();
  };

  /** Replaces a token's secret; the old one keeps working for a day. @param {Token} t @param {Organisation} o */
  const rotate = async (t, o) => {
    if (!confirm(`Replace the secret of "${t.name}"? The old secret keeps working for 24 hours, so whatever uses it can switch.`)) return;
    try {
      /** @type {{ rotateToken: { secret: string, token: Token } }} */
      const made = await gql(`mutation($id: ID!) { rotateToken(tokenId: $id, overlapHours: 24) { secret token { id name } } }`, { id: t.id });
      await load();
      issued = { organisation: o.id, secret: made.rotateToken.secret, name: made.rotateToken.token.name };
      notice = "";
      draw();
      document.getElementById("issued-secret")?.focus();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      notice = error.message;
      draw();
    }
  };

  /** @param {SubmitEvent} event @param {Organisation} o */
  const addMember = async (event, o) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget));
    const text = (/** @type {string} */ k) => String(form.get(k) ?? "").trim();
    problems = [];
    issued = null;
    if (!text("name")) problems.push({ field: "name", message: "Enter the person's name" });
    if (!problems.length) {
      try {
        await gql(`mutation($input: AddOrganisationMemberInput!) { addOrganisationMember(input: $input) { principalId } }`, {
          input: { organisationId: o.id, name: text("name"), role: text("role"), oidcSubject: text("oidcSubject") || null },
        });
        notice = `Added ${text("name")} as ${words(text("role"))}.`;
        announce(notice);
        await load();
        draw();
        return;
      } catch (error) {
        problems = refusal(error);
      }
    }
    draw();
    focusErrors();
  };

  /** @param {Organisation} o @param {Member} m @param {string} role */
  const setRole = (o, m, role) =>
    change(`mutation($o: ID!, $p: ID!, $r: OrganisationRole!) { setOrganisationMemberRole(organisationId: $o, principalId: $p, role: $r) { role } }`,
      { o: o.id, p: m.principalId, r: role }, `${m.name} is now ${words(role)}.`);

  /** @param {Organisation} o @param {Member} m */
  const removeMember = (o, m) => {
    if (!confirm(`Remove ${m.name} from ${o.name}? Their tokens no longer reach its data.`)) return;
    void change(`mutation($o: ID!, $p: ID!) { removeOrganisationMember(organisationId: $o, principalId: $p) }`,
      { o: o.id, p: m.principalId }, `Removed ${m.name}.`);
  };

  /** @param {Token} t */
  const revoke = (t) => {
    if (!confirm(`Revoke "${t.name}"? Anything using it stops working at once.`)) return;
    void change(`mutation($id: ID!) { revokeToken(tokenId: $id) }`, { id: t.id }, `Revoked ${t.name}.`);
  };

  /** @param {Organisation} o */
  const organisation = (o) => html`<section aria-labelledby="org-${o.id}"><h2 id="org-${o.id}">${o.name} (${o.odsCode})</h2>
    <table class="nhsuk-table qf-compact" id="members-${o.odsCode}"><caption class="nhsuk-table__caption nhsuk-table__caption--s">Members</caption>
      <thead class="nhsuk-table__head"><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Kind</th><th scope="col"><span class="nhsuk-u-visually-hidden">Actions</span></th></tr></thead>
      <tbody class="nhsuk-table__body">${o.members.nodes.map((m) => html`<tr data-member=${m.name}><td>${m.name}</td>
        <td><label class="nhsuk-u-visually-hidden" for="role-${o.odsCode}-${m.principalId}">Role of ${m.name}</label>
          <select class="nhsuk-select" id="role-${o.odsCode}-${m.principalId}"
            @change=${(/** @type {Event} */ e) => setRole(o, m, /** @type {HTMLSelectElement} */ (e.currentTarget).value)}>
            ${["VIEWER", "EDITOR", "ADMIN"].map((r) => html`<option value=${r} ?selected=${r === m.role}>${words(r)}</option>`)}</select></td>
        <td>${m.system ? "system" : "person"}</td>
        <td><button class="qf-link" type="button" @click=${() => removeMember(o, m)}>Remove<span class="nhsuk-u-visually-hidden"> ${m.name}</span></button></td></tr>`)}</tbody></table>
    <details class="nhsuk-details"><summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">Add a member to ${o.name}</span></summary>
      <div class="nhsuk-details__text"><form novalidate @submit=${(/** @type {SubmitEvent} */ e) => addMember(e, o)} id="member-${o.odsCode}">
        ${field({ id: `member-${o.odsCode}-name`, name: "name", label: "Name", hint: "As qiflow shows it; an existing person of this name is reused", problems })}
        ${select({ id: `member-${o.odsCode}-role`, name: "role", label: "Role", value: "VIEWER", problems, options: ["VIEWER", "EDITOR", "ADMIN"].map((r) => ({ value: r, text: words(r) })) })}
        ${field({ id: `member-${o.odsCode}-oidcSubject`, name: "oidcSubject", label: "Sign-in subject (optional)", hint: "The identity provider's subject, for a person who signs in with your organisation's account", problems })}
        <button class="nhsuk-button" type="submit">Add the member</button>
      </form></div></details>
    <table class="nhsuk-table qf-compact" id="tokens-${o.odsCode}"><caption class="nhsuk-table__caption nhsuk-table__caption--s">API tokens</caption>
      <thead class="nhsuk-table__head"><tr><th scope="col">Token</th><th scope="col">For</th><th scope="col">Role</th><th scope="col">Expires</th>
        <th scope="col">Last used</th><th scope="col"><span class="nhsuk-u-visually-hidden">Actions</span></th></tr></thead>
      <tbody class="nhsuk-table__body">${o.tokens.nodes.map((t) => html`<tr data-token=${t.name}><td>${t.name}</td><td>${t.principal}${t.system ? " (system)" : ""}</td>
        <td>${words(t.role)}</td><td>${when(t.expiresAt)}</td><td>${t.lastUsedAt ? when(t.lastUsedAt) : "never"}</td>
        <td>${t.revokedAt ? html`revoked ${when(t.revokedAt)}` : html`<button class="qf-link" type="button" @click=${() => rotate(t, o)}>Rotate<span class="nhsuk-u-visually-hidden"> ${t.name}</span></button>
          <button class="qf-link" type="button" @click=${() => revoke(t)}>Revoke<span class="nhsuk-u-visually-hidden"> ${t.name}</span></button>`}</td></tr>`)}</tbody></table>
    ${issued?.organisation === o.id
      ? html`<div class="nhsuk-inset-text" role="status"><p>The token for ${issued.name} is below. Copy it now: it is shown only once, and only its fingerprint is kept.</p>
          <p><code id="issued-secret" tabindex="-1">${issued.secret}</code></p>
          <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button" @click=${() => {
            void navigator.clipboard?.writeText(issued?.secret ?? "").then(() => announce("Copied."));
          }}>Copy the token</button></div>`
      : nothing}
    <details class="nhsuk-details"><summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">Issue a token for ${o.name}</span></summary>
      <div class="nhsuk-details__text"><form novalidate @submit=${(/** @type {SubmitEvent} */ e) => issue(e, o)} id="issue-${o.odsCode}">
        ${field({ id: `issue-${o.odsCode}-principal`, name: "principal", label: "For", hint: "A person's name, or the system's: for example, Ward 7 PAS feed", problems })}
        ${select({ id: `issue-${o.odsCode}-role`, name: "role", label: "Role", value: "VIEWER", problems, options: ["VIEWER", "EDITOR", "ADMIN"].map((r) => ({ value: r, text: words(r) })) })}
        ${field({ id: `issue-${o.odsCode}-expiresInDays`, name: "expiresInDays", label: "Lasts (days)", type: "number", value: 90, problems, width: "nhsuk-input--width-5" })}
        <div class="nhsuk-checkboxes nhsuk-checkboxes--small nhsuk-form-group">
          <div class="nhsuk-checkboxes__item"><input class="nhsuk-checkboxes__input" id="issue-${o.odsCode}-system" name="system" type="checkbox" value="1">
            <label class="nhsuk-label nhsuk-checkboxes__label" for="issue-${o.odsCode}-system">A system, not a person</label></div>
          <div class="nhsuk-checkboxes__item"><input class="nhsuk-checkboxes__input" id="issue-${o.odsCode}-eventsWrite" name="eventsWrite" type="checkbox" value="1">
            <label class="nhsuk-label nhsuk-checkboxes__label" for="issue-${o.odsCode}-eventsWrite">May upload patient-level events (systems only)</label></div>
        </div>
        <button class="nhsuk-button" type="submit">Issue the token</button>
      </form></div></details>
    ${shares.view(o)}
    ${trailTable(o)}
  </section>`;

  /** The organisation's audit trail, newest first, with a way back. @param {Organisation} o */
  const trailTable = (o) => {
    const trail = trails.get(o.id);
    if (!trail) return nothing;
    return html`<div class="nhsuk-form-group"><label class="nhsuk-label" for="trail-${o.odsCode}-who">Audit trail of</label>
        <select class="nhsuk-select" id="trail-${o.odsCode}-who" @change=${(/** @type {Event} */ e) => filterTrail(o, /** @type {HTMLSelectElement} */ (e.currentTarget).value)}>
          <option value="" ?selected=${!trailOf.get(o.id)}>everyone</option>
          ${o.members.nodes.map((m) => html`<option value=${m.principalId} ?selected=${trailOf.get(o.id) === m.principalId}>${m.name}</option>`)}</select></div>
      <table class="nhsuk-table qf-compact" id="trail-${o.odsCode}"><caption class="nhsuk-table__caption nhsuk-table__caption--s">Audit trail, newest first</caption>
        <thead class="nhsuk-table__head"><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Outcome</th></tr></thead>
        <tbody class="nhsuk-table__body">${trail.entries.map((e) => html`<tr data-operation=${e.operation}><td>${when(e.at)}</td><td>${e.principalName}</td>
          <td>${e.operation}${e.changes.length ? html` (changed ${e.changes.map((c) => c.field).join(", ")})` : nothing}</td><td>${e.outcome === "OK" ? "done" : words(e.outcome)}</td></tr>`)}</tbody></table>
      ${trail.entries.length ? nothing : html`<p>Nothing recorded yet.</p>`}
      ${trail.earlier ? html`<button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button" @click=${() => earlier(o)}>Show earlier entries</button>` : nothing}`;
  };

  const draw = (arriving = false) =>
    show(
      html`${errorSummary(problems.map((p) => ({ message: p.message })))}
        <h1>Administration</h1>
        ${notice ? html`<p role="status" id="notice">${notice}</p>` : nothing}
        ${mine.length ? organisations.map(organisation) : html`<p>You administer no organisation. Ask one of its administrators.</p>`}`,
      "Administration",
      { arriving },
    );
  await load();
  draw(true);
}
