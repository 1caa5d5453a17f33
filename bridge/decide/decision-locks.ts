/**
 * @module
 * Which guard state one delivery's decisions read, as lock keys (store/decision-locks.ts
 * takes them on PostgreSQL). Routing is pure, so the keys are known before anything is read:
 *
 * - every alert's occurrence (its executions, its alert row), and for a `group` runbook the
 *   Alertmanager group (its open episode), which a group's resolution reads too;
 * - a routed firing alert's runbook + target (cooldown, one active execution, the target's
 *   breaker) and its runbook (maxPerHour, the runbook's breaker);
 * - the storm limit, for a firing alert that may dispatch (not in dry-run, not a notify or
 *   dry-run runbook): only those count towards it.
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
  for (const alert of alerts) {
    locks.occurrences.push(alertOccurrenceKey(alert));
    if (alert.groupKey) locks.occurrences.push(`group ${alert.groupKey}`);
    if (alert.status !== "firing") continue;
    const route = runbooks.index.route(alert);
    const runbook = route.winner?.runbook.runbook;
    if (!runbook) continue;
    locks.targets.push(JSON.stringify([runbook.name, route.target ?? null]));
    locks.runbooks.push(runbook.name);
    if (!options.dryRun && (runbook.mode === "auto" || runbook.mode === "approval")) locks.global = true;
  }
  if (options.groupResolved) {
    for (const alert of alerts) if (alert.groupKey) locks.occurrences.push(`group ${alert.groupKey}`);
  }
  return locks;
}
