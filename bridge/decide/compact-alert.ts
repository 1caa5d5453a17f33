/**
 * @module
 * The copy of an alert the bridge keeps and sends on. Alert content is untrusted and
 * may be huge; every value is bounded so one hostile alert cannot bloat the database
 * or push a dispatch past GitHub's input limits.
 */
import type { NormalizedAlert } from "../alerts/types.js";

export const MAX_VALUE_CHARS = 1_024;
export const MAX_ENTRIES = 64;

function bounded(map: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  let entries = 0;
  for (const [name, value] of Object.entries(map)) {
    if (entries++ >= MAX_ENTRIES) break;
    out[name.slice(0, 128)] =
      value.length > MAX_VALUE_CHARS
        ? `${value.slice(0, MAX_VALUE_CHARS)}…[truncated ${value.length - MAX_VALUE_CHARS} chars]`
        : value;
  }
  return out;
}

export interface CompactAlert extends Record<string, unknown> {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  status: string;
  fingerprint: string;
}

export function compactAlert(alert: NormalizedAlert): CompactAlert {
  return {
    labels: bounded(alert.labels),
    annotations: bounded(alert.annotations),
    startsAt: alert.startsAt,
    status: alert.status,
    fingerprint: alert.fingerprint,
  };
}
