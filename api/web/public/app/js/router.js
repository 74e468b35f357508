// A small hash router: `#/pathway/ID?tab=x` calls the page registered for "pathway" with
// ["ID"] and the query. Hash routes need nothing from the server beyond `/`.

/** @typedef {(args: string[], query: URLSearchParams) => Promise<void>} Page */

/** @type {Map<string, Page>} */
const pages = new Map();

/**
 * Registers the page for the first segment of a route ("" for the home page).
 * @param {string} name
 * @param {Page} page
 */
export function page(name, page) {
  pages.set(name, page);
}

/** The current route: its page name, the rest of its segments and its query. */
export function current() {
  const [path, query] = (location.hash.slice(1) || "/").split("?");
  const [name = "", ...args] = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { name, args, query: new URLSearchParams(query ?? "") };
}

/**
 * Goes to a route (adds a history entry, so Back works).
 * @param {string} hash
 */
export function go(hash) {
  if (location.hash === hash) void open();
  else location.hash = hash;
}

/** Draws the page for the current route; an unknown route shows the home page. */
export async function open() {
  const { name, args, query } = current();
  const page = pages.get(name) ?? pages.get("");
  if (page) await page(args, query);
}
