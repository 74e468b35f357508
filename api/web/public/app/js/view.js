// Drawing pages into <main>, and the few patterns every page shares: announcing what happened,
// moving focus to errors, and the NHS error summary. Templates are lit-html, which escapes every
// value it is given; server-rendered SVG (already escaped by qiflow's renderer) is the one thing
// inserted as markup, through `picture`.
import { html, render, nothing } from "../vendor/lit-html/lit-html.js";
import { unsafeHTML } from "../vendor/lit-html/directives/unsafe-html.js";

export { html, nothing };

const main = /** @type {HTMLElement} */ (document.getElementById("main"));
let drawn = false;

/**
 * Shows a page: draws it, names the tab, and (on arriving) moves focus to the page so a screen
 * reader starts at the top of the new content.
 * @param {unknown} template
 * @param {string} title
 * @param {{ arriving?: boolean }} [options]
 */
export function show(template, title, { arriving = true } = {}) {
  // lit-html adds to what is there: the first time, clear the static "Loading…".
  if (!drawn) {
    main.textContent = "";
    drawn = true;
  }
  render(template, main);
  document.title = `${title} – qiflow`;
  if (arriving) main.focus();
}

/**
 * Says something to screen readers (and shows it in the status line) without moving focus.
 * @param {string} text
 */
export function announce(text) {
  const status = document.getElementById("status");
  if (status) status.textContent = text;
}

/**
 * A picture the server drew (SVG with every user string escaped by its renderer).
 * @param {string} svg
 */
export const picture = (svg) => unsafeHTML(svg);

/**
 * The NHS error summary: a list of problems, each linking to the field at fault.
 * @param {{ message: string, href?: string }[]} problems
 * @param {string} [heading]
 */
export const errorSummary = (problems, heading = "There is a problem") =>
  problems.length
    ? html`<div class="nhsuk-error-summary" aria-labelledby="error-summary-title" role="alert" tabindex="-1">
        <h2 class="nhsuk-error-summary__title" id="error-summary-title">${heading}</h2>
        <div class="nhsuk-error-summary__body">
          <ul class="nhsuk-list nhsuk-error-summary__list">
            ${problems.map((p) => html`<li>${p.href ? html`<a href=${p.href} @click=${focusTarget}>${p.message}</a>` : p.message}</li>`)}
          </ul>
        </div>
      </div>`
    : nothing;

/**
 * Links in an error summary move focus to their field rather than changing the route.
 * @param {Event} event
 */
function focusTarget(event) {
  const href = /** @type {HTMLAnchorElement} */ (event.currentTarget).getAttribute("href") ?? "";
  if (!href.startsWith("#") || href.startsWith("#/")) return;
  event.preventDefault();
  document.getElementById(href.slice(1))?.focus();
}

/** After drawing errors, move focus to the summary so they are read out at once. */
export function focusErrors() {
  requestAnimationFrame(() => /** @type {HTMLElement | null} */ (main.querySelector(".nhsuk-error-summary"))?.focus());
}

/**
 * A page-wide failure (the API refused or could not be reached).
 * @param {Error} error
 */
export function failed(error) {
  show(
    html`<div class="nhsuk-error-summary" role="alert" tabindex="-1" aria-labelledby="failed-title">
      <h2 class="nhsuk-error-summary__title" id="failed-title">Something went wrong</h2>
      <div class="nhsuk-error-summary__body"><p>${error.message}</p><p><a href="#/">Back to pathways</a></p></div>
    </div>`,
    "Something went wrong",
  );
  focusErrors();
}
