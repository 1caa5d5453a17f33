/**
 * @module
 * Runs retention (retention.ts) off the request path: a pass now and then, each table walked
 * in small batches, one transaction each, with a pause between batches so webhooks waiting for
 * the write lock get it after at most one batch. Executions go first, so the audit events and
 * alert rows they kept are free to go in the same pass.
 *
 * @example
 *   const pruner = startPruner({ db, retentionMs: 90 * DAY, now: Date.now });
 *   …
 *   await pruner.stop(); // waits for the batch in progress, never interrupts one
 */
import type { Db } from "./database.js";
import { type PruneBatch, pruneAlertBatch, pruneAuditBatch, pruneExecutionBatch } from "./retention.js";

export interface PrunerOptions {
  /** Whether this bridge runs the timed passes (the one holding the timers lease, leadership.ts); always, when absent. */
  leads?: () => Promise<boolean>;
  db: Db;
  /** Rows older than this are deleted (RUNBRIDGE_RETENTION). */
  retentionMs: number;
  now: () => number;
  /** Time between passes. */
  intervalMs?: number;
  /** Time before the first pass: the start of the bridge is busy enough. */
  firstPassAfterMs?: number;
  /**
   * Audit events and alert rows a batch looks at: small enough that one transaction holds the
   * write lock a few ms (measured on an idle bridge: 200 audit rows ≈ 0.7 ms; docs/operations.md).
   */
  batchSize?: number;
  /** Executions a batch looks at: each deletes from eight indexes and three tables that hang off it (50 ≈ 1.5 ms). */
  executionBatchSize?: number;
  /** Pause between batches, when requests waiting for the write lock run. */
  pauseMs?: number;
  onPass?: (pass: PrunePass) => void;
  onError?: (error: unknown) => void;
}

export interface PrunePass {
  cutoff: number;
  /** Rows deleted; `executions` counts each execution with its outbox row, run jobs and breaker failures. */
  deleted: { executions: number; auditEvents: number; alerts: number };
  batches: number;
  /** The longest batch, in ms: how long a webhook may have waited for the write lock. */
  longestBatchMs: number;
  /** All batches together, in ms: the time the pass held the write lock (and the event loop). */
  totalBatchMs: number;
  /** The pass stopped early because the pruner was stopped. */
  interrupted: boolean;
}

export interface Pruner {
  /** Runs one pass now (tests, or an operator); passes never overlap. */
  runPass(): Promise<PrunePass>;
  stop(): Promise<void>;
}

const HOUR = 3_600_000;
const MAX_TIMER_MS = 2_147_483_647;

export function startPruner(options: PrunerOptions): Pruner {
  const { db, retentionMs, now } = options;
  const batchSize = options.batchSize ?? 200;
  const executionBatchSize = options.executionBatchSize ?? 50;
  const pauseMs = options.pauseMs ?? 50;
  let stopped = false;
  let running: Promise<PrunePass> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let wakePause: (() => void) | undefined;

  const pause = () =>
    new Promise<void>((resolve) => {
      const wait = setTimeout(resolve, pauseMs);
      wakePause = () => {
        clearTimeout(wait);
        resolve();
      };
    });

  async function walk<C>(
    first: C,
    batch: (after: C) => Promise<PruneBatch>,
    pass: PrunePass,
  ): Promise<number> {
    let deleted = 0;
    let after: C | undefined = first;
    while (after !== undefined && !stopped) {
      const started = performance.now();
      const result = await batch(after);
      const took = performance.now() - started;
      pass.longestBatchMs = Math.max(pass.longestBatchMs, took);
      pass.totalBatchMs += took;
      pass.batches++;
      deleted += result.deleted;
      after = result.next as C | undefined;
      if (after !== undefined) await pause();
    }
    if (after !== undefined) pass.interrupted = true;
    return deleted;
  }

  async function prune(): Promise<PrunePass> {
    const cutoff = now() - retentionMs;
    const pass: PrunePass = {
      cutoff,
      deleted: { executions: 0, auditEvents: 0, alerts: 0 },
      batches: 0,
      longestBatchMs: 0,
      totalBatchMs: 0,
      interrupted: false,
    };
    const limit = batchSize;
    pass.deleted.executions = await walk(
      "",
      (after) => pruneExecutionBatch(db, { cutoff, after, limit: executionBatchSize }),
      pass,
    );
    pass.deleted.auditEvents = await walk(0, (after) => pruneAuditBatch(db, { cutoff, after, limit }), pass);
    pass.deleted.alerts = await walk(0, (after) => pruneAlertBatch(db, { cutoff, after, limit }), pass);
    return pass;
  }

  function runPass(): Promise<PrunePass> {
    running ??= prune().finally(() => {
      running = undefined;
    });
    return running;
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    // setTimeout fires at once (with a warning) for a delay beyond 2^31-1 ms: wait at most that long.
    timer = setTimeout(
      () => {
        (options.leads ?? (async () => true))()
          .then((leading) => (leading ? runPass() : undefined))
          .then(
            (pass) => {
              if (pass) options.onPass?.(pass);
            },
            (error) => options.onError?.(error),
          )
          .finally(() => schedule(options.intervalMs ?? HOUR));
      },
      Math.min(delayMs, MAX_TIMER_MS),
    );
    timer.unref();
  }
  schedule(options.firstPassAfterMs ?? 60_000);

  return {
    runPass,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wakePause?.();
      await running?.catch(() => {
        // a failed pass was reported through onError
      });
    },
  };
}
