// How figures are worded on the page: one place, so every page says a time or a share the same way.

/**
 * A duration in minutes as people say it: "45 min", "2.5 hours", "3.1 days".
 * @param {number} m
 */
export const minutes = (m) =>
  Math.abs(m) >= 1440 ? `${(m / 1440).toFixed(1)} days` : Math.abs(m) >= 60 ? `${(m / 60).toFixed(1)} hours` : `${Math.round(m)} min`;

/**
 * A proportion (0 to 1) as a percentage.
 * @param {number} x
 */
export const percent = (x) => `${(100 * x).toFixed(0)}%`;

/**
 * An enum value in words: "VALUE_ADDING" → "value adding".
 * @param {string | null | undefined} x
 */
export const words = (x) => (x ? x.replace(/_/g, " ").toLowerCase() : "—");

/** The units a wait can be entered in, with their length in minutes. */
export const UNITS = /** @type {const} */ ({ minutes: 1, hours: 60, days: 1440 });

/**
 * The unit a wait of `m` minutes reads best in.
 * @param {number} m
 * @returns {keyof typeof UNITS}
 */
export const unitFor = (m) => (m >= 1440 && m % 1440 === 0 ? "days" : m >= 60 && m % 60 === 0 ? "hours" : "minutes");

/**
 * A date-time as a person reads it, in their own zone.
 * @param {string} iso
 */
export const when = (iso) => new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
