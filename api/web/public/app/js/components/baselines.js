// A measure's chart as a place to work: pick a point on it (or type its date) to note what
// happened that week or to start a new baseline there with the reason, and see and take out the
// baselines recorded. The chart is the API's SVG; each of its points carries its date.
import { gql, refusal } from "../api.js";
import { announce, errorSummary, focusErrors, html, nothing, picture } from "../view.js";
import { field } from "./fields.js";

/** The fields of a measure this component needs from the page's query. */
export const BASELINE_FIELDS = "rebases { date reason by at } chartSvg";

/**
 * @typedef {{ date: string, reason: string, by: string, at: string }} Rebase
 * @typedef {{ id: string, name: string, chartSvg: string, rebases: Rebase[], fromLog: unknown }} ChartedMeasure
 */

/** One measure's chart with its baselines; its state lives across redraws of the page. */
export class Baselines {
  /**
   * @param {() => Promise<void>} reload fetches the project again and redraws
   * @param {(measureId: string, date: string) => Promise<void>} noteOn opens the measure's data at a point's note
   */
  constructor(reload, noteOn) {
    this.reload = reload;
    this.noteOn = noteOn;
    /** @type {string} the date picked on the chart */
    this.date = "";
    /** @type {import("./fields.js").FieldProblem[]} */
    this.problems = [];
  }

  /** @param {ChartedMeasure} m @param {number} version the project's */
  view(m, version) {
    const id = (/** @type {string} */ f) => `rebase-${m.id}-${f}`;
    /** A click on a point picks its date for the form below the chart. @param {MouseEvent} e */
    const pick = (e) => {
      const point = /** @type {Element} */ (e.target).closest("[data-date]");
      if (!point) return;
      this.date = point.getAttribute("data-date") ?? "";
      void this.reload().then(() => document.getElementById(id("date"))?.focus());
    };
    /** @param {SubmitEvent} event */
    const rebase = async (event) => {
      event.preventDefault();
      const form = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget));
      const text = (/** @type {string} */ k) => String(form.get(k) ?? "").trim();
      this.date = text("date");
      this.problems = [];
      if (!/^\d{4}-\d{2}-\d{2}$/.test(this.date)) this.problems.push({ field: "date", message: "Pick a point on the chart or enter its date as YYYY-MM-DD" });
      if (!text("reason")) this.problems.push({ field: "reason", message: "Say why the process is a new one from this point" });
      if (!this.problems.length) {
        try {
          await gql(`mutation($input: AddRebaseInput!) { addRebase(input: $input) { id } }`,
            { input: { measureId: m.id, expectedVersion: version, date: this.date, reason: text("reason") } });
          announce(`${m.name}: a new baseline from ${this.date}.`);
          this.date = "";
          return this.reload();
        } catch (error) {
          this.problems = refusal(error);
        }
      }
      await this.reload();
      focusErrors();
    };
    const remove = async (/** @type {Rebase} */ r) => {
      try {
        await gql(`mutation($m: ID!, $v: Int!, $d: NaiveDate!) { removeRebase(measureId: $m, expectedVersion: $v, date: $d) { id } }`,
          { m: m.id, v: version, d: r.date });
        this.problems = [];
        announce(`${m.name}: took out the baseline from ${r.date}.`);
      } catch (error) {
        this.problems = refusal(error);
      }
      await this.reload();
    };
    return html`<div class="qf-picture chart" tabindex="0" role="img" aria-label="SPC chart of ${m.name}"
        title="Pick a point to note what happened or to start a new baseline there" @click=${pick}>${picture(m.chartSvg)}</div>
      ${m.rebases.length
        ? html`<ul class="nhsuk-list" id="rebases-${m.id}">${m.rebases.map((r) => html`<li data-date=${r.date}>New baseline from <strong>${r.date}</strong>: ${r.reason}
            <span class="nhsuk-body-s">(${r.by}, ${r.at.slice(0, 10)})</span>
            <button class="qf-link" type="button" @click=${() => remove(r)}>Take out<span class="nhsuk-u-visually-hidden"> the baseline from ${r.date}</span></button></li>`)}</ul>`
        : nothing}
      <details class="nhsuk-details" ?open=${Boolean(this.date) || this.problems.length > 0}><summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">A point of ${m.name}: note it or start a new baseline</span></summary>
        <div class="nhsuk-details__text">
          ${errorSummary(this.problems.map((x) => ({ message: x.message, href: `#${id(x.field.split(".").pop() || "date")}` })))}
          ${this.date ? html`<p id=${id("picked")}>The point of <strong>${this.date}</strong> is picked.</p>` : nothing}
          <form id=${id("form")} novalidate @submit=${rebase}>
            ${field({ id: id("date"), name: "date", label: "The point's date", hint: "Pick a point on the chart, or enter its date as YYYY-MM-DD", value: this.date, problems: this.problems, width: "nhsuk-input--width-10" })}
            ${m.fromLog
              ? nothing
              : html`<p><button class="qf-link" type="button" @click=${() => {
                  const date = /** @type {HTMLInputElement} */ (document.getElementById(id("date"))).value.trim();
                  return this.noteOn(m.id, date);
                }}>Note what happened at this point</button></p>`}
            ${field({ id: id("reason"), name: "reason", label: "Why the process is a new one from here", hint: "For example: the new triage tool was adopted; the limits are worked out again from this point", problems: this.problems })}
            <button class="nhsuk-button nhsuk-button--secondary" type="submit">Start a new baseline here</button>
          </form></div></details>`;
  }
}
