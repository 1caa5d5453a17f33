/**
 * @module
 * Which writes may wait for another process's lock on the SQLite file, and for how long.
 * better-sqlite3 waits synchronously: while one statement sits in SQLite's busy handler, the
 * whole event loop waits with it, deliveries and `/healthz` included. When something else holds
 * the write lock (an operator's `sqlite3` shell, a backup tool writing), a delivery's commit
 * should spend the busy timeout (database.ts) and then answer 503 so Alertmanager retries. But
 * the background loops (the outboxes' claims, the reconciler, the pruner…) queued before it
 * used to spend it too, one after the other: with four of them ahead, a delivery waited 20 s,
 * not 5. Work started as background waits only briefly and backs off in its own loop instead;
 * a delivery behind it keeps the whole wait.
 *
 * The mark rides AsyncLocalStorage, so everything a background part starts inherits it: its
 * timers, awaits and the store calls under them. PostgreSQL has no such wait (each
 * transaction has its own connection) and ignores it.
 *
 * @example
 *   await parts.start("reconciler", () => asBackgroundWork(() => reconciler.start()), …);
 */
import { AsyncLocalStorage } from "node:async_hooks";

/**
 * How long a background write waits for another process's lock: long enough for a brief
 * transaction elsewhere to end, short enough that the event loop hardly notices.
 */
export const BACKGROUND_BUSY_TIMEOUT_MS = 50;

const background = new AsyncLocalStorage<true>();

/** Runs `start` (and everything it schedules) as background work. */
export function asBackgroundWork<T>(start: () => T): T {
  return background.run(true, start);
}

/** Whether the caller runs inside background work. */
export function isBackgroundWork(): boolean {
  return background.getStore() === true;
}
