/**
 * @module
 * Group commit on PostgreSQL: the deliveries that arrive together are decided in one
 * transaction, side by side, their hot statements merged (statement-batch.ts), so a storm
 * costs PostgreSQL a few statements per batch instead of a dozen per alert. What keeps it exact:
 *
 * - The batch first takes every advisory lock its deliveries would take (decision-locks.ts),
 *   in the one global order, in one statement: against other bridges it is one decision that
 *   reads more keys.
 * - Inside the batch, deliveries whose lock keys meet (the same occurrence twice from an HA
 *   pair, two alerts counted by the same cooldown or storm limit) never run side by side: they
 *   go in successive waves, in arrival order, so the later one reads what the earlier wrote.
 *   Deliveries of one wave read disjoint state (the lock keys are exactly what a decision reads).
 * - Every delivery is answered only after the batch committed. If anything in the batch fails,
 *   the whole transaction is rolled back and each delivery is decided again on its own, in a
 *   transaction of its own: one bad delivery costs the others time, never their answer.
 */

import type { Db } from "../database.js";
import type { DecisionLocks } from "../decision-locks.js";
import { lockKeys, orderedLockKeys } from "../decision-locks.js";
import { engineOf } from "../engine.js";
import type { GroupCommit } from "../group-commit.js";
import { inPostgresBatchTransaction } from "../transaction.js";
import { StatementBatch } from "./statement-batch.js";

interface Pending {
  work: () => unknown | Promise<unknown>;
  /** The delivery's lock keys in the global order; undefined: it meets every other delivery. */
  keys: string[] | undefined;
  locks: DecisionLocks | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Waves in arrival order: a delivery goes in the wave after the last one holding a delivery
 * whose keys meet its own (a delivery without keys meets all).
 */
export function wavesOf<T extends { keys: readonly string[] | undefined }>(items: readonly T[]): T[][] {
  const waves: T[][] = [];
  /** The last wave that holds each key. */
  const lastWaveOf = new Map<string, number>();
  /** The last wave of a delivery without keys, which every later delivery must follow. */
  let barrier = -1;
  let lastWave = -1;
  for (const item of items) {
    let after = barrier;
    if (item.keys === undefined) after = lastWave;
    else for (const key of item.keys) after = Math.max(after, lastWaveOf.get(key) ?? -1);
    const wave = after + 1;
    const members = waves[wave] ?? [];
    members.push(item);
    waves[wave] = members;
    lastWave = Math.max(lastWave, wave);
    if (item.keys === undefined) barrier = wave;
    else for (const key of item.keys) lastWaveOf.set(key, wave);
  }
  return waves;
}

function mergedLocks(batch: readonly Pending[]): DecisionLocks {
  const merged: DecisionLocks = { occurrences: [], targets: [], runbooks: [], global: false };
  for (const { locks } of batch) {
    if (!locks) continue;
    merged.occurrences.push(...locks.occurrences);
    merged.targets.push(...locks.targets);
    merged.runbooks.push(...locks.runbooks);
    merged.global ||= locks.global;
  }
  return merged;
}

/** Runs a wave's deliveries side by side; throws the first failure once all of them ended. */
async function runWave(wave: readonly Pending[], outcomes: Map<Pending, unknown>): Promise<void> {
  // allSettled: a delivery still sending statements when the transaction is rolled back
  // would send them on a connection already given back to the pool.
  const settled = await Promise.allSettled(wave.map(async (item) => await item.work()));
  settled.forEach((result, index) => {
    const item = wave[index];
    if (item && result.status === "fulfilled") outcomes.set(item, result.value);
  });
  const failed = settled.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
}

/** Waits for `promise` without throwing: its failure, if any, to throw when its turn comes. */
async function settle(promise: Promise<unknown>): Promise<{ error: unknown } | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return { error };
  }
}

/**
 * @param onBatchFailed told when a batch failed and its deliveries are decided one by one: rare
 *   (a delivery that fails on its own), so a steady stream of them means batching stopped working.
 */
/**
 * Batches one bridge has open at once. While one is in flight the deliveries arriving meanwhile
 * gather into the next, so batches grow with the load instead of transactions multiplying: with
 * three bridges at 1,000 alerts/s in all, one batch each kept p99 at 17.5 ms where a batch per
 * arrival (as many as came) reached 104 ms, the server's sessions competing for the same 2 cores
 * (docs/benchmarks.md). Several bridges still decide side by side.
 */
const BATCHES_IN_FLIGHT = 1;

export function createPostgresGroupCommit(
  db: Db,
  onBatchFailed: (error: unknown, deliveries: number) => void = () => {},
  maxBatch = 256,
): GroupCommit {
  const engine = engineOf(db);
  if (engine.kind !== "postgres") throw new Error("createPostgresGroupCommit: not a PostgreSQL store");
  const pool = engine.sql;
  const queue: Pending[] = [];
  let scheduled = false;

  async function decideAlone(item: Pending): Promise<void> {
    try {
      item.resolve(await item.work());
    } catch (error) {
      item.reject(error);
    }
  }

  let inFlight = 0;

  async function flush(): Promise<void> {
    scheduled = false;
    if (inFlight >= BATCHES_IN_FLIGHT) return;
    inFlight++;
    try {
      await flushBatch();
    } finally {
      inFlight--;
      if (queue.length > 0) schedule();
    }
  }

  async function flushBatch(): Promise<void> {
    // What is left waits for this batch to end (flush schedules it then).
    const batch = queue.splice(0, maxBatch);
    if (batch.length === 1) {
      // Nothing to share: the delivery's own transaction, as without a batch.
      await decideAlone(batch[0] as Pending);
      return;
    }
    const outcomes = new Map<Pending, unknown>();
    try {
      await inPostgresBatchTransaction(
        db,
        (connection) => new StatementBatch(pool, connection),
        async () => {
          // The first wave does not wait for the locks' answer, one round trip fewer: the
          // connection runs statements in the order sent, so the server takes every lock before
          // any of the wave's reads. (The locks leave with BEGIN, the wave's statements in a write
          // of their own on the next turn, statement-batch.ts.)
          const locked = settle(lockKeys(db, orderedLockKeys(mergedLocks(batch))));
          const [first, ...rest] = wavesOf(batch);
          const firstDone = settle(runWave(first ?? [], outcomes));
          // A lock that failed fails the statements after it: its error is the one to tell.
          const lockError = await locked;
          const firstError = await firstDone;
          if (lockError) throw lockError.error;
          if (firstError) throw firstError.error;
          for (const wave of rest) await runWave(wave, outcomes);
        },
      );
    } catch (error) {
      onBatchFailed(error, batch.length);
      // Nothing of the batch was committed: each delivery is decided again, alone, and answered
      // with its own result (its own failure, if it was the one that failed).
      await Promise.all(batch.map((item) => decideAlone(item)));
      return;
    }
    for (const item of batch) item.resolve(outcomes.get(item));
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    // After this turn's I/O callbacks: requests that arrived together are queued together.
    setImmediate(() => void flush());
  }

  return {
    run<T>(work: () => T | Promise<T>, locks?: () => DecisionLocks): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const known = locks?.();
        queue.push({
          work,
          locks: known,
          keys: known ? orderedLockKeys(known) : undefined,
          resolve: resolve as (value: unknown) => void,
          reject,
        });
        schedule();
      });
    },
  };
}
