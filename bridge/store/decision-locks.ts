/**
 * @module
 * Serializing decisions that read the same guard state, across every bridge sharing one
 * PostgreSQL database. A decision reads counts (cooldown, one active run, maxPerHour, the
 * storm limit) and then writes an execution that changes them; two decisions doing that at
 * the same instant on different replicas would both see the old counts. Each takes
 * transaction-scoped advisory locks on exactly the keys it reads, all at once and in one
 * global order, so two decisions never wait on each other in a cycle; the locks are released
 * by the commit. No table is locked: decisions about unrelated runbooks and targets go on side
 * by side (only the storm limit's `global` key is shared, and only by dispatch-bound ones).
 *
 * On SQLite there is nothing to do: one process owns the file and its transactions already
 * run one at a time (transaction.ts).
 */
import { sql } from "drizzle-orm";
import type { Db } from "./database.js";
import { engineOf } from "./engine.js";
import { rawRun } from "./raw.js";
import { inDecisionBatch } from "./transaction.js";

/** What one delivery's decisions read, by level; decide/decision-locks.ts says which keys. */
export interface DecisionLocks {
  /** Alert (or group) occurrences: their executions, their alert rows. */
  occurrences: string[];
  /** Runbook + target pairs: cooldown, one active execution, the target's breaker. */
  targets: string[];
  /** Runbooks: maxPerHour, the runbook's breaker. */
  runbooks: string[];
  /** The storm limit and the global breaker. */
  global: boolean;
}

/**
 * The lock keys in the one order every decision takes them: occurrences, then targets, then
 * runbooks, then global; within a level, sorted. A key's level is part of its text, so keys
 * of different levels never collide.
 */
export function orderedLockKeys(locks: DecisionLocks): string[] {
  // JSON text: alert-derived keys may hold anything, and PostgreSQL text cannot hold NUL.
  const level = (prefix: string, keys: string[]) =>
    [...new Set(keys)].sort().map((key) => `${prefix}${JSON.stringify(key)}`);
  return [
    ...level("1 occurrence ", locks.occurrences),
    ...level("2 target ", locks.targets),
    ...level("3 runbook ", locks.runbooks),
    ...(locks.global ? ["4 global"] : []),
  ];
}

/**
 * Takes the decision's locks (PostgreSQL); returns once all are held. Call it inside the
 * transaction, before any read. `locks` is asked only where locks are taken.
 */
export async function lockForDecision(db: Db, locks: () => DecisionLocks): Promise<void> {
  // A batch of decisions took every lock of its decisions before the first of them ran.
  if (engineOf(db).kind !== "postgres" || inDecisionBatch(db)) return;
  await lockKeys(db, orderedLockKeys(locks()));
}

/** Takes advisory locks on `keys`, in the order given (orderedLockKeys' order); PostgreSQL only. */
export async function lockKeys(db: Db, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  // One round trip; pg_advisory_xact_lock is volatile, so PostgreSQL calls it after sorting,
  // in the order given. A 64-bit hash collision only makes two keys share a lock. The keys go
  // as one JSON parameter, so the statement's text (and its prepared statement) is the same
  // however many keys a delivery locks.
  await rawRun(
    db,
    sql`SELECT pg_advisory_xact_lock(hashtextextended(key, 0))
        FROM json_array_elements_text(${JSON.stringify(keys)}::json) WITH ORDINALITY AS wanted(key, position)
        ORDER BY position`,
  );
}
