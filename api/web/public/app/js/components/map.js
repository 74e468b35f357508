// The pathway map as the server drew it, with zoom (buttons, or + - 0 on the focused map),
// panning (scrolling, or the arrow keys on the focused map), a click on a box or an arrow to
// pick it, and export as SVG or PNG.
import { announce, html, picture } from "../view.js";
import { download } from "../download.js";

/** @type {Map<string, number>} zoom per map, kept while the page redraws */
const zooms = new Map();

/**
 * @param {{ id: string, svg: string, label: string, onPick: (pick: { step?: string, from?: string, to?: string }) => void }} options
 */
export function pathwayMap({ id, svg, label, onPick }) {
  const zoom = zooms.get(id) ?? 1;
  /** @param {number} z */
  const set = (z) => {
    zooms.set(id, Math.min(4, Math.max(0.25, z)));
    apply(id);
  };
  /** @param {KeyboardEvent} event */
  const keys = (event) => {
    if (event.key === "+" || event.key === "=") set(zoom * 1.25);
    else if (event.key === "-") set(zoom / 1.25);
    else if (event.key === "0") fit(id);
    else return;
    event.preventDefault();
  };
  /** @param {MouseEvent} event */
  const click = (event) => {
    const target = /** @type {Element} */ (event.target);
    const step = target.closest("[data-step]");
    if (step) return onPick({ step: step.getAttribute("data-step") ?? "" });
    const arrow = target.closest("[data-from]");
    if (arrow) onPick({ from: arrow.getAttribute("data-from") ?? "", to: arrow.getAttribute("data-to") ?? "" });
  };
  requestAnimationFrame(() => apply(id));
  return html`<div class="qf-toolbar qf-no-print" aria-label="Map controls" role="group">
      <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button" @click=${() => set((zooms.get(id) ?? 1) * 1.25)}>Zoom in</button>
      <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button" @click=${() => set((zooms.get(id) ?? 1) / 1.25)}>Zoom out</button>
      <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button" @click=${() => fit(id)}>Fit to screen</button>
      <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button" @click=${() => download(svg, `${label}.svg`)}>Download SVG</button>
      <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button" @click=${() => png(svg, `${label}.png`)}>Download PNG</button>
      <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button" @click=${() => print()}>Print (A4 landscape)</button>
    </div>
    <div class="qf-picture" id=${id} tabindex="0" role="img" aria-label=${`${label}: map of the pathway. Use + and - to zoom and the arrow keys to move.`}
      @keydown=${keys} @click=${click}>${picture(svg)}</div>`;
}

/** @param {string} id */
function apply(id) {
  const svg = document.querySelector(`#${id} svg`);
  if (!(svg instanceof SVGSVGElement)) return;
  const z = zooms.get(id) ?? 1;
  const width = svg.viewBox.baseVal?.width || svg.width.baseVal.value;
  const height = svg.viewBox.baseVal?.height || svg.height.baseVal.value;
  svg.setAttribute("width", String(width * z));
  svg.setAttribute("height", String(height * z));
}

/** @param {string} id */
function fit(id) {
  const box = document.getElementById(id);
  const svg = box?.querySelector("svg");
  if (!box || !(svg instanceof SVGSVGElement)) return;
  const width = svg.viewBox.baseVal?.width || svg.width.baseVal.value;
  zooms.set(id, Math.min(4, Math.max(0.25, box.clientWidth / width)));
  apply(id);
}


/**
 * Draws the SVG onto a canvas at twice its size (sharp when printed) and downloads it as PNG.
 * @param {string} svg @param {string} name
 */
function png(svg, name) {
  const image = new Image();
  const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  image.onerror = () => {
    URL.revokeObjectURL(url);
    announce("The map could not be turned into a PNG in this browser: download the SVG instead.");
  };
  image.onload = () => {
    const canvas = Object.assign(document.createElement("canvas"), { width: image.width * 2, height: image.height * 2 });
    const context = canvas.getContext("2d");
    if (!context) return;
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    URL.revokeObjectURL(url);
    canvas.toBlob((blob) => blob && download(blob, name, "image/png"), "image/png");
  };
  image.src = url;
}

