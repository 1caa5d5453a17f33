/**
 * @module
 * The durable outbox. A dispatch is written in the same transaction as the decision,
 * so an acknowledged alert is never lost; the worker claims rows in priority order
 * (critical first) and records every attempt before it talks to GitHub.
 */
import { and, asc, count, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { Db } from "./database.js";
import { changesOf } from "./engine.js";
import { hot } from "./hot-path.js";
import { outbox } from "./schema.js";
import { toDriverRow } from "./table-rows.js";
import { inTransaction, writing } from "./transaction.js";

export type OutboxRow = typeof outbox.$inferSelect;

/** Lower runs sooner. Unknown severities sit between warning and info. */
export function severityPriority(severity: string): number {
  const ranks: Record<string, number> = {
    critical: 0,
    page: 0,
    error: 1,
    high: 1,
    warning: 2,
    medium: 2,
    info: 4,
    low: 4,
  };
  return ranks[severity.toLowerCase()] ?? 3;
}

export async function enqueueDispatch(
  db: Db,
  executionId: string,
  severity: string,
  now: number,
): Promise<void> {
  const row = {
    executionId,
    priority: severityPriority(severity),
    state: "pending",
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
    updatedAt: now,
  } satisfies typeof outbox.$inferInsert;
  return await writing(db, async () => {
    await hot(db).insertOutbox.run(toDriverRow(outbox, row));
  });
}

/** How often a claim looks again after another worker took the row it found. */
export const CLAIM_TRIES = 8;

/** How long a claim answers for its row unless renewed (the drain loop renews it while it works). */
export const DEFAULT_CLAIM_LEASE_MS = 60_000;

/**
 * Which in-flight rows to hand back: `all` when this bridge alone uses the database and has
 * just started (whatever is in flight was its predecessor's); `expired` when bridges share it,
 * so only rows whose claimant stopped renewing.
 */
export type Abandoned = "all" | "expired";

/** The lease of a row this bridge is still working on, extended to `until`. */
export async function renewDispatchLease(db: Db, executionId: string, until: number): Promise<void> {
  return await writing(db, async () => {
    await db
      .update(outbox)
      .set({ leaseUntil: until })
      .where(and(eq(outbox.executionId, executionId), eq(outbox.state, "in_flight")))
      .run();
  });
}

/**
 * Claims the most urgent ready row: marks it in flight and counts the attempt, in its own
 * transaction, before any call to GitHub. After a crash, an in-flight row tells us a
 * call may have reached GitHub.
 *
 * Only a row still pending is claimed: on PostgreSQL another worker (of this bridge or
 * another) may take the same row between the read and the update; its update waits for the
 * first to commit and then changes nothing, and this claim looks for the next row.
 */
export async function claimNextDispatch(
  db: Db,
  now: number,
  leaseUntil: number = now + DEFAULT_CLAIM_LEASE_MS,
): Promise<OutboxRow | undefined> {
  for (let attempt = 0; attempt < CLAIM_TRIES; attempt++) {
    const claim = await inTransaction(db, async (tx) => {
      const row = await tx
        .select()
        .from(outbox)
        .where(and(eq(outbox.state, "pending"), lte(outbox.nextAttemptAt, now)))
        .orderBy(asc(outbox.priority), asc(outbox.nextAttemptAt), asc(outbox.createdAt))
        .limit(1)
        .get();
      if (!row) return { row: undefined };
      const claimed = { state: "in_flight" as const, attempts: row.attempts + 1, leaseUntil, updatedAt: now };
      const taken = await tx
        .update(outbox)
        .set(claimed)
        .where(and(eq(outbox.executionId, row.executionId), eq(outbox.state, "pending")))
        .run();
      return changesOf(taken) === 1 ? { row: { ...row, ...claimed } } : { lost: true };
    });
    if (!("lost" in claim)) return claim.row;
  }
  return undefined;
}

/**
 * Rows a stopped bridge left in flight may or may not have reached GitHub: pending again, each
 * marked uncertain so its next attempt looks for its run first.
 */
export async function releaseInFlight(db: Db, now: number, which: Abandoned = "all"): Promise<OutboxRow[]> {
  const abandoned =
    which === "all"
      ? eq(outbox.state, "in_flight")
      : and(eq(outbox.state, "in_flight"), or(isNull(outbox.leaseUntil), lte(outbox.leaseUntil, now)));
  return await inTransaction(db, async (tx) => {
    const rows = await tx.select().from(outbox).where(abandoned).all();
    for (const row of rows) {
      await tx
        .update(outbox)
        .set({
          state: "pending",
          uncertainSince: row.uncertainSince ?? row.updatedAt,
          nextAttemptAt: now,
          leaseUntil: null,
          updatedAt: now,
        })
        // Still abandoned: its claimant may have renewed since the read (PostgreSQL).
        .where(and(eq(outbox.executionId, row.executionId), abandoned))
        .run();
    }
    return rows;
  });
}

/**
 * Dispatches an execution again through its existing outbox row (one row per execution):
 * an approval the bridge held was answered, and the approved execution goes out now.
 */
export async function requeueDispatch(db: Db, executionId: string, now: number): Promise<void> {
  return await writing(db, async () => {
    await db
      .update(outbox)
      .set({
        state: "pending",
        nextAttemptAt: now,
        attempts: 0,
        lastError: null,
        uncertainSince: null,
        updatedAt: now,
      })
      .where(eq(outbox.executionId, executionId))
      .run();
  });
}

export async function finishDispatch(
  db: Db,
  executionId: string,
  state: "done" | "failed" | "cancelled",
  now: number,
  error?: string,
): Promise<void> {
  return await writing(db, async () => {
    await db
      .update(outbox)
      .set({ state, updatedAt: now, lastError: error ?? null })
      .where(eq(outbox.executionId, executionId))
      .run();
  });
}

export async function retryDispatchLater(
  db: Db,
  executionId: string,
  at: number,
  now: number,
  error: string,
  uncertain: boolean,
): Promise<void> {
  return await writing(db, async () => {
    await db
      .update(outbox)
      .set({
        state: "pending",
        nextAttemptAt: at,
        lastError: error,
        updatedAt: now,
        ...(uncertain ? { uncertainSince: now } : {}),
      })
      .where(eq(outbox.executionId, executionId))
      .run();
  });
}

/** Hands a claimed row back unsent: pending again at `at`, the claim's attempt not counted. */
export async function postponeClaim(db: Db, executionId: string, at: number, now: number): Promise<void> {
  return await writing(db, async () => {
    await db
      .update(outbox)
      .set({ state: "pending", nextAttemptAt: at, updatedAt: now, attempts: sql`${outbox.attempts} - 1` })
      .where(and(eq(outbox.executionId, executionId), eq(outbox.state, "in_flight")))
      .run();
  });
}

/** Cancels a dispatch that has not been claimed yet; false when it is already in flight or done. */
export async function cancelPendingDispatch(db: Db, executionId: string, now: number): Promise<boolean> {
  return await writing(db, async () => {
    const result = await db
      .update(outbox)
      .set({ state: "cancelled", updatedAt: now })
      // An uncertain row may already have a run on GitHub: it is not ours to cancel silently.
      .where(
        and(eq(outbox.executionId, executionId), eq(outbox.state, "pending"), isNull(outbox.uncertainSince)),
      )
      .run();
    return changesOf(result) > 0;
  });
}

export async function outboxDepth(db: Db): Promise<number> {
  const row = await db
    .select({ n: count() })
    .from(outbox)
    .where(inArray(outbox.state, ["pending", "in_flight"]))
    .get();
  return row?.n ?? 0;
}

/** When the next pending row becomes ready, to sleep exactly that long. */
export async function nextReadyAt(db: Db): Promise<number | undefined> {
  return (
    await db
      .select({ at: outbox.nextAttemptAt })
      .from(outbox)
      .where(eq(outbox.state, "pending"))
      .orderBy(asc(outbox.nextAttemptAt))
      .limit(1)
      .get()
  )?.at;
}
