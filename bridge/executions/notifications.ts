/**
 * @module
 * The notifications the bridge sends itself, as part of the transitions that cause them:
 * each is queued in the transition's transaction (so an event and its notification are
 * committed together or not at all), and what the notification worker learns (a channel
 * took it, or every one failed) moves a notify-mode execution to `notified` or
 * `notify_failed` — one transaction each, with the row and its audit events.
 */
import { type AlertLinks, alertFiringNotice, alertResolvedNotice } from "../notify/bridge-notices.js";
import { planFollowUps, planNotifications } from "../notify/plan.js";
import type { ResolvedRunbook } from "../runbooks/resolved-runbook.js";
import { type AuditEvent, appendAudit } from "../store/audit.js";
import type { Db } from "../store/database.js";
import { type Execution, findExecution } from "../store/executions.js";
import {
  finishNotification,
  type NotificationRow,
  type NotificationThread,
  notificationsAbout,
  retryNotificationLater,
  writeNotificationThread,
} from "../store/notifications.js";
import { inTransaction } from "../store/transaction.js";
import type { ExecutionDeps } from "./deps.js";
import { enterState } from "./enter-state.js";
import { notificationEvent, queueNotifications } from "./queue-notifications.js";

/** The topic of a notify-mode execution's own notifications: they decide notified / notify_failed. */
export const NOTIFY_TOPIC = "execution.notify";

/** The PagerDuty dedup_key of an occurrence: its resolve closes the same incident. */
function occurrenceDedupKey(execution: Pick<Execution, "occurrenceKey">): string {
  return `runbridge/${execution.occurrenceKey}`;
}

/**
 * mode: notify, just decided (`notifying`): queues the runbook's channels. When none applies,
 * the execution is `notify_failed` at once, saying why.
 */
export async function notifyDecision(
  tx: Db,
  executionId: string,
  runbook: ResolvedRunbook,
  links: AlertLinks,
  now: number,
): Promise<AuditEvent[]> {
  const execution = await findExecution(tx, executionId);
  if (!execution) return [];
  const planned = planNotifications(runbook.notify, {
    key: `execution:${execution.id}:notify`,
    topic: NOTIFY_TOPIC,
    about: { executionId: execution.id, runbook: runbook.name },
    thread: `execution:${execution.id}`,
    success: false,
    severity: execution.severity,
    message: alertFiringNotice(execution, runbook, links),
    issueTitle:
      `${runbook.name}${execution.target ? ` on ${execution.target}` : ""}: ${execution.alertname}`.slice(
        0,
        250,
      ),
    pagerduty: {
      dedupKey: occurrenceDedupKey(execution),
      source: execution.target ?? runbook.name,
      component: runbook.name,
      group: runbook.owner || undefined,
      class: execution.alertname,
      links: [
        ...(links.generatorURL ? [{ href: links.generatorURL, text: "Alert source" }] : []),
        ...(links.silenceURL ? [{ href: links.silenceURL, text: "Silence in Alertmanager" }] : []),
      ],
    },
  });
  const written = await queueNotifications(tx, planned, now);
  if (planned.length === 0) {
    written.push(
      // notify_failed feeds no breaker, so the runbook set is not consulted.
      ...(await enterState(tx, { db: tx, runbooks: () => undefined }, execution, "notify_failed", {
        detail: `no notify channel of ${runbook.name} applies to severity ${execution.severity}: add a slack, issue or pagerduty entry (with this severity) to its notify list`,
        now,
      })),
    );
  }
  return written;
}

/** mode: notify, the alert resolved: the incident is resolved and a note posted where the alert went. */
export async function notifyResolved(
  tx: Db,
  execution: Execution,
  resolvedAt: string,
  now: number,
): Promise<AuditEvent[]> {
  const opened = await notificationsAbout(tx, execution.id, NOTIFY_TOPIC);
  if (opened.length === 0) return [];
  const followUps = planFollowUps(opened, {
    key: `execution:${execution.id}:resolved`,
    topic: "execution.resolved",
    message: alertResolvedNotice(execution, execution.runbook ?? "(no runbook)", resolvedAt),
    issueAction: "comment",
  });
  return await queueNotifications(tx, followUps, now);
}

/** The worker is about to send a row: audited before the call. */
export async function recordNotificationAttempt(
  db: Db,
  row: NotificationRow,
  now: number,
): Promise<AuditEvent[]> {
  return [
    await appendAudit(
      db,
      notificationEvent(
        row,
        "notification.attempt",
        `sending ${row.channel} (attempt ${row.attempts})`,
        now,
        {
          attempt: row.attempts,
        },
      ),
    ),
  ];
}

export type NotificationOutcome =
  | { kind: "sent"; result: string }
  | { kind: "skipped"; why: string }
  | { kind: "retry"; error: string; at: number }
  | { kind: "failed"; error: string };

/**
 * Records what became of one attempt, in one transaction: the row, its audit event, and for a
 * notify-mode execution that still waits for its channels, the move to `notified` (the first
 * channel that took it) or to `notify_failed` (the last of its channels failed).
 */
export async function settleNotification(
  deps: ExecutionDeps,
  row: NotificationRow,
  outcome: NotificationOutcome,
  now: number,
  /** The thread's issue after a sent issue notification (opened, commented on, closed). */
  thread?: Omit<NotificationThread, "thread" | "updatedAt">,
): Promise<AuditEvent[]> {
  return await inTransaction(deps.db, async (tx) => {
    const written: AuditEvent[] = [];
    if (thread && row.thread)
      await writeNotificationThread(tx, { ...thread, thread: row.thread, updatedAt: now });
    const data = { attempt: row.attempts };
    switch (outcome.kind) {
      case "sent":
        await finishNotification(tx, row.id, "sent", now, { result: outcome.result });
        written.push(
          await appendAudit(
            tx,
            notificationEvent(
              row,
              "notification.sent",
              `${row.channel} took it: ${outcome.result}`,
              now,
              data,
            ),
          ),
        );
        break;
      case "skipped":
        await finishNotification(tx, row.id, "skipped", now, { result: outcome.why });
        written.push(
          await appendAudit(
            tx,
            notificationEvent(row, "notification.skipped", `${row.channel}: ${outcome.why}`, now, data),
          ),
        );
        break;
      case "retry":
        await retryNotificationLater(tx, row.id, outcome.at, now, outcome.error);
        written.push(
          await appendAudit(
            tx,
            notificationEvent(
              row,
              "notification.retry",
              `${row.channel} attempt ${row.attempts} failed (${outcome.error}); retrying at ${new Date(outcome.at).toISOString()}`,
              now,
              data,
            ),
          ),
        );
        break;
      case "failed":
        await finishNotification(tx, row.id, "failed", now, { error: outcome.error });
        written.push(
          await appendAudit(
            tx,
            notificationEvent(
              row,
              "notification.failed",
              `${row.channel} gave up: ${outcome.error}`,
              now,
              data,
            ),
          ),
        );
        break;
    }
    if (row.topic === NOTIFY_TOPIC && row.executionId && outcome.kind !== "retry") {
      written.push(...(await settleNotifyExecution(tx, deps, row.executionId, now)));
    }
    return written;
  });
}

/** A notify-mode execution is notified once any channel took it, notify_failed once none can. */
async function settleNotifyExecution(
  tx: Db,
  deps: ExecutionDeps,
  executionId: string,
  now: number,
): Promise<AuditEvent[]> {
  const execution = await findExecution(tx, executionId);
  if (execution?.state !== "notifying") return [];
  const rows = await notificationsAbout(tx, executionId, NOTIFY_TOPIC);
  const took = rows.find((row) => row.state === "sent");
  if (took) {
    return await enterState(tx, deps, execution, "notified", {
      detail: `${took.channel} took it (${took.result})`,
      now,
    });
  }
  if (rows.some((row) => row.state === "pending" || row.state === "in_flight")) return [];
  const reasons = rows.map((row) => `${row.channel}: ${row.lastError ?? row.result ?? row.state}`);
  return await enterState(tx, deps, execution, "notify_failed", {
    detail: `no channel took it (${reasons.join("; ")})`,
    now,
  });
}
