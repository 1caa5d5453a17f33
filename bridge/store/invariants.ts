/**
 * @module
 * What must hold across the tables whatever arrived, checked by SQL: after a fuzzing pass,
 * a fault-injection run or a soak (and by an operator who doubts a database). Each
 * invariant is one query that lists the rows breaking it; an empty list is a healthy store.
 */

import { sql } from "drizzle-orm";
import { EXECUTION_STATES, type ExecutionState, FINAL_STATES } from "../executions/states.js";
import type { Db } from "./database.js";
import { rawRows } from "./raw.js";

export interface InvariantViolation {
  invariant: string;
  /** Up to ten offending rows, as the query returned them. */
  rows: unknown[];
  count: number;
}

const quoted = (states: readonly string[]) => states.map((state) => `'${state}'`).join(", ");
const ALWAYS_COUNTED = (Object.keys(EXECUTION_STATES) as ExecutionState[]).filter(
  (state) => EXECUTION_STATES[state].countsAsDispatch === "always",
);
/** Outbox rows that will still call GitHub. */
const LIVE_OUTBOX = "('pending', 'in_flight')";

/** Each: what must hold, and a query selecting the rows that break it. */
export const INVARIANTS: readonly { invariant: string; query: string }[] = [
  {
    invariant: "one execution per alert occurrence (occurrence_key)",
    query: `SELECT occurrence_key, count(*) AS executions FROM executions
            GROUP BY occurrence_key HAVING count(*) > 1`,
  },
  {
    invariant: "every pending execution has a live outbox row (pending or in flight)",
    query: `SELECT e.id, e.state FROM executions e
            LEFT JOIN outbox o ON o.execution_id = e.id AND o.state IN ${LIVE_OUTBOX}
            WHERE e.state = 'pending' AND o.execution_id IS NULL`,
  },
  {
    invariant: "a live outbox row belongs to a pending execution (never a final or dispatched one)",
    query: `SELECT o.execution_id, o.state AS outbox_state, e.state FROM outbox o
            LEFT JOIN executions e ON e.id = o.execution_id
            WHERE o.state IN ${LIVE_OUTBOX} AND (e.id IS NULL OR e.state <> 'pending')`,
  },
  {
    invariant: "no execution is both final and waiting in the outbox",
    query: `SELECT e.id, e.state FROM executions e JOIN outbox o ON o.execution_id = e.id
            WHERE o.state IN ${LIVE_OUTBOX} AND e.state IN (${quoted(FINAL_STATES)})`,
  },
  {
    invariant: "every execution has at least one audit event",
    query: `SELECT e.id, e.state FROM executions e
            WHERE NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.execution_id = e.id)`,
  },
  {
    invariant: "an execution in a state that counts as a dispatch was committed (committed_at)",
    query: `SELECT id, state FROM executions
            WHERE state IN (${quoted(ALWAYS_COUNTED)}) AND committed_at IS NULL`,
  },
  {
    invariant: "an execution's state is one the state table knows",
    query: `SELECT id, state FROM executions WHERE state NOT IN (${quoted(Object.keys(EXECUTION_STATES))})`,
  },
  {
    invariant: "outbox rows, run jobs and breaker failures belong to an existing execution",
    query: `SELECT 'outbox' AS tbl, execution_id FROM outbox WHERE execution_id NOT IN (SELECT id FROM executions)
            UNION ALL
            SELECT 'run_jobs', execution_id FROM run_jobs WHERE execution_id NOT IN (SELECT id FROM executions)
            UNION ALL
            SELECT 'breaker_failures', execution_id FROM breaker_failures
              WHERE execution_id NOT IN (SELECT id FROM executions)`,
  },
  {
    invariant: "an open breaker records when it opened",
    query: `SELECT key, state FROM breakers WHERE state = 'open' AND opened_at IS NULL`,
  },
  {
    invariant: "one alert row per occurrence (fingerprint, starts_at)",
    query: `SELECT fingerprint, starts_at, count(*) AS n FROM alerts
            GROUP BY fingerprint, starts_at HAVING count(*) > 1`,
  },
];

export async function checkInvariants(db: Db): Promise<InvariantViolation[]> {
  const violations: InvariantViolation[] = [];
  for (const { invariant, query } of INVARIANTS) {
    const rows = await rawRows(db, sql.raw(query));
    if (rows.length > 0) violations.push({ invariant, rows: rows.slice(0, 10), count: rows.length });
  }
  return violations;
}
