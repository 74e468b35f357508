// PDSA cycles in the project page: plan one (a change idea from the diagram, an objective, the
// questions it answers, who does what where and when, how the data is collected, predictions
// naming their measures), record what the team sees while it runs, move it on with the one move
// its stage allows
// (PLAN → DO → STUDY → ACT → closed), read the study's judgement of each prediction on the
// measure's chart, and decide: adopt, adapt (which plans the next cycle of the ramp) or abandon.
import { ApiError, gql } from "../api.js";
import { ukDate } from "../paste.js";
import { announce, html, nothing } from "../view.js";
import { when, words } from "../format.js";
import { rampTimeline } from "./ramp.js";

/**
 * @typedef {{ id: string, changeIdea: string, stage: string, version: number, objective: string,
 *   plannedStart: string | null, plannedEnd: string | null, actualStart: string | null, actualEnd: string | null,
 *   learning: string | null, decision: string | null, rationale: string | null,
 *   predictions: { measureId: string, expectedValue: number | null, expectedDirection: string | null }[],
 *   study: { measureId: string, verdict: string, reason: string }[],
 *   history: { from: string | null, to: string, at: string, by: string }[],
 *   questions: string[], plan: string, dataCollection: string, previousCycleId: string | null,
 *   observations: { nodes: { id: string, at: string, author: string, text: string }[] },
 *   signals?: { measureId: string, timeToSignal: { tooShort: boolean, warning: string | null, pointsInCycle: number | null,
 *     timeToSignal: { expectedPoints: number, p90Points: number } } | null }[] }} Cycle
 * @typedef {{ id: string, version: number, drivers: { id: string, kind: string, text: string }[],
 *   measures: { nodes: { id: string, name: string }[] }, cycles: { nodes: Cycle[] } }} Project
 */

/** The fields of a project's cycles this component shows. */
export const CYCLE_FIELDS = `id changeIdea stage version objective plannedStart plannedEnd actualStart actualEnd learning decision rationale
  predictions { measureId expectedValue expectedDirection } study { measureId verdict reason } history { from to at by }
  questions plan dataCollection previousCycleId`;

/**
 * Gives each cycle that has started its observations: a query per cycle, as the project's own
 * query would pass the API's complexity limit with every cycle's observations in it.
 * @param {Cycle[]} cycles
 */
export async function withObservations(cycles) {
  await Promise.all(cycles.map(async (c) => {
    c.observations = { nodes: [] };
    if (c.stage === "PLAN") return;
    /** @type {{ cycle: { observations: Cycle["observations"] } }} */
    const r = await gql(`query($id: ID!) { cycle(id: $id) { observations(first: 50) { nodes { id at author text } } } }`, { id: c.id });
    c.observations = r.cycle.observations;
  }));
}

/**
 * Gives each cycle still in PLAN, for its predicted values, how long each change takes to show
 * and whether the planned dates are long enough: a query per such cycle, as for observations.
 * @param {Cycle[]} cycles
 */
export async function withSignalTimes(cycles) {
  await Promise.all(cycles.filter((c) => c.stage === "PLAN").map(async (c) => {
    /** @type {{ cycle: { predictions: NonNullable<Cycle["signals"]> } }} */
    const r = await gql(`query($id: ID!) { cycle(id: $id) { predictions { measureId timeToSignal {
      tooShort warning pointsInCycle timeToSignal { expectedPoints p90Points } } } } }`, { id: c.id });
    c.signals = r.cycle.predictions;
  }));
}

/** What each stage's one move is called, and what it asks for. */
const MOVES = /** @type {Record<string, { label: string, next: string }>} */ ({
  PLAN: { label: "Start the test (DO)", next: "DO" },
  DO: { label: "Finish the test (STUDY)", next: "STUDY" },
  STUDY: { label: "Record the learning (ACT)", next: "ACT" },
  ACT: { label: "Decide", next: "CLOSED" },
});

/** A project's cycles; the state lives across redraws. */
export class Cycles {
  /** @param {() => Promise<void>} reload */
  constructor(reload) {
    this.reload = reload;
    /** @type {Record<string, string>} problems by cycle id ("new" for the plan form) */
    this.problems = {};
  }

  /** @param {Project} p */
  view(p) {
    const names = new Map(p.measures.nodes.map((m) => [m.id, m.name]));
    return html`${rampTimeline(p.cycles.nodes)}<ol class="nhsuk-list" id="cycles">${p.cycles.nodes.map((c, i) => html`<li><div class="nhsuk-card" data-cycle=${c.id}><div class="nhsuk-card__content">
        <h3 class="nhsuk-card__heading">Cycle ${i + 1}: ${c.changeIdea} <strong class="nhsuk-tag" data-stage=${c.stage}>${words(c.stage)}</strong></h3>
        <p>${c.objective}</p>
        ${c.questions.length ? html`<p class="nhsuk-u-margin-bottom-1"><strong>Questions:</strong></p><ul>${c.questions.map((q) => html`<li>${q}</li>`)}</ul>` : nothing}
        ${c.plan ? html`<p><strong>Who, what, where, when:</strong> ${c.plan}</p>` : nothing}
        ${c.dataCollection ? html`<p><strong>Data collection:</strong> ${c.dataCollection}</p>` : nothing}
        <p class="nhsuk-body-s">Planned ${c.plannedStart ?? "—"} to ${c.plannedEnd ?? "—"}; ran ${c.actualStart ?? "—"} to ${c.actualEnd ?? "—"}</p>
        ${c.predictions.length ? html`<p>Predictions: ${c.predictions.map((x) =>
          `${names.get(x.measureId) ?? "a measure"} will ${x.expectedDirection ? words(x.expectedDirection) : `reach ${x.expectedValue}`}`).join("; ")}</p>` : nothing}
        ${(c.signals ?? []).filter((x) => x.timeToSignal).map((x) => {
          const t = /** @type {NonNullable<typeof x.timeToSignal>} */ (x.timeToSignal);
          const said = `${names.get(x.measureId) ?? "A measure"}: the change needs about ${Math.ceil(t.timeToSignal.expectedPoints)} points to show on its chart (9 times in 10 within ${t.timeToSignal.p90Points})`;
          return t.tooShort
            ? html`<div class="nhsuk-warning-callout qf-signal-warning"><h4 class="nhsuk-warning-callout__label"><span role="text"><span class="nhsuk-u-visually-hidden">Important: </span>Too short to see the change</span></h4>
                <p>${t.warning}. Plan a longer test, or predict a bigger change.</p></div>`
            : html`<p class="nhsuk-body-s qf-signal">${said}${t.pointsInCycle == null ? "" : `; the planned dates hold ${t.pointsInCycle}`}.</p>`;
        })}
        ${c.study.length && c.stage !== "PLAN" && c.stage !== "DO"
          ? html`<h4>What the charts say</h4><ul class="qf-study">${c.study.map((s) => html`<li><strong class="nhsuk-tag ${s.verdict === "MET" ? "nhsuk-tag--green" : s.verdict === "NOT_MET" ? "nhsuk-tag--red" : "nhsuk-tag--grey"}">${words(s.verdict)}</strong>
              ${names.get(s.measureId) ?? "a measure"}: ${s.reason}</li>`)}</ul>`
          : nothing}
        ${c.observations.nodes.length || c.stage === "DO"
          ? html`<h4>What the team saw</h4><ul class="qf-observations">${c.observations.nodes.map((o) => html`<li>${o.text} <span class="nhsuk-body-s">(${o.author}, ${when(o.at)})</span></li>`)}</ul>`
          : nothing}
        ${c.stage === "DO" ? this.observeForm(c) : nothing}
        ${c.learning ? html`<p><strong>Learning:</strong> ${c.learning}</p>` : nothing}
        ${c.decision ? html`<p><strong>Decision:</strong> ${words(c.decision)}${c.rationale ? `: ${c.rationale}` : ""}</p>` : nothing}
        ${MOVES[c.stage] ? this.moveForm(c) : nothing}
        <details class="nhsuk-details"><summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">History</span></summary>
          <div class="nhsuk-details__text"><ol>${c.history.map((h) => html`<li>${h.from ? words(h.from) : "new"} → ${words(h.to)}, ${when(h.at)}, by ${h.by}</li>`)}</ol></div></details>
      </div></div></li>`)}</ol>
      ${this.planForm(p)}`;
  }

  /** The one move a cycle's stage allows, and why the others are not offered. @param {Cycle} c */
  moveForm(c) {
    const move = MOVES[c.stage];
    const today = new Date().toISOString().slice(0, 10);
    const field = c.stage === "PLAN" || c.stage === "DO"
      ? html`<div class="nhsuk-form-group"><label class="nhsuk-label" for="move-date-${c.id}">${c.stage === "PLAN" ? "Date the test started" : "Date the test ended"}</label>
          <div class="nhsuk-hint" id="move-date-${c.id}-hint">Day/month/year</div>
          <input class="nhsuk-input nhsuk-input--width-10" id="move-date-${c.id}" name="date" aria-describedby="move-date-${c.id}-hint"
            .value=${(c.stage === "PLAN" ? c.plannedStart : c.plannedEnd) ?? today}></div>`
      : c.stage === "STUDY"
        ? html`<div class="nhsuk-form-group"><label class="nhsuk-label" for="move-learning-${c.id}">What did the team learn?</label>
            <textarea class="nhsuk-textarea" id="move-learning-${c.id}" name="learning" rows="3"></textarea></div>`
        : html`<div class="nhsuk-form-group"><fieldset class="nhsuk-fieldset"><legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Decision</legend>
            <div class="nhsuk-radios nhsuk-radios--inline">${["ADOPT", "ADAPT", "ABANDON"].map((d, i) => html`<div class="nhsuk-radios__item">
              <input class="nhsuk-radios__input" id="decide-${c.id}-${d}" name="decision" type="radio" value=${d} ?checked=${i === 0}>
              <label class="nhsuk-label nhsuk-radios__label" for="decide-${c.id}-${d}">${words(d)}</label></div>`)}</div></fieldset></div>
          <div class="nhsuk-form-group"><label class="nhsuk-label" for="move-rationale-${c.id}">Why</label>
            <input class="nhsuk-input" id="move-rationale-${c.id}" name="rationale" type="text"></div>`;
    return html`<form class="qf-move" novalidate @submit=${(/** @type {SubmitEvent} */ e) => this.move(e, c)}>
      <p class="nhsuk-body-s">Next: ${words(move.next)}. A cycle moves plan → do → study → act, one stage at a time, so this is the only move now.</p>
      ${this.problems[c.id] ? html`<p class="nhsuk-error-message" role="alert" id="move-error-${c.id}">${this.problems[c.id]}</p>` : nothing}
      ${field}
      <button class="nhsuk-button nhsuk-button--secondary" type="submit">${move.label}</button>
    </form>`;
  }

  /** Recording an observation while the test runs. @param {Cycle} c */
  observeForm(c) {
    const key = `observe-${c.id}`;
    return html`<form class="qf-observe" novalidate @submit=${(/** @type {SubmitEvent} */ e) => this.observe(e, c)}>
      ${this.problems[key] ? html`<p class="nhsuk-error-message" role="alert" id="observe-error-${c.id}">${this.problems[key]}</p>` : nothing}
      <div class="nhsuk-form-group"><label class="nhsuk-label" for="observe-${c.id}">What did the team see?</label>
        <div class="nhsuk-hint" id="observe-${c.id}-hint">In your words; never a patient's name or NHS number</div>
        <textarea class="nhsuk-textarea" id="observe-${c.id}" name="text" rows="2" aria-describedby="observe-${c.id}-hint"></textarea></div>
      <button class="nhsuk-button nhsuk-button--secondary" type="submit">Record the observation</button></form>`;
  }

  /** @param {SubmitEvent} event @param {Cycle} c */
  async observe(event, c) {
    event.preventDefault();
    const key = `observe-${c.id}`;
    const form = /** @type {HTMLFormElement} */ (event.currentTarget);
    const text = String(new FormData(form).get("text") ?? "").trim();
    if (!text) this.problems[key] = "Say what the team saw";
    else {
      try {
        await gql(`mutation($id: ID!, $t: String!) { addObservation(cycleId: $id, text: $t) { id } }`, { id: c.id, t: text });
        delete this.problems[key];
        form.reset();
        announce("Recorded the observation.");
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        this.problems[key] = error.message;
      }
    }
    await this.reload();
    if (this.problems[key]) document.getElementById(`observe-error-${c.id}`)?.focus();
  }

  /** @param {SubmitEvent} event @param {Cycle} c */
  async move(event, c) {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget));
    const text = (/** @type {string} */ k) => String(form.get(k) ?? "").trim();
    /** @type {Record<string, unknown> | null} */
    let action = null;
    if (c.stage === "PLAN" || c.stage === "DO") {
      const date = ukDate(text("date"));
      if (!date) this.problems[c.id] = `"${text("date")}" is not a date: use day/month/year, such as 31/01/2025`;
      else action = c.stage === "PLAN" ? { start: { actualStart: date } } : { complete: { actualEnd: date } };
    } else if (c.stage === "STUDY") {
      if (!text("learning")) this.problems[c.id] = "Say what the team learned";
      else action = { learn: { learning: text("learning") } };
    } else if (!text("rationale")) this.problems[c.id] = "Say why";
    else action = { decide: { decision: text("decision"), rationale: text("rationale") } };
    if (action) {
      try {
        await gql(`mutation($id: ID!, $v: Int!, $a: CycleMoveInput!) { advanceCycle(cycleId: $id, expectedVersion: $v, action: $a) { cycle { stage } } }`,
          { id: c.id, v: c.version, a: action });
        delete this.problems[c.id];
        announce(`The cycle moved to ${words(MOVES[c.stage].next)}.`);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        this.problems[c.id] = error.message;
      }
    }
    await this.reload();
    if (this.problems[c.id]) document.getElementById(`move-error-${c.id}`)?.focus();
  }

  /** @param {Project} p */
  planForm(p) {
    const ideas = p.drivers.filter((d) => d.kind === "CHANGE_IDEA");
    return html`<details class="nhsuk-details" ?open=${Boolean(this.problems.new)}><summary class="nhsuk-details__summary" id="plan-cycle-summary"><span class="nhsuk-details__summary-text">Plan a cycle</span></summary>
      <div class="nhsuk-details__text"><form id="plan-cycle" novalidate @submit=${(/** @type {SubmitEvent} */ e) => this.plan(e, p)}>
        ${this.problems.new ? html`<p class="nhsuk-error-message" role="alert" id="plan-error" tabindex="-1">${this.problems.new}</p>` : nothing}
        ${ideas.length
          ? html`<div class="nhsuk-form-group"><label class="nhsuk-label" for="plan-idea">Change idea to test</label>
              <select class="nhsuk-select" id="plan-idea" name="idea">${ideas.map((d) => html`<option value=${d.id}>${d.text}</option>`)}</select></div>`
          : html`<div class="nhsuk-form-group"><label class="nhsuk-label" for="plan-idea-text">Change idea to test</label>
              <input class="nhsuk-input" id="plan-idea-text" name="ideaText" type="text"></div>`}
        <div class="nhsuk-form-group"><label class="nhsuk-label" for="plan-objective">Objective</label>
          <input class="nhsuk-input" id="plan-objective" name="objective" type="text"></div>
        <div class="nhsuk-form-group"><label class="nhsuk-label" for="plan-questions">Questions the test answers (optional)</label>
          <div class="nhsuk-hint" id="plan-questions-hint">One a line: for example, will the trauma coordinator see every patient before 10am?</div>
          <textarea class="nhsuk-textarea" id="plan-questions" name="questions" rows="3" aria-describedby="plan-questions-hint"></textarea></div>
        <div class="nhsuk-form-group"><label class="nhsuk-label" for="plan-plan">Who, what, where, when (optional)</label>
          <textarea class="nhsuk-textarea" id="plan-plan" name="plan" rows="2"></textarea></div>
        <div class="nhsuk-form-group"><label class="nhsuk-label" for="plan-dataCollection">How the data is collected (optional)</label>
          <textarea class="nhsuk-textarea" id="plan-dataCollection" name="dataCollection" rows="2"></textarea></div>
        <div class="qf-inline">
          <div class="nhsuk-form-group"><label class="nhsuk-label" for="plan-start">Planned start</label>
            <input class="nhsuk-input nhsuk-input--width-10" id="plan-start" name="start" placeholder="day/month/year"></div>
          <div class="nhsuk-form-group"><label class="nhsuk-label" for="plan-end">Planned end</label>
            <input class="nhsuk-input nhsuk-input--width-10" id="plan-end" name="end" placeholder="day/month/year"></div>
        </div>
        <fieldset class="nhsuk-fieldset"><legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Predictions (a cycle needs one to start)</legend>
          ${p.measures.nodes.map((m) => html`<div class="qf-inline"><div class="nhsuk-form-group"><label class="nhsuk-label" for="predict-${m.id}">${m.name} will</label>
            <select class="nhsuk-select" id="predict-${m.id}" name="predict-${m.id}">
              <option value="">not be predicted</option><option value="DECREASE">decrease</option><option value="INCREASE">increase</option><option value="NEUTRAL">stay the same</option>
              <option value="VALUE">reach a value</option>
            </select></div>
            <div class="nhsuk-form-group"><label class="nhsuk-label" for="predict-value-${m.id}">The value (when it is to reach one)</label>
              <input class="nhsuk-input nhsuk-input--width-5" id="predict-value-${m.id}" name="predict-value-${m.id}" type="number" step="any" inputmode="decimal"></div></div>`)}</fieldset>
        <button class="nhsuk-button" type="submit">Plan the cycle</button>
      </form></div></details>`;
  }

  /** @param {SubmitEvent} event @param {Project} p */
  async plan(event, p) {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget));
    const text = (/** @type {string} */ k) => String(form.get(k) ?? "").trim();
    const idea = p.drivers.find((d) => d.id === text("idea"));
    const changeIdea = idea?.text ?? text("ideaText");
    const [start, end] = [text("start"), text("end")].map((d) => (d ? ukDate(d) : null));
    const problems = [];
    if (!changeIdea) problems.push("Name the change idea to test");
    if (!text("objective")) problems.push("Give the cycle's objective");
    if (text("start") && !start) problems.push(`Planned start: "${text("start")}" is not a date`);
    if (text("end") && !end) problems.push(`Planned end: "${text("end")}" is not a date`);
    const predictions = p.measures.nodes
      .filter((m) => text(`predict-${m.id}`))
      .map((m) => {
        if (text(`predict-${m.id}`) !== "VALUE") return { measureId: m.id, expectedDirection: text(`predict-${m.id}`) };
        const value = Number(text(`predict-value-${m.id}`));
        if (!text(`predict-value-${m.id}`) || !Number.isFinite(value)) problems.push(`${m.name}: give the value it is to reach`);
        return { measureId: m.id, expectedValue: value };
      });
    if (problems.length) this.problems.new = problems.join("; ");
    else {
      try {
        await gql(`mutation($input: PlanCycleInput!) { planCycle(input: $input) { id } }`, {
          input: { projectId: p.id, changeIdea, changeIdeaId: idea?.id ?? null, objective: text("objective"), predictions,
            plannedStart: start, plannedEnd: end, plan: text("plan"), dataCollection: text("dataCollection"),
            questions: text("questions").split("\n").map((q) => q.trim()).filter(Boolean) },
        });
        delete this.problems.new;
        announce(`Planned a cycle testing ${changeIdea}.`);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        this.problems.new = error.message;
      }
    }
    await this.reload();
    if (this.problems.new) document.getElementById("plan-error")?.focus();
  }
}
