/**
 * @module
 * The copy of an alert the bridge keeps and sends on: the one bounding rule for alert
 * content, used for the alerts table (every delivery) and the copy on each execution.
 * Alert content is untrusted and may be huge; without a bound, one 1 MB label was stored
 * whole on every delivery. Each value, each map and so each alert is bounded, and whatever
 * is cut is marked, so a reader knows the copy is not the whole alert. Routing and guards
 * see the alert as it arrived; only what is stored is bounded.
 */
import type { NormalizedAlert } from "../alerts/types.js";

/** Longest label or annotation value kept whole. */
export const MAX_VALUE_CHARS = 1_024;
/** A longer name is no label a runbook matches on: the entry is dropped (and counted). */
export const MAX_NAME_CHARS = 128;
/** Most entries kept per map (labels, annotations). */
export const MAX_ENTRIES = 64;
/** Most characters (names and values) kept per map: labels and annotations of one alert stay under ~33 KB. */
export const MAX_MAP_CHARS = 16_384;
/**
 * The entry that says entries were dropped. Names starting with `__` are reserved by
 * Prometheus and never reach an alert, so it cannot hide a real label.
 */
export const TRUNCATED_KEY = "__runbridge_truncated__";

function boundedValue(value: string): string {
  return value.length > MAX_VALUE_CHARS
    ? `${value.slice(0, MAX_VALUE_CHARS)}…[truncated ${value.length - MAX_VALUE_CHARS} chars]`
    : value;
}

/** A map within MAX_ENTRIES and MAX_MAP_CHARS, values within MAX_VALUE_CHARS; dropped entries counted under TRUNCATED_KEY. */
export function boundedMap(map: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  let kept = 0;
  let chars = 0;
  let dropped = 0;
  // alertname first: what the alert is stays known whatever else is dropped.
  const entries = Object.entries(map);
  const alertname = entries.findIndex(([name]) => name === "alertname");
  if (alertname > 0) entries.unshift(...entries.splice(alertname, 1));
  for (const [name, value] of entries) {
    const stored = boundedValue(value);
    const size = name.length + stored.length;
    if (kept >= MAX_ENTRIES || name.length > MAX_NAME_CHARS || chars + size > MAX_MAP_CHARS) {
      dropped++;
      continue;
    }
    out[name] = stored;
    kept++;
    chars += size;
  }
  if (dropped > 0) {
    out[TRUNCATED_KEY] =
      `${dropped} of ${kept + dropped} entries dropped (limits: ${MAX_ENTRIES} entries, ${MAX_MAP_CHARS} chars, names up to ${MAX_NAME_CHARS} chars)`;
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
    labels: boundedMap(alert.labels),
    annotations: boundedMap(alert.annotations),
    startsAt: alert.startsAt,
    status: alert.status,
    fingerprint: alert.fingerprint,
  };
}
