/**
 * @module GitHub's search syntax for dates, as accepted by `created` on the workflow-runs lists.
 *
 * The spec types `created` as `date-time`, but GitHub takes `>=2024-01-01T00:00:00Z`,
 * `<2024-01-02`, `2024-01-01..2024-01-31`, `2024-01-01..*` and a bare date (that whole day), and
 * clients rely on the `>=` form to find the run they just dispatched.
 */

/** An interval in epoch milliseconds; a missing bound is open. */
export interface DateRange {
  from?: number;
  to?: number;
  fromInclusive: boolean;
  toInclusive: boolean;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

function parseBound(text: string): number | null {
  if (!DATE_ONLY.test(text) && !DATE_TIME.test(text)) return null;
  const time = Date.parse(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text);
  return Number.isNaN(time) ? null : time;
}

const DAY_MS = 86_400_000;

/**
 * Parses a `created` qualifier.
 *
 * @param value the raw query value, e.g. `>=2024-05-01T10:00:00Z`
 * @returns the range it selects, or `null` when it is not valid search syntax
 */
export function parseDateQualifier(value: string): DateRange | null {
  const text = value.trim();
  const range = /^(.+)\.\.(.+)$/.exec(text);
  if (range) {
    const [, left = "", right = ""] = range;
    const from = left === "*" ? undefined : parseBound(left);
    const to = right === "*" ? undefined : parseBound(right);
    if (from === null || to === null) return null;
    // A date-only upper bound means "through the end of that day".
    const end = to !== undefined && DATE_ONLY.test(right) ? to + DAY_MS : to;
    return { from, to: end, fromInclusive: true, toInclusive: !DATE_ONLY.test(right) };
  }
  const comparison = /^(>=|<=|>|<)?(.+)$/.exec(text);
  const operator = comparison?.[1];
  const bound = comparison?.[2] ?? "";
  const time = parseBound(bound);
  if (time === null) return null;
  const dateOnly = DATE_ONLY.test(bound);
  switch (operator) {
    case ">=":
      return { from: time, fromInclusive: true, toInclusive: false };
    case ">":
      return { from: dateOnly ? time + DAY_MS : time, fromInclusive: dateOnly, toInclusive: false };
    case "<=":
      return { to: dateOnly ? time + DAY_MS : time, fromInclusive: false, toInclusive: !dateOnly };
    case "<":
      return { to: time, fromInclusive: false, toInclusive: false };
    default:
      return dateOnly
        ? { from: time, to: time + DAY_MS, fromInclusive: true, toInclusive: false }
        : { from: time, to: time, fromInclusive: true, toInclusive: true };
  }
}

/** Whether `time` (epoch ms) lies in `range`. */
export function inDateRange(range: DateRange, time: number): boolean {
  if (range.from !== undefined && (range.fromInclusive ? time < range.from : time <= range.from))
    return false;
  if (range.to !== undefined && (range.toInclusive ? time > range.to : time >= range.to)) return false;
  return true;
}
