// Entering and correcting a measure's data in the page (a correction can carry a note on the
// point: what happened that week): type one point into the table's last row, paste two or three
// columns from a spreadsheet (every row checked, and named when wrong, before anything is saved), correct a
// point (recording a date again replaces its value, and the old one is kept as withdrawn), or
// retract one with a reason.
import { ApiError, gql } from "../api.js";
import { readPasted } from "../paste.js";
import { announce, html, nothing } from "../view.js";

/**
 * @typedef {{ date: string, value: number | null, numerator: number | null, denominator: number | null,
 *   annotation: string | null }} Point
 * @typedef {{ id: string, name: string, chartType: string }} MeasureWithPoints
 */

/** The fields of a measure this component needs from the page's query (its points it fetches
 * itself when opened: a project's measures with all their points would be too complex a query). */
export const MEASURE_DATA_FIELDS = "id name chartType";

/** One measure's data panel; its state lives across redraws of the page. */
export class MeasureData {
  /** @param {() => Promise<void>} reload fetches the project again and redraws */
  constructor(reload) {
    this.reload = reload;
    /** @type {string[]} */
    this.problems = [];
    /** @type {string | null} the date being corrected */
    this.correcting = null;
    /** @type {string | null} the date being retracted */
    this.retracting = null;
    this.open = false;
    /** @type {Point[]} the points recorded, once opened */
    this.points = [];
  }

  /** Fetches the measure's points (the latest 100 recorded). @param {string} id */
  async fetch(id) {
    /** @type {{ measure: { points: { nodes: Point[] } } }} */
    const data = await gql(`query($id: ID!) { measure(id: $id) { points(last: 100) { nodes { date value numerator denominator annotation } } } }`, { id });
    this.points = data.measure.points.nodes;
  }

  /** Fetches the points again, then the page (its chart and icons change with them). @param {string} id */
  async refresh(id) {
    if (this.open) await this.fetch(id);
    await this.reload();
  }

  /** @param {MeasureWithPoints} m */
  view(m) {
    const ratio = m.chartType === "P" || m.chartType === "U";
    const say = (/** @type {Point} */ p) => (ratio ? `${p.numerator} of ${p.denominator}` : String(p.value));
    const id = m.id;
    return html`<details class="nhsuk-details" ?open=${this.open} @toggle=${async (/** @type {Event} */ e) => {
        const open = /** @type {HTMLDetailsElement} */ (e.currentTarget).open;
        if (open === this.open) return;
        this.open = open;
        if (open) await this.refresh(m.id);
      }}>
      <summary class="nhsuk-details__summary" id="data-${id}-summary"><span class="nhsuk-details__summary-text">Enter or correct the data of ${m.name}</span></summary>
      <div class="nhsuk-details__text">
        ${this.problems.length
          ? html`<div class="nhsuk-error-summary" role="alert" tabindex="-1" aria-labelledby="problems-${id}">
              <h3 class="nhsuk-error-summary__title" id="problems-${id}">Nothing was saved: fix these rows and try again</h3>
              <div class="nhsuk-error-summary__body"><ul class="nhsuk-list nhsuk-error-summary__list">
                ${this.problems.map((p) => html`<li><a href="#paste-${id}">${p}</a></li>`)}</ul></div></div>`
          : nothing}
        <form novalidate @submit=${(/** @type {SubmitEvent} */ e) => this.paste(e, m, ratio)}>
          <div class="nhsuk-form-group">
            <label class="nhsuk-label" for="paste-${id}">Paste from a spreadsheet</label>
            <div class="nhsuk-hint" id="paste-${id}-hint">${ratio
              ? "Three columns: the date (day/month/year), the count, and the total it is out of."
              : "Two columns: the date (day/month/year) and the value."} A date already recorded is corrected.</div>
            <textarea class="nhsuk-textarea" id="paste-${id}" name="rows" rows="6" aria-describedby="paste-${id}-hint"></textarea>
          </div>
          <button class="nhsuk-button nhsuk-button--secondary" type="submit">Check and record</button>
        </form>
        <table class="nhsuk-table qf-compact" id="points-${id}"><caption class="nhsuk-table__caption nhsuk-table__caption--s">Points recorded</caption>
          <thead class="nhsuk-table__head"><tr><th scope="col">Date</th><th scope="col">${ratio ? "Count of total" : "Value"}</th>
            <th scope="col">Note</th><th scope="col"><span class="nhsuk-u-visually-hidden">Actions</span></th></tr></thead>
          <tbody class="nhsuk-table__body">${this.points.map((p) => html`<tr data-date=${p.date}>
            <td>${p.date}</td>
            <td>${this.correcting === p.date ? this.correctForm(m, p, ratio) : say(p)}</td>
            <td>${this.correcting === p.date
              ? html`<label class="nhsuk-u-visually-hidden" for="annotation-${p.date}">Note on ${p.date}</label>
                <input class="nhsuk-input nhsuk-input--width-20" id="annotation-${p.date}" type="text" .value=${p.annotation ?? ""}
                  placeholder="What happened: for example, new triage tool from today">`
              : p.annotation ?? ""}</td>
            <td>${this.retracting === p.date
              ? this.retractForm(m, p)
              : html`<button class="qf-link" type="button" @click=${() => this.start("correcting", p.date)}>Correct<span class="nhsuk-u-visually-hidden"> ${p.date}</span></button>
                 · <button class="qf-link" type="button" @click=${() => this.start("retracting", p.date)}>Retract<span class="nhsuk-u-visually-hidden"> ${p.date}</span></button>`}</td>
          </tr>`)}</tbody>
          <tfoot><tr class="qf-add-point">${this.addRow(m, ratio)}</tr></tfoot></table>
      </div></details>`;
  }

  /** The table's last row: one point typed in (a date already recorded is corrected).
   * @param {MeasureWithPoints} m @param {boolean} ratio */
  addRow(m, ratio) {
    const id = m.id;
    const add = async () => {
      const field = (/** @type {string} */ k) => /** @type {HTMLInputElement} */ (document.getElementById(`add-${k}-${id}`));
      const date = field("date").value;
      const number = (/** @type {string} */ k) => (field(k).value.trim() === "" ? NaN : Number(field(k).value));
      const note = field("note").value.trim() || null;
      /** @type {string[]} */
      const problems = [];
      if (!date) problems.push("Date: give the date of the point");
      const value = number("value");
      const total = ratio ? number("total") : NaN;
      if (!Number.isFinite(value)) problems.push(`${ratio ? "Count" : "Value"}: give a number`);
      if (ratio && !Number.isFinite(total)) problems.push("Total: give the number the count is out of");
      if (problems.length) {
        this.problems = problems;
        return this.refresh(id);
      }
      const point = ratio
        ? { date, numerator: value, denominator: total, annotation: note }
        : { date, value, annotation: note };
      if (await this.record(m, [point], `Recorded ${date}.`)) {
        for (const k of ["date", "value", "total", "note"]) {
          const input = document.getElementById(`add-${k}-${id}`);
          if (input) /** @type {HTMLInputElement} */ (input).value = "";
        }
      }
    };
    return html`<td><label class="nhsuk-u-visually-hidden" for="add-date-${id}">Date of a new point</label>
        <input class="nhsuk-input nhsuk-input--width-10" id="add-date-${id}" type="date"></td>
      <td><span class="qf-inline"><label class="nhsuk-u-visually-hidden" for="add-value-${id}">${ratio ? "Count" : "Value"} of the new point</label>
        <input class="nhsuk-input nhsuk-input--width-5" id="add-value-${id}" type="number" step="any" placeholder=${ratio ? "count" : "value"}>
        ${ratio ? html`<label class="nhsuk-u-visually-hidden" for="add-total-${id}">Total of the new point</label>
          <input class="nhsuk-input nhsuk-input--width-5" id="add-total-${id}" type="number" step="any" placeholder="of total">` : nothing}</span></td>
      <td><label class="nhsuk-u-visually-hidden" for="add-note-${id}">Note on the new point</label>
        <input class="nhsuk-input nhsuk-input--width-20" id="add-note-${id}" type="text" placeholder="What happened (optional)"></td>
      <td><button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button" @click=${add}>Add a point</button></td>`;
  }

  /** Opens the data at a point's note (picked on the chart). @param {string} id @param {string} date */
  async noteOn(id, date) {
    this.open = true;
    await this.fetch(id);
    this.correcting = this.points.some((p) => p.date === date) ? date : null;
    this.retracting = null;
    this.problems = this.correcting ? [] : [`Pick a point on the chart: ${date || "no date"} is not one of the points recorded`];
    await this.reload();
    document.getElementById(this.correcting ? `annotation-${date}` : `paste-${id}`)?.focus();
  }

  /** @param {"correcting" | "retracting"} what @param {string} date */
  start(what, date) {
    this.correcting = what === "correcting" ? date : null;
    this.retracting = what === "retracting" ? date : null;
    void this.reload().then(() => document.getElementById(`${what}-${date}`)?.focus());
  }

  /** @param {MeasureWithPoints} m @param {Point} p @param {boolean} ratio */
  correctForm(m, p, ratio) {
    const save = async () => {
      const get = (/** @type {string} */ k) => Number(/** @type {HTMLInputElement} */ (document.getElementById(`${k}-${p.date}`)).value);
      // A note travels with the point: a correction that only adds one keeps the value.
      const note = /** @type {HTMLInputElement | null} */ (document.getElementById(`annotation-${p.date}`))?.value.trim() || null;
      const point = ratio
        ? { date: p.date, numerator: get("correcting"), denominator: get("total"), annotation: note }
        : { date: p.date, value: get("correcting"), annotation: note };
      await this.record(m, [point], `Corrected ${p.date}.`);
    };
    return html`<span class="qf-inline">
      <label class="nhsuk-u-visually-hidden" for="correcting-${p.date}">New ${ratio ? "count" : "value"} for ${p.date}</label>
      <input class="nhsuk-input nhsuk-input--width-5" id="correcting-${p.date}" type="number" step="any" .value=${String(ratio ? p.numerator : p.value)}>
      ${ratio ? html`<label class="nhsuk-u-visually-hidden" for="total-${p.date}">New total for ${p.date}</label>
        <input class="nhsuk-input nhsuk-input--width-5" id="total-${p.date}" type="number" step="any" .value=${String(p.denominator)}>` : nothing}
      <button class="nhsuk-button nhsuk-button--small" type="button" @click=${save}>Save</button>
      <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button" @click=${() => this.start("correcting", "")}>Cancel</button></span>`;
  }

  /** @param {MeasureWithPoints} m @param {Point} p */
  retractForm(m, p) {
    const retract = async () => {
      const reason = /** @type {HTMLInputElement} */ (document.getElementById(`retracting-${p.date}`)).value.trim();
      if (!reason) {
        this.problems = [`Say why the point of ${p.date} is retracted`];
        return this.refresh(m.id);
      }
      try {
        await gql(`mutation($m: ID!, $d: [String!]!, $r: String!) { retractDataPoints(measureId: $m, dates: $d, reason: $r) { measure { id } } }`,
          { m: m.id, d: [p.date], r: reason });
        this.retracting = null;
        this.problems = [];
        announce(`Retracted ${p.date}.`);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        this.problems = [error.message];
      }
      await this.refresh(m.id);
    };
    return html`<span class="qf-inline">
      <label class="nhsuk-label" for="retracting-${p.date}">Why retract ${p.date}?</label>
      <input class="nhsuk-input nhsuk-input--width-20" id="retracting-${p.date}" type="text">
      <button class="nhsuk-button nhsuk-button--warning nhsuk-button--small" type="button" @click=${retract}>Retract</button>
      <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button" @click=${() => this.start("retracting", "")}>Cancel</button></span>`;
  }

  /** @param {SubmitEvent} event @param {MeasureWithPoints} m @param {boolean} ratio */
  async paste(event, m, ratio) {
    event.preventDefault();
    const form = /** @type {HTMLFormElement} */ (event.currentTarget);
    const { points, problems } = readPasted(String(new FormData(form).get("rows") ?? ""), ratio);
    this.problems = problems;
    if (problems.length) {
      await this.refresh(m.id);
      /** @type {HTMLElement | null} */ (document.querySelector(`[aria-labelledby="problems-${m.id}"]`))?.focus();
      return;
    }
    if (await this.record(m, points, `Recorded ${points.length} point${points.length === 1 ? "" : "s"}.`)) form.reset();
  }

  /**
   * @param {MeasureWithPoints} m @param {Record<string, unknown>[]} points @param {string} done
   * @returns {Promise<boolean>}
   */
  async record(m, points, done) {
    try {
      await gql(`mutation($m: ID!, $p: [DataPointInput!]!) { recordDataPoints(measureId: $m, points: $p) { inserted replaced } }`,
        { m: m.id, p: points });
      this.problems = [];
      this.correcting = null;
      announce(done);
      await this.refresh(m.id);
      return true;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.problems = error.fields().map((f) => (f.field ? `${f.field}: ${f.message}` : f.message));
      await this.refresh(m.id);
      return false;
    }
  }
}
