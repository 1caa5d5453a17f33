/**
 * @module
 * Queues notifications inside a transition's transaction and audits each one queued. A dedup
 * key queued before adds nothing: a redelivered alert or a transition run twice sends nothing twice.
 */
import type { PlannedNotification } from "../notify/plan.js";
import { type AuditEvent, type AuditKind, appendAudit, type NewAuditEvent } from "../store/audit.js";
import type { Db } from "../store/database.js";
import { type NotificationRow, queueNotification } from "../store/notifications.js";

/** An audit event about one notification row. */
export function notificationEvent(
  row: Pick<
    NotificationRow,
    "id" | "channel" | "topic" | "executionId" | "breakerKey" | "runbook" | "dedupKey"
  >,
  kind: AuditKind,
  message: string,
  now: number,
  data: Record<string, unknown> = {},
): NewAuditEvent {
  return {
    at: now,
    kind,
    executionId: row.executionId,
    runbook: row.runbook,
    message,
    data: {
      notification: row.id,
      channel: row.channel,
      topic: row.topic,
      dedupKey: row.dedupKey,
      ...(row.breakerKey ? { breaker: row.breakerKey } : {}),
      ...data,
    },
  };
}

/** Writes planned notifications (a dedup key queued before adds nothing) and audits each one queued. */
export async function queueNotifications(
  tx: Db,
  planned: readonly PlannedNotification[],
  now: number,
): Promise<AuditEvent[]> {
  const written: AuditEvent[] = [];
  for (const plan of planned) {
    const row = await queueNotification(tx, plan, now);
    if (!row) continue;
    written.push(
      await appendAudit(
        tx,
        notificationEvent(row, "notification.queued", `${row.channel} queued: ${row.topic}`, now),
      ),
    );
  }
  return written;
}
