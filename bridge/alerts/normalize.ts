/**
 * @module
 * Turns a validated Alertmanager webhook into alerts the bridge can decide on.
 */
import { fingerprintLabels } from "./fingerprint.js";
import type { AlertmanagerWebhook, NormalizedAlert } from "./types.js";

/** Alertmanager sends this for "no end yet". */
const ZERO_TIME = "0001-01-01T00:00:00Z";

function isoOrUndefined(value: string | undefined): string | undefined {
  if (!value || value === ZERO_TIME) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

export function normalizeWebhook(webhook: AlertmanagerWebhook): NormalizedAlert[] {
  const groupKey = webhook.groupKey ?? "";
  return webhook.alerts.map((alert) => {
    const labels = { ...alert.labels };
    const startsAt = isoOrUndefined(alert.startsAt) ?? new Date(0).toISOString();
    return {
      fingerprint: (alert.fingerprint ?? fingerprintLabels(labels)).toLowerCase(),
      status: alert.status,
      labels,
      annotations: { ...(alert.annotations ?? {}) },
      startsAt,
      endsAt: isoOrUndefined(alert.endsAt),
      generatorURL: alert.generatorURL,
      alertname: labels.alertname,
      severity: labels.severity ?? "none",
      groupKey,
    };
  });
}
