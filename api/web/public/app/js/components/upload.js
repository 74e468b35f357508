// Bringing in an event log from the browser: the file's first rows previewed with what was
// detected (format, delimiter, compression), a column mapper from its headings to qiflow's
// fields, the upload with a progress bar, and the import's result with its row errors. The file
// goes to the same upload route systems use (`POST /logs/{id}/events`), with the same bearer.
import { token } from "../api.js";
import { html, nothing } from "../view.js";

/** qiflow's fields, what they mean, and whether a log must have them. */
export const FIELDS = [
  { field: "case_id", label: "Case (patient or episode)", required: true },
  { field: "activity", label: "Activity", required: true },
  { field: "timestamp", label: "Time", required: true },
  { field: "organisation", label: "Organisation (optional)", required: false },
  { field: "resource", label: "Resource (optional)", required: false },
  { field: "lifecycle", label: "Lifecycle: start or complete (optional)", required: false },
];

/** Headings other tools use for each field (Disco, pm4py, trust reporting tools). */
const GUESSES = /** @type {Record<string, string[]>} */ ({
  case_id: ["case_id", "case id", "case", "case:concept:name", "caseid", "patient", "episode"],
  activity: ["activity", "concept:name", "event", "activity name", "task"],
  timestamp: ["timestamp", "time:timestamp", "complete timestamp", "time", "date", "start timestamp"],
  organisation: ["organisation", "organization", "org", "ods code"],
  resource: ["resource", "org:resource", "user", "staff"],
  lifecycle: ["lifecycle", "lifecycle:transition", "event type"],
});

/**
 * @typedef {{ format: "csv" | "xes", compressed: boolean, delimiter: string, headings: string[], rows: string[][],
 *   mapping: Record<string, string> }} Preview
 */

/** Bytes read for the preview. */
const PREVIEW_BYTES = 64 * 1024;

/**
 * The first rows of a file as qiflow will read them (gzip by its first two bytes, XES by its XML
 * root, the CSV delimiter from the heading line), and a first guess at the column mapping.
 * @param {File} file
 * @returns {Promise<Preview>}
 */
export async function preview(file) {
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  const compressed = head[0] === 0x1f && head[1] === 0x8b;
  let text = "";
  if (compressed) {
    const stream = file.stream().pipeThrough(new DecompressionStream("gzip"));
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    while (text.length < PREVIEW_BYTES) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    void reader.cancel();
  } else {
    text = await file.slice(0, PREVIEW_BYTES).text();
  }
  text = text.replace(/^\uFEFF/, "");
  if (/^\s*(<\?xml|<log[\s>])/.test(text)) {
    return { format: "xes", compressed, delimiter: "", headings: [], rows: [], mapping: {} };
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim()).slice(0, 7);
  const first = lines[0] ?? "";
  const delimiter = [",", ";", "\t", "|"].reduce((best, d) => (first.split(d).length > first.split(best).length ? d : best), ",");
  const split = (/** @type {string} */ line) => line.split(delimiter).map((c) => c.trim().replace(/^"(.*)"$/, "$1"));
  const headings = split(first);
  /** @type {Record<string, string>} */
  const mapping = {};
  for (const { field } of FIELDS) {
    const found = headings.find((h) => GUESSES[field].includes(h.toLowerCase()));
    if (found) mapping[field] = found;
  }
  return { format: "csv", compressed, delimiter, headings, rows: lines.slice(1, 6).map(split), mapping };
}

/**
 * Sends the file to a log's upload route, reporting progress; resolves with the route's JSON.
 * @param {string} logId @param {File} file @param {Record<string, string>} params @param {(share: number) => void} progress
 * @returns {Promise<{ status: number, body: any }>}
 */
export function upload(logId, file, params, progress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    const query = new URLSearchParams(params).toString();
    request.open("POST", `/logs/${encodeURIComponent(logId)}/events${query ? `?${query}` : ""}`);
    request.setRequestHeader("Authorization", `Bearer ${token() ?? ""}`);
    request.upload.onprogress = (e) => e.lengthComputable && progress(e.loaded / e.total);
    request.onload = () => {
      let body = {};
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = { error: { message: `The server answered ${request.status}.` } };
      }
      resolve({ status: request.status, body });
    };
    request.onerror = () => reject(new Error("qiflow's server could not be reached: check your connection and try again."));
    request.send(file);
  });
}

/**
 * The preview and the column mapper.
 * @param {Preview} p
 */
export const previewView = (p) => html`<div id="upload-preview">
  <p>Read as <strong>${p.format.toUpperCase()}</strong>${p.compressed ? ", gzip-compressed" : ""}${p.format === "csv"
    ? html`, columns separated by <strong>${p.delimiter === "\t" ? "tabs" : `"${p.delimiter}"`}</strong>` : nothing}.</p>
  ${p.format === "csv"
    ? html`<table class="nhsuk-table qf-compact"><caption class="nhsuk-table__caption nhsuk-table__caption--s">The first rows</caption>
        <thead class="nhsuk-table__head"><tr>${p.headings.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
        <tbody class="nhsuk-table__body">${p.rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody></table>
      <fieldset class="nhsuk-fieldset"><legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Which column holds what</legend>
        <div class="qf-inline">${FIELDS.map(({ field, label, required }) => html`<div class="nhsuk-form-group">
          <label class="nhsuk-label" for="map-${field}">${label}</label>
          <select class="nhsuk-select" id="map-${field}" name="map-${field}">
            ${required ? nothing : html`<option value="">none</option>`}
            ${p.headings.map((h) => html`<option value=${h} ?selected=${p.mapping[field] === h}>${h}</option>`)}
          </select></div>`)}</div></fieldset>`
    : html`<p>XES names its fields itself: nothing to map.</p>`}
</div>`;
