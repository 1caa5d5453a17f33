/**
 * @module
 * The loop both outboxes share (dispatches to GitHub, the bridge's own notifications): claim
 * the next ready row, process it, sleep until the next one is due or someone wakes us; back
 * off while the database refuses writes (a full disk) instead of spinning; stop only after
 * the rows in flight were processed and recorded.
 */
import type { Logger } from "../logger.js";
import { isBusyTimeout } from "../store/database.js";
import type { StorageHealth } from "../store/storage-health.js";

export interface DrainLoopOptions<Row> {
  /** For log lines: "outbox", "notifications". */
  name: string;
  log: Logger;
  concurrency: number;
  now: () => number;
  storage?: StorageHealth;
  /** Claims one ready row (in its own transaction), or undefined when none is ready. */
  claim(now: number): Promise<Row | undefined>;
  /** When the next pending row becomes ready. */
  nextReadyAt(): Promise<number | undefined>;
  process(row: Row): Promise<void>;
  /**
   * `process` threw (the database, or a bug): record the failure. When recording throws too
   * (the disk is full), the row stays claimed and this is tried again after a pause.
   */
  recordUnexpected(row: Row, error: unknown): Promise<void>;
  /** Nothing is claimed before this time (GitHub's rate limit). */
  pausedUntil?(): number;
  /**
   * Claims are leases (`claim` sets one `ttlMs` long): renewed while `process` works on the
   * row, so it stays this bridge's however long GitHub takes; when `shared`, rows whose
   * claimant stopped renewing (a bridge sharing the database died) are taken back every
   * `ttlMs / 2`.
   */
  lease?: {
    ttlMs: number;
    renew(row: Row, until: number): Promise<void>;
    shared: boolean;
    /** Hands rows whose lease ran out back to the queue; how many. */
    releaseExpired(now: number): Promise<number>;
  };
}

export interface DrainLoop {
  start(): void;
  wake(): void;
  stop(): Promise<void>;
  /** Sleeps up to `ms`, or until woken or stopped. */
  sleep(ms: number): Promise<void>;
}

export function createDrainLoop<Row>(options: DrainLoopOptions<Row>): DrainLoop {
  const { log, name } = options;
  let running = false;
  /** Claims in a row that failed (a full disk): the back-off grows with it. */
  let storageFailures = 0;
  /** Claims in a row refused because another process held the write lock. */
  let lockedClaims = 0;
  const sleepers = new Set<() => void>();
  const loops: Promise<void>[] = [];

  function sleep(ms: number): Promise<void> {
    // Stopping wakes the sleepers it finds; a loop that goes to sleep after that (it was
    // awaiting the database) must not sleep out its back-off, up to 30 s.
    if (!running) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        sleepers.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      sleepers.add(finish);
    });
  }

  function wakeAll(): void {
    for (const finish of [...sleepers]) finish();
  }

  async function failUnexpectedly(row: Row, error: unknown): Promise<void> {
    log.error({ err: error, row }, `${name}: unexpected error while processing a row`);
    while (running) {
      try {
        await options.recordUnexpected(row, error);
        return;
      } catch (recordError) {
        options.storage?.failed(recordError, options.now());
        log.error({ err: recordError }, `${name}: cannot record the failure; retrying in 1s`);
        await sleep(1_000);
      }
    }
  }

  async function loop(): Promise<void> {
    while (running) {
      const current = options.now();
      const pausedUntil = options.pausedUntil?.() ?? 0;
      if (current < pausedUntil) {
        await sleep(Math.min(pausedUntil - current, 1_000));
        continue;
      }
      let row: Row | undefined;
      try {
        row = await options.claim(current);
        if (storageFailures + lockedClaims > 0)
          log.info(`${name}: the database takes writes again; resuming`);
        storageFailures = 0;
        lockedClaims = 0;
        options.storage?.succeeded();
      } catch (error) {
        if (isBusyTimeout(error)) {
          lockedClaims += 1;
          // Another process holds the write lock (a sqlite3 shell, a backup). A claim gives up
          // after a brief wait (store/background-work.ts), so trying again each second costs
          // little, and the outbox resumes within a second of the lock's release. Said once.
          if (lockedClaims === 1) {
            log.warn(
              { err: error },
              `${name}: another process holds the database's write lock; trying again every second`,
            );
          }
          await sleep(1_000);
          continue;
        }
        // A full disk fails every claim until space returns: back off (1 s doubling to 30 s)
        // instead of spinning, and say so once rather than every second.
        const storage = options.storage?.failed(error, options.now()) ?? false;
        storageFailures += 1;
        if (!storage || storageFailures === 1) {
          log.error(
            { err: error },
            `${name}: cannot claim a row; backing off until the database takes writes`,
          );
        }
        await sleep(Math.min(30_000, 1_000 * 2 ** Math.min(storageFailures - 1, 5)));
        continue;
      }
      if (!row) {
        const next = await options.nextReadyAt();
        await sleep(next === undefined ? 1_000 : Math.max(5, Math.min(next - current, 1_000)));
        continue;
      }
      const claimed = row;
      const lease = options.lease;
      const renewing = lease
        ? setInterval(() => {
            lease.renew(claimed, options.now() + lease.ttlMs).catch((error: unknown) => {
              log.warn({ err: error }, `${name}: cannot renew the lease of a row in flight; retrying`);
            });
          }, lease.ttlMs / 3)
        : undefined;
      try {
        await options.process(row);
      } catch (error) {
        await failUnexpectedly(row, error);
      } finally {
        clearInterval(renewing);
      }
    }
  }

  let reaper: NodeJS.Timeout | undefined;
  async function releaseExpired(): Promise<void> {
    const lease = options.lease;
    if (!lease) return;
    try {
      const released = await lease.releaseExpired(options.now());
      if (released > 0) {
        log.warn(
          { count: released },
          `${name}: took back rows whose claimant stopped renewing its lease (a bridge sharing the database stopped)`,
        );
        wakeAll();
      }
    } catch (error) {
      log.warn({ err: error }, `${name}: cannot look for rows with an expired lease; trying again later`);
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      for (let index = 0; index < options.concurrency; index++) loops.push(loop());
      if (options.lease?.shared) reaper = setInterval(() => void releaseExpired(), options.lease.ttlMs / 2);
    },
    wake: wakeAll,
    async stop() {
      running = false;
      clearInterval(reaper);
      wakeAll();
      await Promise.all(loops);
      loops.length = 0;
    },
    sleep,
  };
}
