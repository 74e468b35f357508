// "What changed in the pathway?": an event log's cases before and after a date compared
// transition by transition (the API's `EventLog.compare`, or `Measure.explainChange` for a
// measure computed from a log), ranked with the most significant change first, each with its
// 95% interval and its part in the change of the mean time, and the routes that grew or shrank.
import { gql, refusal } from "../api.js";
import { ukDate } from "../paste.js";
import { minutes, percent } from "../format.js";
import { announce, errorSummary, focusErrors, html, nothing } from "../view.js";
import { field, select } from "./fields.js";

/** The comparison's fields the page shows. */
export const COMPARISON_FIELDS = `splitAt fromActivity toActivity beforeCases afterCases beforeMeanSeconds afterMeanSeconds
  beforeMedianSeconds afterMedianSeconds
  transitions { from to significant medianChangeSeconds ci95 perCaseChange contributionSeconds summary
    before { perCase medianSeconds } after { perCase medianSeconds } }
  variants { activities beforeShare afterShare }`;

/** Seconds as the page says a time; a dash when there is none. @param {number | null | undefined} s */
const time = (s) => (s == null ? "—" : minutes(s / 60));
/** A change in seconds with its sign. @param {number | null | undefined} s */
const change = (s) => (s == null ? "—" : `${s > 0 ? "+" : s < 0 ? "−" : ""}${minutes(Math.abs(s) / 60)}`);

/**
 * A comparison as tables: the headline figures, the ten transitions that changed most, the routes.
 * @param {any} c the API's LogComparison
 * @param {string} id the element id of the whole
 */
export function comparisonView(c, id) {
  const span = c.fromActivity ? `from ${c.fromActivity} to ${c.toActivity}` : "per case";
  return html`<div id=${id} tabindex="-1">
    <div class="qf-figures">
      <div class="qf-figure">Cases before<b>${c.beforeCases}</b></div><div class="qf-figure">Cases after<b>${c.afterCases}</b></div>
      <div class="qf-figure">Mean time ${span}<b>${time(c.beforeMeanSeconds)} → ${time(c.afterMeanSeconds)}</b></div>
      <div class="qf-figure">Median time<b>${time(c.beforeMedianSeconds)} → ${time(c.afterMedianSeconds)}</b></div></div>
    <table class="nhsuk-table qf-compact" id="${id}-transitions"><caption class="nhsuk-table__caption nhsuk-table__caption--s">What changed, most significant first</caption>
      <thead class="nhsuk-table__head"><tr><th scope="col">Move</th><th scope="col">Median wait before → after</th><th scope="col">Change (95% interval)</th>
        <th scope="col">Times per case</th><th scope="col">Part of the change in mean time</th><th scope="col">In words</th></tr></thead>
      <tbody class="nhsuk-table__body">${c.transitions.slice(0, 10).map((/** @type {any} */ t) => html`<tr data-from=${t.from} data-to=${t.to}>
        <td>${t.from} → ${t.to} ${t.significant ? html`<strong class="nhsuk-tag nhsuk-tag--orange">significant</strong>` : nothing}</td>
        <td>${time(t.before.medianSeconds)} → ${time(t.after.medianSeconds)}</td>
        <td>${change(t.medianChangeSeconds)}${t.ci95 ? ` (${change(t.ci95[0])} to ${change(t.ci95[1])})` : ""}</td>
        <td>${t.before.perCase.toFixed(2)} → ${t.after.perCase.toFixed(2)}</td>
        <td>${change(t.contributionSeconds)}</td><td>${t.summary}</td></tr>`)}</tbody></table>
    ${c.variants.length
      ? html`<table class="nhsuk-table qf-compact" id="${id}-variants"><caption class="nhsuk-table__caption nhsuk-table__caption--s">Routes whose share changed most</caption>
        <thead class="nhsuk-table__head"><tr><th scope="col">Activities in order</th><th scope="col">Share before</th><th scope="col">Share after</th></tr></thead>
        <tbody class="nhsuk-table__body">${c.variants.map((/** @type {any} */ v) => html`<tr><td>${v.activities.join(" → ")}</td>
          <td>${percent(v.beforeShare)}</td><td>${percent(v.afterShare)}</td></tr>`)}</tbody></table>`
      : nothing}</div>`;
}

/** The log page's comparison of two periods; its state lives across redraws. */
export class PeriodComparison {
  /** @param {string} logId @param {() => void} redraw */
  constructor(logId, redraw) {
    this.logId = logId;
    this.redraw = redraw;
    /** @type {import("./fields.js").FieldProblem[]} */
    this.problems = [];
    /** @type {any} */
    this.result = null;
    this.values = { split: "", from: "", to: "" };
  }

  /** @param {SubmitEvent} event */
  async compare(event) {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget));
    const text = (/** @type {string} */ k) => String(form.get(k) ?? "").trim();
    this.values = { split: text("split"), from: text("from"), to: text("to") };
    const split = ukDate(this.values.split);
    this.problems = [];
    if (!split) this.problems.push({ field: "split", message: "Enter the date to compare before and after, as day/month/year" });
    if (Boolean(this.values.from) !== Boolean(this.values.to)) {
      this.problems.push({ field: this.values.from ? "to" : "from", message: "Choose both activities, or neither for whole cases" });
    }
    if (!this.problems.length) {
      try {
        /** @type {{ eventLog: { compare: any } }} */
        const r = await gql(`query($id: ID!, $b: DateRangeInput!, $a: DateRangeInput!, $f: String, $t: String) {
            eventLog(id: $id) { compare(before: $b, after: $a, from: $f, to: $t) { ${COMPARISON_FIELDS} } } }`,
          { id: this.logId, b: { end: split }, a: { start: split }, f: this.values.from || null, t: this.values.to || null });
        this.result = r.eventLog.compare;
        this.redraw();
        document.getElementById("comparison")?.focus();
        announce(`Compared ${this.result.beforeCases} cases before ${split} with ${this.result.afterCases} after.`);
        return;
      } catch (error) {
        this.problems = refusal(error).map((p) => ({ ...p, field: p.field.replace(/^(after|before).*/, "split") }));
      }
    }
    this.result = null;
    this.redraw();
    focusErrors();
  }

  /** @param {string[]} activities the log's, for the two choices */
  view(activities) {
    const options = [{ value: "", text: "whole cases" }, ...activities.map((a) => ({ value: a, text: a }))];
    return html`${errorSummary(this.problems.map((x) => ({ message: x.message, href: `#compare-${x.field.split(".").pop() || "split"}` })))}
      <form id="compare-periods" novalidate @submit=${(/** @type {SubmitEvent} */ e) => this.compare(e)}>
        ${field({ id: "compare-split", name: "split", label: "Compare the cases before and after", hint: "A day, as day/month/year: each case counts in the period of its first event",
          value: this.values.split, problems: this.problems, width: "nhsuk-input--width-10" })}
        ${select({ id: "compare-from", name: "from", label: "Time from the activity (optional)", value: this.values.from, problems: this.problems, options })}
        ${select({ id: "compare-to", name: "to", label: "to the activity", value: this.values.to, problems: this.problems, options })}
        <button class="nhsuk-button nhsuk-button--secondary" type="submit">Compare</button>
      </form>
      ${this.result ? comparisonView(this.result, "comparison") : nothing}`;
  }
}
