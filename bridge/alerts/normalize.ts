/**
 * @module
 * Turns a validated Alertmanager webhook into alerts the bridge can decide on.
 */
import { fingerprintLabels } from "./fingerprint.js";
import { checkStartsAt } from "./starts-at.js";
import type { AlertmanagerWebhook, NormalizedAlert } from "./types.js";

/** Alertmanager sends this for "no end yet". */
const ZERO_TIME = "0001-01-01T00:00:00Z";

function isoOrUndefined(value: string | undefined): string | undefined {
  if (!value || value === ZERO_TIME) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/**
 * The occurrence's start, as its one canonical text (starts-at.ts). The webhook was validated,
 * which rejects a startsAt this cannot read; reaching the throw means the two disagree.
 */
function canonicalStartsAt(text: string, index: number): string {
  const check = checkStartsAt(text);
  if (!check.ok) throw new Error(`alerts.${index}.startsAt ${JSON.stringify(text)} ${check.problem}`);
  return check.canonical;
}

export function normalizeWebhook(webhook: AlertmanagerWebhook): NormalizedAlert[] {
  const groupKey = webhook.groupKey ?? "";
  return webhook.alerts.map((alert, index) => {
    const labels = { ...alert.labels };
    const startsAt = canonicalStartsAt(alert.startsAt, index);
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
