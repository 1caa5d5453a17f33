/**
 * @module
 * One canonical text for an alert's startsAt, the half of an occurrence's identity that
 * says which time it started firing. It is computed from the text, not through `Date`:
 * `Date` cannot hold a leap second (`23:59:60`), cuts nanoseconds to milliseconds (two
 * occurrences a few microseconds apart would become one) and was the reason a time it
 * could not parse fell back to 1970, merging unrelated occurrences.
 *
 * Alertmanager writes times with Go's RFC3339Nano: trailing zeros of the fraction dropped,
 * in the time's own zone. HA peers normally agree on the text, but a time that reached one
 * peer through the API and the other through gossip can differ in zone or in trailing
 * zeros; both render the same instant, so both get the same canonical text here.
 *
 * @example
 *   canonicalStartsAt("2025-06-02T14:00:00.5+02:00")   // "2025-06-02T12:00:00.500Z"
 *   canonicalStartsAt("2016-12-31T23:59:60Z")          // "2016-12-31T23:59:60.000Z"
 *   canonicalStartsAt("2025-06-02T12:00:00.123456789Z") // kept to the nanosecond
 */

/** RFC 3339 as ajv-formats' `date-time` accepts it: `T`, `t` or a space; `Z`, `z` or an offset. */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt\s](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2})(?::?(\d{2}))?)$/;

/** Go's RFC3339Nano never writes more; a longer fraction would only make keys longer. */
export const MAX_FRACTION_DIGITS = 9;

export type StartsAtCheck = { ok: true; canonical: string } | { ok: false; problem: string };

const pad = (value: number, width: number) => String(value).padStart(width, "0");

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

/**
 * The canonical text of an RFC 3339 time: UTC, `YYYY-MM-DDTHH:MM:SS.fffZ` with at least three
 * fractional digits (so every millisecond time reads as `Date#toISOString` writes it, and keys
 * stored before nanoseconds were kept stay the same) and up to nine, trailing zeros dropped.
 * A leap second stays `:60`.
 */
export function checkStartsAt(text: string): StartsAtCheck {
  const match = RFC3339.exec(text);
  if (!match) return { ok: false, problem: "is not an RFC 3339 time (e.g. 2025-06-02T12:00:00.123Z)" };
  const [, y = "", mo = "", d = "", h = "", mi = "", s = "", fraction = "", sign, oh = "0", om = "0"] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const offsetHours = Number(oh);
  const offsetMinutes = Number(om);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysIn(year, month) ||
    hour > 23 ||
    minute > 59 ||
    Number(s) > 60 ||
    offsetHours > 23 ||
    offsetMinutes > 59
  ) {
    return {
      ok: false,
      problem: "is not a valid date and time (month, day, hour, minute or offset out of range)",
    };
  }
  let digits = fraction;
  while (digits.endsWith("0")) digits = digits.slice(0, -1);
  if (digits.length > MAX_FRACTION_DIGITS) {
    return {
      ok: false,
      problem: `has ${digits.length} fractional digits; at most ${MAX_FRACTION_DIGITS} (nanoseconds, as Alertmanager writes) are kept`,
    };
  }
  const offset = (sign === "-" ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  // Alertmanager writes UTC: then the date and time are kept as written (the common case, no Date).
  let date = `${y}-${mo}-${d}T${h}:${mi}`;
  let utcHour = hour;
  let utcMinute = minute;
  if (offset !== 0) {
    // Only whole minutes move with the offset, so Date is safe here: seconds (a leap second too)
    // and the fraction are carried over as text. setUTCFullYear keeps years 0-99 as written.
    const utc = new Date(0);
    utc.setUTCFullYear(year, month - 1, day);
    utc.setUTCHours(hour, minute - offset, 0, 0);
    if (utc.getUTCFullYear() < 0) return { ok: false, problem: "is before the year 0000 in UTC" };
    utcHour = utc.getUTCHours();
    utcMinute = utc.getUTCMinutes();
    date =
      `${pad(utc.getUTCFullYear(), 4)}-${pad(utc.getUTCMonth() + 1, 2)}-${pad(utc.getUTCDate(), 2)}` +
      `T${pad(utcHour, 2)}:${pad(utcMinute, 2)}`;
  }
  if (s === "60" && !(utcHour === 23 && utcMinute === 59)) {
    return { ok: false, problem: "has a leap second (:60) that is not at 23:59 UTC" };
  }
  return { ok: true, canonical: `${date}:${s}.${digits.padEnd(3, "0")}Z` };
}

/**
 * Orders two canonical startsAt texts by time. Plain string order is wrong once fractions
 * differ in length (`.1234Z` sorts before `.123Z`, as `4` < `Z`).
 */
export function compareStartsAt(one: string, other: string): number {
  const [oneWhole = "", oneFraction = ""] = one.replace(/Z$/, "").split(".");
  const [otherWhole = "", otherFraction = ""] = other.replace(/Z$/, "").split(".");
  // A five-digit year (an offset past 9999-12-31) is longer and later.
  if (oneWhole.length !== otherWhole.length) return oneWhole.length - otherWhole.length;
  if (oneWhole !== otherWhole) return oneWhole < otherWhole ? -1 : 1;
  const width = Math.max(oneFraction.length, otherFraction.length);
  const a = oneFraction.padEnd(width, "0");
  const b = otherFraction.padEnd(width, "0");
  return a === b ? 0 : a < b ? -1 : 1;
}
