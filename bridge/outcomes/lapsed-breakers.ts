/**
 * @module
 * Announces the breakers that close by themselves: the global storm breaker closes when its
 * open period ends, which no request or webhook observes. Every `intervalMs` this records each
 * such closing (executions/breaker-changes.ts closeLapsedBreakers), so the issue opened for it is
 * closed and its PagerDuty incident resolved, once.
 */
import type { AuditBus } from "../audit-bus.js";
import { closeLapsedBreakers } from "../executions/breaker-changes.js";
import type { Logger } from "../logger.js";
import type { Db } from "../store/database.js";
import type { StorageHealth } from "../store/storage-health.js";

export interface LapsedBreakerWatcher {
  start(): void;
  /** One pass now (tests). */
  runOnce(): Promise<void>;
  stop(): void;
}

export function createLapsedBreakerWatcher(options: {
  db: Db;
  bus: AuditBus;
  log: Logger;
  now: () => number;
  intervalMs: number;
  storage?: StorageHealth;
  /** Whether this bridge runs the timed passes (leadership.ts); always, when absent. */
  leads?: () => Promise<boolean>;
}): LapsedBreakerWatcher {
  let timer: NodeJS.Timeout | undefined;
  const runOnce = async () => options.bus.publish(await closeLapsedBreakers(options.db, options.now()));
  return {
    start() {
      timer = setInterval(async () => {
        try {
          if (options.leads && !(await options.leads())) return;
          await runOnce();
        } catch (error) {
          options.storage?.failed(error, options.now());
          options.log.error({ err: error }, "lapsed breakers: pass failed; will retry next pass");
        }
      }, options.intervalMs);
      timer.unref();
    },
    runOnce,
    stop() {
      clearInterval(timer);
    },
  };
}
