/**
 * @module
 * The statements every alert decision runs, prepared once per connection. Building a
 * drizzle query and compiling it in SQLite on every call was most of a decision's cost
 * (see docs/benchmarks.md); prepared, each is a few microseconds. Their rows still come
 * from schema.ts: INSERTs list the table's columns (table-rows.ts), whole rows are mapped
 * by the columns' own conversions, and projections are named after the schema's
 * properties (hot-path.test.ts checks every one against the tables).
 */
import type Database from "better-sqlite3";
import {
  ACTIVE_STATES,
  COUNTED_IF_DISPATCHED_STATES,
  type ExecutionState,
  NEVER_COUNTED_STATES,
} from "../executions/states.js";
import type { Db } from "./database.js";
import { sqliteClientOf } from "./engine.js";
import { alerts, auditEvents, executions, outbox, type settings } from "./schema.js";
import { insertSql } from "./table-rows.js";

type Execution = typeof executions.$inferSelect;

const quoted = (states: readonly ExecutionState[]) => states.map((state) => `'${state}'`).join(", ");

/**
 * A committed execution that counts for cooldown and rate limits: it reached, or may
 * reach, GitHub. Derived from the state table (executions/states.ts).
 */
export const COUNTS_AS_DISPATCH = `committed_at IS NOT NULL AND state NOT IN (${quoted(NEVER_COUNTED_STATES)})
  AND (state NOT IN (${quoted(COUNTED_IF_DISPATCHED_STATES)}) OR dispatched_at IS NOT NULL)`;

/** A row as SQLite returns it: mapped to the schema's types with `fromDriverRow`. */
type RawRow = Record<string, unknown>;

/**
 * Plain better-sqlite3 statements: measured here, drizzle's prepared queries added about
 * 10 µs of placeholder filling and row mapping to each 1 µs lookup.
 */
function prepare(client: Database.Database) {
  return {
    enabled: client.prepare<[], Pick<typeof settings.$inferSelect, "value">>(
      `SELECT value FROM settings WHERE key = 'enabled'`,
    ),
    executionByOccurrence: client.prepare<[string], RawRow>(
      `SELECT * FROM executions WHERE occurrence_key = ?`,
    ),
    lastDispatch: client.prepare<[string, string | null], Pick<Execution, "id" | "committedAt">>(`
      SELECT id, committed_at AS committedAt FROM executions
      WHERE runbook = ? AND target IS ? AND ${COUNTS_AS_DISPATCH}
      ORDER BY committed_at DESC LIMIT 1`),
    dispatchesSince: client.prepare<[string, number], Pick<Execution, "committedAt">>(`
      SELECT committed_at AS committedAt FROM executions
      WHERE runbook = ? AND committed_at > ? AND ${COUNTS_AS_DISPATCH}
      ORDER BY committed_at`),
    // Active executions were all committed to dispatch, which lets SQLite use the partial index.
    activeExecution: client.prepare<
      [string, string | null, number],
      Pick<Execution, "id" | "state" | "updatedAt">
    >(`
      SELECT id, state, updated_at AS updatedAt FROM executions
      WHERE runbook = ? AND target IS ? AND committed_at IS NOT NULL
        AND state IN (${quoted(ACTIVE_STATES)}) AND updated_at > ?
      ORDER BY created_at DESC LIMIT 1`),
    // Relapse lookup (decide-firing.ts): the latest verified execution of this alert and runbook.
    lastVerified: client.prepare<[string, string, number], Pick<Execution, "id" | "clearedAt">>(`
      SELECT id, cleared_at AS clearedAt FROM executions
      WHERE fingerprint = ? AND runbook = ? AND state = 'verified' AND cleared_at >= ?
      ORDER BY cleared_at DESC LIMIT 1`),
    dispatchesAllSince: client.prepare<[number], { n: number }>(`
      SELECT count(*) AS n FROM executions WHERE committed_at > ? AND ${COUNTS_AS_DISPATCH}`),
    breaker: client.prepare<[string], RawRow>(`SELECT * FROM breakers WHERE key = ?`),
    upsertAlert: client.prepare(`${insertSql(alerts)}
      ON CONFLICT (fingerprint, starts_at) DO UPDATE SET
        status = excluded.status,
        ends_at = excluded.ends_at,
        last_received_at = excluded.last_received_at,
        deliveries = alerts.deliveries + 1,
        resolved_at = CASE WHEN excluded.status = 'resolved' THEN coalesce(alerts.resolved_at, excluded.last_received_at) END`),
    insertExecution: client.prepare(insertSql(executions)),
    insertOutbox: client.prepare(insertSql(outbox)),
    insertAudit: client.prepare(insertSql(auditEvents)),
  };
}

export type HotStatements = ReturnType<typeof prepare>;

const prepared = new WeakMap<Database.Database, HotStatements>();

/**
 * The prepared statements on SQLite; undefined on PostgreSQL, where the caller runs the same
 * read through the builder (postgres.js prepares each statement once per connection itself).
 */
export function hot(db: Db): HotStatements | undefined {
  const client = sqliteClientOf(db);
  if (!client) return undefined;
  let statements = prepared.get(client);
  if (!statements) {
    statements = prepare(client);
    prepared.set(client, statements);
  }
  return statements;
}
