/**
 * @module
 * The first transition: an alert occurrence decided. The execution row, its outbox row
 * when it dispatches, its audit event and a storm breaker it opens are written together
 * in the webhook's transaction (the hot path: prepared statements only).
 */

import type { AlertLinks } from "../notify/bridge-notices.js";
import type { ResolvedNotification, ResolvedRunbook } from "../runbooks/resolved-runbook.js";
import { type AuditEvent, appendAudit, executionEvent } from "../store/audit.js";
import type { Db } from "../store/database.js";
import { insertExecution } from "../store/execution-writes.js";
import type { NewExecution } from "../store/executions.js";
import { enqueueDispatch } from "../store/outbox.js";
import { pipelined, writeBehind } from "../store/transaction.js";
import { openStormBreaker } from "./breaker-changes.js";
import { notifyDecision } from "./notifications.js";
import { spoken } from "./outcome.js";
import type { DecidedState } from "./states.js";

export type { DecidedState };

export interface DecisionRecord {
  execution: Omit<NewExecution, "updatedAt" | "committedAt" | "state"> & { state: DecidedState };
  /** How routing went, for the audit trail. */
  route: string;
  /** The storm limit refused this alert: the global breaker opens for this long. */
  storm?: { reason: string; openForMs: number };
  /** The same alert was verified cleared by an earlier execution this recently: linked as its relapse. */
  relapse?: { of: string; clearedAt: number; relapseWithin: string };
  /** mode: notify (`notifying`): the runbook whose channels are told, and the alert's source link. */
  notify?: { runbook: ResolvedRunbook; links: AlertLinks };
  /** The matched runbook's notify channels: a storm breaker this opens escalates through them. */
  channels?: readonly ResolvedNotification[];
}

/**
 * @param written where the audit events written go, in the order written; on PostgreSQL the
 *   decision's own event arrives there only once the transaction's COMMIT has been sent
 *   (transaction.ts writeBehind): read it after the transaction.
 */
export async function recordDecision(tx: Db, decision: DecisionRecord, written: AuditEvent[]): Promise<void> {
  const { execution, route } = decision;
  const now = execution.createdAt;
  const dispatching = execution.state === "pending";
  const row = {
    ...execution,
    updatedAt: now,
    committedAt: dispatching ? now : null,
    relapseOf: decision.relapse?.of ?? null,
  };
  const about = {
    id: row.id,
    alertname: row.alertname,
    runbook: row.runbook ?? null,
    target: row.target ?? null,
  };
  // The execution first (the others refer to it), then its outbox row and its audit event,
  // sent together (store/transaction.ts pipelined: one round trip on PostgreSQL), and not
  // waited for: nothing below reads them, and COMMIT can go with them (writeBehind).
  await writeBehind(
    tx,
    () =>
      pipelined(
        tx,
        () => insertExecution(tx, row),
        async () =>
          dispatching ? await enqueueDispatch(tx, execution.id, execution.severity, now) : undefined,
        () =>
          appendAudit(
            tx,
            executionEvent(about, now, `decision.${execution.state}`, execution.reason, {
              guard: execution.guard ?? null,
              route,
              fingerprint: execution.fingerprint,
              startsAt: execution.startsAt,
            }),
          ),
      ),
    ([, , decided]) => written.push(decided),
  );
  if (decision.relapse) {
    const { of, clearedAt, relapseWithin } = decision.relapse;
    written.push(
      await appendAudit(
        tx,
        executionEvent(
          about,
          now,
          "execution.relapse",
          `relapse of ${of}: the alert fired again ${spoken(now - clearedAt)} after that execution's remediation cleared it (outcome.relapseWithin ${relapseWithin})`,
          { relapseOf: of, clearedAt },
        ),
      ),
    );
  }
  if (decision.notify) {
    written.push(
      ...(await notifyDecision(tx, execution.id, decision.notify.runbook, decision.notify.links, now)),
    );
  }
  if (decision.storm) {
    const escalation = { channels: decision.channels ?? [], written: [] as AuditEvent[] };
    await openStormBreaker(tx, decision.storm.reason, decision.storm.openForMs, now, escalation);
    written.push(
      await appendAudit(tx, {
        at: now,
        kind: "breaker.opened",
        executionId: execution.id,
        alertname: execution.alertname,
        runbook: null,
        target: null,
        message: decision.storm.reason,
        data: { key: "global" },
      }),
      ...escalation.written,
    );
  }
}
