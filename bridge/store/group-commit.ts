/**
 * @module
 * Group commit: decisions that arrive together (Alertmanager HA peers, a storm, many
 * groups flushing at once) are written in one SQLite transaction, each inside its own
 * savepoint. Every caller still gets its answer only after the commit that holds its
 * writes, and one failing delivery rolls back alone; but the commit's cost — writing the
 * touched pages to the WAL — is paid once per batch instead of once per request.
 */
import { type Db, isBusyTimeout } from "./database.js";
import type { DecisionLocks } from "./decision-locks.js";
import { sqliteClientOf } from "./engine.js";
import { inTransaction } from "./transaction.js";

export interface GroupCommit {
  /**
   * Runs `work` in the next batch; resolves after that batch committed. `work` must be
   * atomic on its own (wrap it in `inTransaction`): inside the batch that is a savepoint
   * (SQLite) or, on PostgreSQL, part of a batch that is decided again delivery by delivery if
   * anything in it fails (postgres/decision-batches.ts). `locks`: what the work's decisions
   * read (PostgreSQL keeps deliveries whose locks meet apart); without it, it is kept apart
   * from every other.
   */
  run<T>(work: () => T | Promise<T>, locks?: () => DecisionLocks): Promise<T>;
}

interface Pending {
  work: () => unknown | Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export function createGroupCommit(db: Db, maxBatch = 256): GroupCommit {
  const queue: Pending[] = [];
  let scheduled = false;

  async function flush(): Promise<void> {
    scheduled = false;
    const batch = queue.splice(0, maxBatch);
    if (queue.length > 0) schedule();
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await inTransaction(db, async () => {
        for (const item of batch) {
          try {
            // `work` opens its own transaction, which nests here as a savepoint: one
            // delivery's failure undoes only its own writes.
            outcomes.push({ ok: true, value: await item.work() });
          } catch (error) {
            // SQLite undoes the whole transaction on some errors (a full disk, an I/O error):
            // then every delivery of the batch is lost with it, and none may go on outside a
            // transaction. The batch fails with the error that caused it.
            // (PostgreSQL rolls back to the savepoint and the transaction goes on.)
            const sqlite = sqliteClientOf(db);
            if (sqlite && !sqlite.inTransaction) throw error;
            // Another process holds the write lock: each delivery after this one would wait
            // out the whole busy timeout again, synchronously, the event loop with it (a batch
            // of four took 20 s to answer). The batch fails together, at once, with 503s.
            if (sqlite && isBusyTimeout(error)) throw error;
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The commit itself failed: nothing of this batch is durable.
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) item.resolve(outcome.value);
      else item.reject(outcome?.error);
    });
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    // setImmediate runs after the I/O callbacks of this loop turn: requests that arrived
    // together are parsed and queued before the batch commits.
    setImmediate(() => void flush());
  }

  return {
    run<T>(work: () => T | Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      });
    },
  };
}
