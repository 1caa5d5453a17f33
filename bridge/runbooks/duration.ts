/**
 * @module
 * Durations as runbooks write them: `30s`, `10m`, `1h30m`, `2d`, `250ms`.
 * The schema checks the shape; this turns it into milliseconds and back.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /([0-9]+)(ms|s|m|h|d)/g;
const WHOLE = /^([0-9]+(ms|s|m|h|d))+$/;

/** True when `text` is a duration the schema accepts. */
export function isDuration(text: string): boolean {
  return WHOLE.test(text);
}

/**
 * Parses a runbook duration.
 * @param text e.g. "10m" or "1h30m"
 * @returns milliseconds
 * @throws Error naming the bad value and the accepted forms
 */
export function parseDuration(text: string): number {
  if (!isDuration(text)) {
    throw new Error(`"${text}" is not a duration (use 30s, 10m, 1h)`);
  }
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) {
    total += Number(amount) * (UNIT_MS[unit as string] ?? 0);
  }
  return total;
}

/** Formats milliseconds for people: 3m, 1h5m, 45s, 250ms. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))}ms`;
  let rest = Math.round(ms / 1_000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  return parts.slice(0, 2).join("");
}
