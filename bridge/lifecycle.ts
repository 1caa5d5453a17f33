/**
 * @module
 * Starting the bridge's parts in order and stopping them in reverse, the way Alertmanager's
 * `app/` does: each part registers its stop as it starts, so a start that fails halfway stops
 * exactly what had started (workers stopped, database closed) and the caller reports why.
 *
 * @example
 *   const parts = createLifecycle(log);
 *   const database = await parts.start("database", () => openDatabase(file), (db) => db.close());
 *   …
 *   await parts.stop(); // last started, first stopped
 *
 * Stopping has a budget: a supervisor kills what has not exited after its own timeout
 * (systemd's TimeoutStopSec=30, Kubernetes' 30 s grace), and a kill leaves nothing logged.
 * A part still stopping when the budget is spent (a worker whose GitHub call waits behind
 * GitHub's pacing) is left behind with a warning and the rest still stop; what it held is
 * what a crash leaves, and the next start recovers it (an outbox row left in flight is looked
 * up on GitHub before it is dispatched again).
 */
import type { Logger } from "./logger.js";

/** A part that did not start; `part` names it, `cause` is the failure it reported. */
export class StartError extends Error {
  constructor(
    readonly part: string,
    cause: unknown,
  ) {
    super(`cannot start the ${part}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "StartError";
  }
}

export interface Lifecycle {
  /**
   * Starts one part and registers how to stop it. A failure is a StartError naming the part;
   * nothing is registered for a part that did not start.
   *
   * @param name what the part is, for errors and logs ("outbox worker")
   * @param begin starts the part and returns it
   * @param end stops it; called once, by `stop()`
   */
  start<T>(name: string, begin: () => T | Promise<T>, end: (part: T) => void | Promise<void>): Promise<T>;
  /**
   * Stops every started part, last started first. A part whose stop fails is logged and the
   * rest still stop; the failures are thrown together afterwards (AggregateError). Calling it
   * again returns the same promise.
   */
  stop(): Promise<void>;
}

export interface LifecycleOptions {
  /** How long stopping every part may take; default 20 s, inside a supervisor's 30 s. */
  stopBudgetMs?: number;
  /** What a part still gets once the budget is spent: closing a server or a file is quick. */
  lastPartMs?: number;
}

const DEFAULT_STOP_BUDGET_MS = 20_000;
const DEFAULT_LAST_PART_MS = 1_000;

/** Whether `stopping` settled within `ms` (its failure is the caller's, as if awaited). */
async function settlesWithin(stopping: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([stopping.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function createLifecycle(log: Logger, options: LifecycleOptions = {}): Lifecycle {
  const budgetMs = options.stopBudgetMs ?? DEFAULT_STOP_BUDGET_MS;
  const lastPartMs = options.lastPartMs ?? DEFAULT_LAST_PART_MS;
  const started: { name: string; stop: () => void | Promise<void> }[] = [];
  let stopping: Promise<void> | undefined;

  async function stopAll(): Promise<void> {
    const failures: unknown[] = [];
    const deadline = Date.now() + budgetMs;
    for (const part of started.reverse()) {
      try {
        const waitMs = Math.max(lastPartMs, deadline - Date.now());
        if (!(await settlesWithin(Promise.resolve().then(part.stop), waitMs))) {
          log.warn(
            { part: part.name, waitedMs: waitMs },
            `the ${part.name} did not stop within ${waitMs} ms; leaving what it was doing, as a crash would (the next start recovers it)`,
          );
          continue;
        }
        log.debug({ part: part.name }, `stopped the ${part.name}`);
      } catch (error) {
        log.error({ err: error, part: part.name }, `stopping the ${part.name} failed`);
        failures.push(error);
      }
    }
    started.length = 0;
    if (failures.length > 0)
      throw new AggregateError(failures, "some parts of the bridge did not stop cleanly");
  }

  return {
    async start(name, begin, end) {
      if (stopping) throw new StartError(name, new Error("the bridge is stopping"));
      let part: Awaited<ReturnType<typeof begin>>;
      try {
        part = await begin();
      } catch (error) {
        throw error instanceof StartError ? error : new StartError(name, error);
      }
      started.push({ name, stop: () => end(part) });
      return part;
    },
    stop() {
      stopping ??= stopAll();
      return stopping;
    },
  };
}
