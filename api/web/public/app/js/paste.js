// Reading data points pasted from a spreadsheet: two columns (date, value) or three (date,
// numerator, denominator), separated by tabs (what spreadsheets copy), commas or semicolons,
// dates in the UK's order. Every row is checked before anything is sent, and a problem names
// its row.

/**
 * A date as people in the UK write it (31/01/2025, 31/1/25, 31-01-2025, 31.01.2025) or as
 * ISO (2025-01-31), as `YYYY-MM-DD`; null when it is not a real date.
 * @param {string} text
 * @returns {string | null}
 */
export function ukDate(text) {
  const t = text.trim();
  let day, month, year;
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  if (m) [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else {
    m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$/.exec(t);
    if (!m) return null;
    [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (m[3].length === 2) year += 2000;
  }
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}

/**
 * A number as a spreadsheet may show it ("1,234.5", " 12 ", "45%" is refused: give the share).
 * @param {string} text
 * @returns {number | null}
 */
function number(text) {
  const t = text.trim().replace(/,(?=\d{3}\b)/g, "");
  if (!/^-?\d+(\.\d+)?$/.test(t)) return null;
  return Number(t);
}

/**
 * @typedef {{ date: string, value?: number, numerator?: number, denominator?: number }} PastedPoint
 */

/** Most rows a paste may hold (a decade of daily points). */
export const MAX_ROWS = 4000;

/**
 * Reads pasted rows. A first row whose first cell is not a date is taken as headings and
 * skipped. With `ratio` (P and U charts) rows need a numerator and a denominator; otherwise a
 * value.
 * @param {string} text
 * @param {boolean} ratio
 * @returns {{ points: PastedPoint[], problems: string[] }}
 */
export function readPasted(text, ratio) {
  /** @type {PastedPoint[]} */
  const points = [];
  /** @type {string[]} */
  const problems = [];
  const rows = text.split(/\r?\n/).map((r) => r.trim()).filter(Boolean);
  if (rows.length > MAX_ROWS) return { points, problems: [`At most ${MAX_ROWS} rows can be pasted at once; this has ${rows.length}.`] };
  const seen = new Map();
  rows.forEach((row, i) => {
    const cells = row.split(/\t|;|,(?!\d{3}\b)/).map((c) => c.trim());
    const n = i + 1;
    const date = ukDate(cells[0] ?? "");
    if (!date) {
      if (i === 0) return; // headings
      problems.push(`Row ${n}: "${cells[0]}" is not a date (use day/month/year, such as 31/01/2025)`);
      return;
    }
    if (seen.has(date)) {
      problems.push(`Row ${n}: ${cells[0]} is also on row ${seen.get(date)}; give each date once`);
      return;
    }
    seen.set(date, n);
    if (ratio) {
      const [numerator, denominator] = [number(cells[1] ?? ""), number(cells[2] ?? "")];
      if (numerator === null || denominator === null) {
        problems.push(`Row ${n}: give the count and the total (two numbers after the date)`);
      } else if (denominator <= 0 || numerator < 0) {
        problems.push(`Row ${n}: the total must be more than 0 and the count 0 or more`);
      } else {
        points.push({ date, numerator, denominator });
      }
    } else {
      const value = number(cells[1] ?? "");
      if (value === null) problems.push(`Row ${n}: "${cells[1] ?? ""}" is not a number`);
      else points.push({ date, value });
    }
  });
  if (!points.length && !problems.length) problems.push("Paste at least one row: a date, then the value");
  return { points, problems };
}
