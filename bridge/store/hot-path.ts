/**
 * @module
 * The statements every alert decision runs, prepared once per connection. Building a
 * drizzle query and compiling it in SQLite on every call was most of a decision's cost
 * (see docs/benchmarks.md); prepared, each is a few microseconds.
 */
import type Database from "better-sqlite3";
import { eq, sql } from "drizzle-orm";
import type { Db } from "./database.js";
import { type ExecutionState, executions } from "./schema.js";

/** States in which an execution may still act on its target. */
export const ACTIVE_STATES: ExecutionState[] = [
  "pending",
  "dispatched",
  "queued",
  "awaiting_approval",
  "running",
];

/** A committed dispatch that counts for cooldown and rate limits: it reached, or may reach, GitHub. */
export const COUNTS_AS_DISPATCH = `committed_at IS NOT NULL AND state <> 'dispatch_failed'
  AND (state <> 'cancelled' OR dispatched_at IS NOT NULL)`;
const ACTIVE_LIST = ACTIVE_STATES.map((state) => `'${state}'`).join(", ");

export interface BreakerRow {
  key: string;
  scope: "runbook" | "target" | "global";
  runbook: string | null;
  target: string | null;
  state: "open" | "closed";
  openedAt: number | null;
  halfOpenAt: number | null;
  reason: string;
  closesAutomatically: number;
}

/**
 * Plain better-sqlite3 statements: measured here, drizzle's prepared queries added about
 * 10 µs of placeholder filling and row mapping to each 1 µs lookup.
 */
function prepare(db: Db) {
  const client = db.$client;
  return {
    enabled: client.prepare<[], { value: string }>(`SELECT value FROM settings WHERE key = 'enabled'`),
    executionByOccurrence: db
      .select()
      .from(executions)
      .where(eq(executions.occurrenceKey, sql.placeholder("key")))
      .prepare(),
    lastDispatch: client.prepare<[string, string | null], { id: string; at: number }>(`
      SELECT id, committed_at AS at FROM executions
      WHERE runbook = ? AND target IS ? AND ${COUNTS_AS_DISPATCH}
      ORDER BY committed_at DESC LIMIT 1`),
    dispatchesSince: client.prepare<[string, number], { at: number }>(`
      SELECT committed_at AS at FROM executions
      WHERE runbook = ? AND committed_at > ? AND ${COUNTS_AS_DISPATCH}
      ORDER BY committed_at`),
    // Active executions were all committed to dispatch, which lets SQLite use the partial index.
    activeExecution: client.prepare<
      [string, string | null, number],
      { id: string; state: ExecutionState; since: number }
    >(`
      SELECT id, state, updated_at AS since FROM executions
      WHERE runbook = ? AND target IS ? AND committed_at IS NOT NULL
        AND state IN (${ACTIVE_LIST}) AND updated_at > ?
      ORDER BY created_at DESC LIMIT 1`),
    dispatchesAllSince: client.prepare<[number], { n: number }>(`
      SELECT count(*) AS n FROM executions WHERE committed_at > ? AND ${COUNTS_AS_DISPATCH}`),
    breaker: client.prepare<[string], BreakerRow>(`
      SELECT key, scope, runbook, target, state, opened_at AS openedAt, half_open_at AS halfOpenAt,
             reason, closes_automatically AS closesAutomatically
      FROM breakers WHERE key = ?`),
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
                              approval_escalated_at, cancel_requested_at, gate_pending_environment)
      VALUES (@id, @occurrenceKey, @fingerprint, @startsAt, @groupKey, @alertname, @severity, @runbook,
              @runbookHash, @runbookSha, @target, @mode, @state, @guard, @reason, @alert,
              @runId, @runUrl, @dispatchAttempts, @createdAt, @updatedAt, @committedAt,
              @dispatchedAt, @finishedAt, @alertResolvedAt, @awaitingSince,
              @approvalEscalatedAt, @cancelRequestedAt, @gatePendingEnvironment)`),
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
