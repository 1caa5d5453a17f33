/**
 * @module
 * The notification outbox: rows written in the transaction of the event that causes them
 * (a notify-mode decision, a breaker opening, an execution failing), claimed one at a time
 * by the notification worker. Rows on one thread go out in order: a breaker's issue is
 * opened before it is closed, an incident triggered before it is resolved.
 */
import { and, asc, desc, eq, isNull, lte, or, sql } from "drizzle-orm";
import type { Db } from "./database.js";
import { changesOf } from "./engine.js";
import { type Abandoned, CLAIM_TRIES, DEFAULT_CLAIM_LEASE_MS } from "./outbox.js";
import { notifications, notificationThreads } from "./schema.js";
import { inTransaction, writing } from "./transaction.js";

export type NotificationRow = typeof notifications.$inferSelect;
export type NewNotification = Omit<
  typeof notifications.$inferInsert,
  "id" | "state" | "attempts" | "nextAttemptAt" | "createdAt" | "updatedAt"
>;
export type NotificationThread = typeof notificationThreads.$inferSelect;

/**
 * Queues one notification unless its dedup key was queued before (a redelivered alert, a
 * transition run twice).
 * @returns the row written, or undefined when the key was already there
 */
export async function queueNotification(
  db: Db,
  row: NewNotification,
  now: number,
): Promise<NotificationRow | undefined> {
  return await writing(db, async () => {
    return await db
      .insert(notifications)
      .values({ ...row, state: "pending", attempts: 0, nextAttemptAt: now, createdAt: now, updatedAt: now })
      .onConflictDoNothing({ target: notifications.dedupKey })
      .returning()
      .get();
  });
}

/** No earlier row of the same thread is still waiting to go out. */
const FIRST_OF_ITS_THREAD = sql`(${notifications.thread} IS NULL OR NOT EXISTS (
  SELECT 1 FROM notifications AS earlier
  WHERE earlier.thread = ${notifications.thread} AND earlier.id < ${notifications.id}
    AND earlier.state IN ('pending', 'in_flight')))`;

/**
 * Claims the next ready row (the oldest first, none ahead of its thread): in flight, the
 * attempt counted, before anything is sent.
 */
export async function claimNextNotification(
  db: Db,
  now: number,
  leaseUntil: number = now + DEFAULT_CLAIM_LEASE_MS,
): Promise<NotificationRow | undefined> {
  // As claimNextDispatch: only a row still pending is claimed; a row another worker took is skipped.
  for (let attempt = 0; attempt < CLAIM_TRIES; attempt++) {
    const claim = await inTransaction(db, async (tx) => {
      const row = await tx
        .select()
        .from(notifications)
        .where(
          and(
            eq(notifications.state, "pending"),
            sql`${notifications.nextAttemptAt} <= ${now}`,
            FIRST_OF_ITS_THREAD,
          ),
        )
        .orderBy(asc(notifications.nextAttemptAt), asc(notifications.id))
        .limit(1)
        .get();
      if (!row) return { row: undefined };
      const claimed = { state: "in_flight" as const, attempts: row.attempts + 1, leaseUntil, updatedAt: now };
      const taken = await tx
        .update(notifications)
        .set(claimed)
        .where(and(eq(notifications.id, row.id), eq(notifications.state, "pending")))
        .run();
      return changesOf(taken) === 1 ? { row: { ...row, ...claimed } } : { lost: true };
    });
    if (!("lost" in claim)) return claim.row;
  }
  return undefined;
}

/**
 * At start: rows a stopped process left in flight go out again. A Slack post or an issue
 * comment may then appear twice; PagerDuty deduplicates by dedup_key.
 */
export async function releaseInFlightNotifications(
  db: Db,
  now: number,
  which: Abandoned = "all",
): Promise<number> {
  const abandoned =
    which === "all"
      ? eq(notifications.state, "in_flight")
      : and(
          eq(notifications.state, "in_flight"),
          or(isNull(notifications.leaseUntil), lte(notifications.leaseUntil, now)),
        );
  return await writing(db, async () => {
    return changesOf(
      await db
        .update(notifications)
        .set({ state: "pending", nextAttemptAt: now, leaseUntil: null, updatedAt: now })
        .where(abandoned)
        .run(),
    );
  });
}

/** The lease of a notification this bridge is still sending, extended to `until`. */
export async function renewNotificationLease(db: Db, id: number, until: number): Promise<void> {
  return await writing(db, async () => {
    await db
      .update(notifications)
      .set({ leaseUntil: until })
      .where(and(eq(notifications.id, id), eq(notifications.state, "in_flight")))
      .run();
  });
}

export async function finishNotification(
  db: Db,
  id: number,
  state: "sent" | "failed" | "skipped",
  now: number,
  outcome: { result?: string; error?: string },
): Promise<void> {
  return await writing(db, async () => {
    await db
      .update(notifications)
      .set({ state, updatedAt: now, result: outcome.result ?? null, lastError: outcome.error ?? null })
      .where(eq(notifications.id, id))
      .run();
  });
}

export async function retryNotificationLater(
  db: Db,
  id: number,
  at: number,
  now: number,
  error: string,
): Promise<void> {
  return await writing(db, async () => {
    await db
      .update(notifications)
      .set({ state: "pending", nextAttemptAt: at, lastError: error, updatedAt: now })
      .where(eq(notifications.id, id))
      .run();
  });
}

/** When the next pending row becomes ready, to sleep exactly that long. */
export async function nextNotificationReadyAt(db: Db): Promise<number | undefined> {
  return (
    await db
      .select({ at: notifications.nextAttemptAt })
      .from(notifications)
      .where(eq(notifications.state, "pending"))
      .orderBy(asc(notifications.nextAttemptAt))
      .limit(1)
      .get()
  )?.at;
}

/** An execution's rows about one topic (has any channel taken it? are some still waiting?). */
export async function notificationsAbout(
  db: Db,
  executionId: string,
  topic: string,
): Promise<NotificationRow[]> {
  return await db
    .select()
    .from(notifications)
    .where(and(eq(notifications.executionId, executionId), eq(notifications.topic, topic)))
    .orderBy(asc(notifications.id))
    .all();
}

/** The rows queued for the latest opening of a breaker: its closing is sent to the same places. */
export async function latestBreakerOpening(db: Db, breakerKey: string): Promise<NotificationRow[]> {
  const latest = await db
    .select({ at: notifications.createdAt })
    .from(notifications)
    .where(and(eq(notifications.breakerKey, breakerKey), eq(notifications.topic, "breaker.opened")))
    .orderBy(desc(notifications.createdAt))
    .limit(1)
    .get();
  if (!latest) return [];
  return await db
    .select()
    .from(notifications)
    .where(
      and(
        eq(notifications.breakerKey, breakerKey),
        eq(notifications.topic, "breaker.opened"),
        eq(notifications.createdAt, latest.at),
      ),
    )
    .orderBy(asc(notifications.id))
    .all();
}

export async function readNotificationThread(
  db: Db,
  thread: string,
): Promise<NotificationThread | undefined> {
  return await db.select().from(notificationThreads).where(eq(notificationThreads.thread, thread)).get();
}

/** The thread's issue, opened (or found open) now. */
export async function writeNotificationThread(db: Db, row: NotificationThread): Promise<void> {
  return await writing(db, async () => {
    await db
      .insert(notificationThreads)
      .values(row)
      .onConflictDoUpdate({ target: notificationThreads.thread, set: row })
      .run();
  });
}
