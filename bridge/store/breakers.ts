/**
 * @module
 * Breaker rows and the failures that feed them. Reads and writes only: when a breaker
 * opens or closes is decided by breakers/state-machine.ts.
 */
import { and, count, desc, eq, gt } from "drizzle-orm";
import type { Db } from "./database.js";
import { breakerFailures, breakers, executions } from "./schema.js";
import { writing } from "./transaction.js";

export type BreakerRow = typeof breakers.$inferSelect;

export async function readBreaker(db: Db, key: string): Promise<BreakerRow | undefined> {
  return await db.select().from(breakers).where(eq(breakers.key, key)).get();
}

export async function writeBreaker(db: Db, row: BreakerRow): Promise<void> {
  return await writing(db, async () => {
    await db.insert(breakers).values(row).onConflictDoUpdate({ target: breakers.key, set: row }).run();
  });
}

/** One failed execution counted against a breaker key; counting it twice does nothing. */
export async function addBreakerFailure(db: Db, key: string, executionId: string, at: number): Promise<void> {
  return await writing(db, async () => {
    await db.insert(breakerFailures).values({ key, executionId, at }).onConflictDoNothing().run();
  });
}

/** Failures counted against `key` after `after`. */
export async function countBreakerFailuresAfter(db: Db, key: string, after: number): Promise<number> {
  const row = await db
    .select({ n: count() })
    .from(breakerFailures)
    .where(and(eq(breakerFailures.key, key), gt(breakerFailures.at, after)))
    .get();
  return row?.n ?? 0;
}

/** Rows stored as open (a storm breaker whose time is up is still stored as open). */
export async function breakersStoredOpen(db: Db): Promise<BreakerRow[]> {
  return await db.select().from(breakers).where(eq(breakers.state, "open")).all();
}

/** A failure counted against a breaker, with what became of its execution. */
export interface BreakerFailure {
  executionId: string;
  at: number;
  state: string | null;
  reason: string | null;
  runUrl: string | null;
}

/** The last `limit` failures counted against `key`, newest first (the breaker's issue lists them). */
export async function lastBreakerFailures(db: Db, key: string, limit: number): Promise<BreakerFailure[]> {
  return await db
    .select({
      executionId: breakerFailures.executionId,
      at: breakerFailures.at,
      state: executions.state,
      reason: executions.reason,
      runUrl: executions.runUrl,
    })
    .from(breakerFailures)
    .leftJoin(executions, eq(executions.id, breakerFailures.executionId))
    .where(eq(breakerFailures.key, key))
    .orderBy(desc(breakerFailures.at), desc(breakerFailures.id))
    .limit(limit)
    .all();
}
