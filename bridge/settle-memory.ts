/**
 * @module
 * One memory-reducing garbage collection shortly after the bridge has started. Starting
 * (migrations, runbook compilation, the first reconciler pass) leaves garbage and a young
 * generation grown to its cap, and an idle process gives neither back until V8's memory
 * reducer happens to notice it is idle. Collected at once, an idle bridge holds ~20 MB less
 * (docs/benchmarks.md). It runs only when Node was started with --expose-gc, as
 * scripts/bridge-node-flags.mjs starts the compiled bridge.
 *
 * The collection stops the process for tens of milliseconds (two full collections, ~40 and
 * ~60 ms measured on the 2-core machine), so it waits for a quiet moment: a bridge restarted
 * in the middle of an alert storm would otherwise hold every request that arrives during
 * those pauses. Quiet is measured, not guessed from the HTTP layer: the event loop's
 * utilization over the last check interval. A bridge that stays busy never gets the
 * collection; it has no garbage of starting to speak of by then, and V8 reduces memory by
 * itself once it is idle.
 */
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";

export interface SettleOptions {
  /** First look this long after start. */
  delayMs?: number;
  /** Then look again this often while the bridge is busy. */
  checkEveryMs?: number;
  /** Stop looking this long after start. */
  giveUpAfterMs?: number;
  /** Event-loop utilization (0–1) over the last interval below which the bridge counts as quiet. */
  quietBelow?: number;
  /** The collection, for tests; `globalThis.gc` (present with --expose-gc) otherwise. */
  collect?: () => void;
}

/** Stops the watch (the bridge closes before it collected). */
export type StopSettling = () => void;

export function settleStartupMemory(
  log: Logger,
  {
    delayMs = 2_000,
    checkEveryMs = 1_000,
    giveUpAfterMs = 300_000,
    quietBelow = 0.05,
    collect = globalThis.gc
      ? () => globalThis.gc?.({ type: "major", execution: "sync", flavor: "last-resort" })
      : undefined,
  }: SettleOptions = {},
): StopSettling {
  if (!collect) return () => {};
  const started = performance.now();
  let previous = performance.eventLoopUtilization();
  let timer: NodeJS.Timeout | undefined;

  const look = () => {
    const current = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(current, previous).utilization;
    previous = current;
    if (busy >= quietBelow) {
      if (performance.now() - started + checkEveryMs > giveUpAfterMs) {
        log.debug({ utilization: busy }, "startup garbage left to V8: the bridge stayed busy");
        return;
      }
      timer = setTimeout(look, checkEveryMs).unref();
      return;
    }
    const before = process.memoryUsage();
    const pauseStarted = performance.now();
    collect();
    const after = process.memoryUsage();
    log.debug(
      {
        pauseMs: Math.round(performance.now() - pauseStarted),
        utilization: busy,
        heapTotalBefore: before.heapTotal,
        heapTotalAfter: after.heapTotal,
        rssBefore: before.rss,
        rssAfter: after.rss,
      },
      "startup garbage collected",
    );
  };
  timer = setTimeout(look, delayMs).unref();
  return () => clearTimeout(timer);
}
