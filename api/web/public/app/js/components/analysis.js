// The headline figures of a pathway and its hotspots, as the API computed them.
import { html } from "../view.js";
import { minutes, percent, words } from "../format.js";

/** @typedef {import("../model.js").Analysis} Analysis */

/** @param {Analysis} a */
export const figures = (a) => html`<div class="qf-figures" id="figures">
  <div class="qf-figure">Expected lead time<b id="lead-time" data-minutes=${a.expectedLeadTimeMinutes}>${minutes(a.expectedLeadTimeMinutes)}</b></div>
  <div class="qf-figure">Value-added time<b id="value-added">${minutes(a.valueAddedMinutes)}</b></div>
  <div class="qf-figure">Flow efficiency<b id="flow-efficiency">${percent(a.flowEfficiency)}</b></div>
  <div class="qf-figure">Hand-offs per patient<b id="handoffs">${a.expectedHandoffs.toFixed(1)}</b></div>
  <div class="qf-figure">Across organisations<b>${a.expectedCrossOrganisationHandoffs.toFixed(1)}</b></div>
  <div class="qf-figure">Rework time<b>${minutes(a.reworkMinutes)}</b></div>
</div>`;

/** @param {Analysis} a */
export const hotspots = (a) => html`<table class="nhsuk-table" id="hotspots">
  <caption class="nhsuk-table__caption nhsuk-table__caption--m">Hotspots, largest first</caption>
  <thead class="nhsuk-table__head"><tr><th scope="col">Mark</th><th scope="col">Hotspot</th>
    <th scope="col">Minutes per patient</th><th scope="col">Why</th></tr></thead>
  <tbody class="nhsuk-table__body">
    ${a.hotspots.map(
      (h, i) => html`<tr data-kind=${h.kind}><td>${i < 5 ? `H${i + 1}` : ""}</td>
        <td><strong class="nhsuk-tag nhsuk-tag--orange">${words(h.kind)}</strong> ${h.title}</td>
        <td>${minutes(h.minutesPerPatient)} (${percent(h.shareOfLeadTime)} of the lead time)</td><td>${h.explanation}</td></tr>`,
    )}
  </tbody>
</table>`;
