/**
 * @module
 * What "one alert occurrence" means. An alert is identified by its fingerprint; a new
 * occurrence starts each time it starts firing again (a new startsAt). Alertmanager HA
 * peers, retries and repeat_interval re-deliver the same occurrence, which must map to
 * the same key. A `group` runbook answers a whole Alertmanager group once.
 */
import type { NormalizedAlert } from "../alerts/types.js";

export function alertOccurrenceKey(alert: NormalizedAlert): string {
  return `${alert.fingerprint}@${alert.startsAt}`;
}

export function groupOccurrenceKey(runbook: string, groupKey: string, startsAt: string): string {
  return `group:${runbook}:${groupKey}@${startsAt}`;
}
