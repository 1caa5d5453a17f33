/**
 * @module
 * Query-string parsing for the read API, with 400s that name the parameter.
 */
import { HTTPException } from "hono/http-exception";

export function optionalInt(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined || value === "") return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new HTTPException(400, { message: `${name} must be a whole number from ${min} to ${max}` });
  }
  return parsed;
}

/** `since` as an ISO time, epoch milliseconds, or a duration back from now (15m, 2h). */
export function optionalSince(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value === "") return undefined;
  const relative = /^(\d+)(s|m|h|d)$/.exec(value);
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as "s" | "m" | "h" | "d"];
    return now - Number(relative[1]) * unit;
  }
  if (/^\d+$/.test(value)) return Number(value);
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) {
    throw new HTTPException(400, {
      message: "since must be an ISO time, epoch milliseconds or a duration like 15m",
    });
  }
  return parsed;
}
