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

export function createLifecycle(log: Logger): Lifecycle {
  const started: { name: string; stop: () => void | Promise<void> }[] = [];
  let stopping: Promise<void> | undefined;

  async function stopAll(): Promise<void> {
    const failures: unknown[] = [];
    for (const part of started.reverse()) {
      try {
        await part.stop();
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
