/**
 * @module
 * The statements every alert decision runs, prepared once per connection. Building a
 * drizzle query and compiling it in SQLite on every call was most of a decision's cost
 * (see docs/benchmarks.md); prepared, each is a few microseconds.
 */
import type Database from "better-sqlite3";
import { and, asc, count, desc, eq, gt, inArray, isNotNull, ne, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "./database.js";
import { breakers, type ExecutionState, executions, settings } from "./schema.js";

/** States in which an execution may still act on its target. */
export const ACTIVE_STATES: ExecutionState[] = [
  "pending",
  "dispatched",
  "queued",
  "awaiting_approval",
  "running",
];

/** A committed dispatch that counts for cooldown and rate limits: it reached, or may reach, GitHub. */
function countsAsDispatch(): SQL {
  return and(
    isNotNull(executions.committedAt),
    ne(executions.state, "dispatch_failed"),
    or(ne(executions.state, "cancelled"), isNotNull(executions.dispatchedAt)),
  ) as SQL;
}

/** `target IS ?` matches a NULL target too, so one statement serves alerts with and without one. */
const sameTarget = sql`${executions.target} IS ${sql.placeholder("target")}`;

function prepare(db: Db) {
  const client = db.$client;
  return {
    enabled: db.select({ value: settings.value }).from(settings).where(eq(settings.key, "enabled")).prepare(),
    executionByOccurrence: db
      .select()
      .from(executions)
      .where(eq(executions.occurrenceKey, sql.placeholder("key")))
      .prepare(),
    lastDispatch: db
      .select({ id: executions.id, at: executions.committedAt })
      .from(executions)
      .where(and(eq(executions.runbook, sql.placeholder("runbook")), sameTarget, countsAsDispatch()))
      .orderBy(desc(executions.committedAt))
      .limit(1)
      .prepare(),
    dispatchesSince: db
      .select({ at: executions.committedAt })
      .from(executions)
      .where(
        and(
          eq(executions.runbook, sql.placeholder("runbook")),
          gt(executions.committedAt, sql.placeholder("since")),
          countsAsDispatch(),
        ),
      )
      .orderBy(asc(executions.committedAt))
      .prepare(),
    activeExecution: db
      .select({ id: executions.id, state: executions.state, since: executions.updatedAt })
      .from(executions)
      .where(
        and(
          eq(executions.runbook, sql.placeholder("runbook")),
          sameTarget,
          // Active executions were all committed to dispatch: lets SQLite use the partial index.
          isNotNull(executions.committedAt),
          inArray(executions.state, ACTIVE_STATES),
          gt(executions.updatedAt, sql.placeholder("freshSince")),
        ),
      )
      .orderBy(desc(executions.createdAt))
      .limit(1)
      .prepare(),
    dispatchesAllSince: db
      .select({ n: count() })
      .from(executions)
      .where(and(gt(executions.committedAt, sql.placeholder("since")), countsAsDispatch()))
      .prepare(),
    breaker: db
      .select()
      .from(breakers)
      .where(eq(breakers.key, sql.placeholder("key")))
      .prepare(),
    upsertAlert: client.prepare(`
      INSERT INTO alerts (fingerprint, starts_at, alertname, status, labels, annotations, ends_at,
                          first_received_at, last_received_at, deliveries, resolved_at)
      VALUES (@fingerprint, @startsAt, @alertname, @status, @labels, @annotations, @endsAt,
              @now, @now, 1, CASE WHEN @status = 'resolved' THEN @now END)
      ON CONFLICT (fingerprint, starts_at) DO UPDATE SET
        status = excluded.status,
        ends_at = excluded.ends_at,
        last_received_at = excluded.last_received_at,
        deliveries = alerts.deliveries + 1,
        resolved_at = CASE WHEN excluded.status = 'resolved' THEN coalesce(alerts.resolved_at, excluded.last_received_at) END`),
    insertExecution: client.prepare(`
      INSERT INTO executions (id, occurrence_key, fingerprint, starts_at, group_key, alertname, severity, runbook,
                              runbook_hash, runbook_sha, target, mode, state, guard, reason, alert,
                              run_id, run_url, dispatch_attempts, created_at, updated_at, committed_at,
                              dispatched_at, finished_at, alert_resolved_at, awaiting_since,
                              approval_escalated_at, cancel_requested_at)
      VALUES (@id, @occurrenceKey, @fingerprint, @startsAt, @groupKey, @alertname, @severity, @runbook,
              @runbookHash, @runbookSha, @target, @mode, @state, @guard, @reason, @alert,
              @runId, @runUrl, @dispatchAttempts, @createdAt, @updatedAt, @committedAt,
              @dispatchedAt, @finishedAt, @alertResolvedAt, @awaitingSince,
              @approvalEscalatedAt, @cancelRequestedAt)`),
    insertOutbox: client.prepare(`
      INSERT INTO outbox (execution_id, priority, state, attempts, next_attempt_at, created_at, updated_at)
      VALUES (?, ?, 'pending', 0, ?, ?, ?)`),
    insertAudit: client.prepare(`
      INSERT INTO audit_events (at, kind, execution_id, alertname, runbook, target, message, data)
      VALUES (@at, @kind, @executionId, @alertname, @runbook, @target, @message, @data)`),
  };
}

export type HotStatements = ReturnType<typeof prepare>;

const prepared = new WeakMap<Database.Database, HotStatements>();

export function hot(db: Db): HotStatements {
  let statements = prepared.get(db.$client);
  if (!statements) {
    statements = prepare(db);
    prepared.set(db.$client, statements);
  }
  return statements;
}
