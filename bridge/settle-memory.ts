/**
 * @module
 * One memory-reducing garbage collection shortly after the bridge has started. Starting
 * (migrations, runbook compilation, the first reconciler pass) leaves garbage and a young
 * generation grown to its cap, and an idle process gives neither back until V8's memory
 * reducer happens to notice it is idle. Collected at once, an idle bridge holds ~20 MB less
 * (docs/benchmarks.md). It runs only when Node was started with --expose-gc, as
 * scripts/bridge-node-flags.mjs starts the compiled bridge; a pause of a few tens of
 * milliseconds, once, before Alertmanager's traffic has usually found the new process.
 */
import type { Logger } from "pino";

export function settleStartupMemory(log: Logger, delayMs = 2_000): void {
  const collect = globalThis.gc;
  if (!collect) return;
  setTimeout(() => {
    const before = process.memoryUsage();
    const started = performance.now();
    collect({ type: "major", execution: "sync", flavor: "last-resort" });
    const after = process.memoryUsage();
    log.debug(
      {
        pauseMs: Math.round(performance.now() - started),
        heapTotalBefore: before.heapTotal,
        heapTotalAfter: after.heapTotal,
        rssBefore: before.rss,
        rssAfter: after.rss,
      },
      "startup garbage collected",
    );
  }, delayMs).unref();
}
