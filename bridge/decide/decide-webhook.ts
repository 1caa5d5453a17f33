/**
 * @module
 * Decides every alert of one Alertmanager delivery in ONE transaction: alert
 * rows, executions, audit events and outbox rows commit together or not at all. The
 * caller answers 200 only after this returns, so an acknowledged alert is never lost.
 */
import { compareStartsAt } from "../alerts/starts-at.js";
import type { NormalizedAlert } from "../alerts/types.js";
import type { StormLimit } from "../guards/types.js";
import type { RunbookSet } from "../runbooks/runbook-set.js";
import { recordAlertDelivery } from "../store/alerts.js";
import type { AuditEvent } from "../store/audit.js";
import type { Db } from "../store/database.js";
import { lockForDecision } from "../store/decision-locks.js";
import { inTransaction, pipelined } from "../store/transaction.js";
import { compactAlert } from "./compact-alert.js";
import type { DecisionContext, DecisionOutcome } from "./context.js";
import { decideFiring } from "./decide-firing.js";
import { decideGroupResolved, decideResolved } from "./decide-resolved.js";
import { decisionLocks } from "./decision-locks.js";

export interface DecideOptions {
  db: Db;
  runbooks: RunbookSet;
  dryRun: boolean;
  storm: StormLimit;
  staleAfterMs: number;
  now: number;
  /** The notifying Alertmanager's URL, for silence links in notifications. */
  externalURL?: string;
}

export interface WebhookDecision {
  executions: DecisionOutcome[];
  /** Audit events written, for listeners, valid once the transaction committed. */
  events: AuditEvent[];
  /** Runs on GitHub are to be cancelled: wake the reconciler. */
  cancelRequested: boolean;
}

/** Earliest startsAt among this delivery's firing alerts routed to a runbook: a group occurrence's start. */
function groupStarts(alerts: NormalizedAlert[], runbooks: RunbookSet): (runbook: string) => string {
  const starts = new Map<string, string>();
  for (const alert of alerts) {
    if (alert.status !== "firing") continue;
    const name = runbooks.index.route(alert).winner?.runbook.runbook.name;
    if (!name) continue;
    const known = starts.get(name);
    if (!known || compareStartsAt(alert.startsAt, known) < 0) starts.set(name, alert.startsAt);
  }
  return (runbook) => starts.get(runbook) ?? "";
}

/**
 * @param groupResolved Alertmanager marked the whole delivery resolved: every alert of the
 *   group cleared, which ends the episode of a `group` runbook
 */
export async function decideWebhook(
  options: DecideOptions,
  alerts: NormalizedAlert[],
  groupResolved = false,
): Promise<WebhookDecision> {
  const work = async (tx: Db): Promise<WebhookDecision> => {
    // Replicas deciding at the same instant read guard state one after the other (PostgreSQL).
    const locks = () => decisionLocks(alerts, options.runbooks, { dryRun: options.dryRun, groupResolved });
    const context: DecisionContext = { ...options, db: tx, written: [] };
    const hasGroupRunbooks = options.runbooks.runbooks.some(
      (loaded) => loaded.runbook.guards?.group === "group",
    );
    const groupStart = hasGroupRunbooks ? groupStarts(alerts, options.runbooks) : () => "";
    const executions: DecisionOutcome[] = [];
    for (const [index, alert] of alerts.entries()) {
      // What is stored is bounded (one rule, compact-alert.ts); decisions see the whole alert.
      const kept = compactAlert(alert);
      const record = () =>
        recordAlertDelivery(
          tx,
          { ...alert, labels: kept.labels, annotations: kept.annotations },
          options.now,
        );
      const decide = async () =>
        alert.status === "resolved"
          ? await decideResolved(context, alert)
          : [await decideFiring(context, alert, groupStart, kept)];
      // The locks come first, before any read, then the alert's row, then the decision's reads:
      // on PostgreSQL all in one round trip (the server runs them in the order sent).
      const decided =
        index === 0
          ? (await pipelined(tx, () => lockForDecision(tx, locks), record, decide))[2]
          : (await pipelined(tx, record, decide))[1];
      executions.push(...decided);
    }
    if (groupResolved && hasGroupRunbooks) {
      executions.push(...(await decideGroupResolved(context, alerts[0]?.groupKey ?? "")));
    }
    return { executions, events: context.written, cancelRequested: context.cancelRequested ?? false };
  };
  // A deadlock or serialization failure (PostgreSQL) is retried here: the work is only reads
  // and writes of this transaction, so running it again is safe.
  return await inTransaction(options.db, work, { conflictRetries: 4 });
}
