/**
 * @module
 * Which guard state one delivery's decisions read, as lock keys (store/decision-locks.ts
 * takes them on PostgreSQL). Routing is pure, so the keys are known before anything is read:
 *
 * - every alert's occurrence (its executions, its alert row), and for a `group` runbook the
 *   Alertmanager group (its open episode), which a resolution reads too when group runbooks exist;
 * - for an alert that may dispatch (not in dry-run, not a notify or dry-run runbook; only
 *   those are counted by the guards), its runbook + target (cooldown, one active execution, the
 *   target's breaker), its runbook (maxPerHour, the runbook's breaker) and the storm limit:
 *   firing, it reads them; resolved, it may cancel the execution they count.
 */
import type { NormalizedAlert } from "../alerts/types.js";
import type { RunbookSet } from "../runbooks/runbook-set.js";
import type { DecisionLocks } from "../store/decision-locks.js";
import { alertOccurrenceKey } from "./occurrence.js";

export function decisionLocks(
  alerts: readonly NormalizedAlert[],
  runbooks: RunbookSet,
  options: { dryRun: boolean; groupResolved: boolean },
): DecisionLocks {
  const locks: DecisionLocks = { occurrences: [], targets: [], runbooks: [], global: false };
  // Alertmanager groups matter only to `group` runbooks: every alert of a route shares its
  // group key, and locking it for all would decide a whole storm one alert at a time.
  const hasGroupRunbooks = runbooks.runbooks.some((loaded) => loaded.runbook.guards?.group === "group");
  for (const alert of alerts) {
    locks.occurrences.push(alertOccurrenceKey(alert));
    const route = runbooks.index.route(alert);
    const runbook = route.winner?.runbook.runbook;
    if (
      alert.groupKey &&
      (runbook?.guards?.group === "group" || (alert.status === "resolved" && hasGroupRunbooks))
    )
      locks.occurrences.push(`group ${alert.groupKey}`);
    // Only a decision that may dispatch changes what the guards count (dry-run and notify
    // decisions are never counted): the others read without waiting for anyone. A resolution
    // counts too: it may cancel its occurrence's pending execution, which the cooldown, the
    // one-active rule, maxPerHour and the storm limit read.
    if (!runbook || options.dryRun || (runbook.mode !== "auto" && runbook.mode !== "approval")) continue;
    locks.targets.push(JSON.stringify([runbook.name, route.target ?? null]));
    locks.runbooks.push(runbook.name);
    locks.global = true;
  }
  if (options.groupResolved && hasGroupRunbooks) {
    for (const alert of alerts) if (alert.groupKey) locks.occurrences.push(`group ${alert.groupKey}`);
  }
  return locks;
}
