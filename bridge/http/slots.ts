/**
 * @module
 * A counting semaphore with a bounded wait: at most `max` holders at once; the next callers
 * wait in arrival order, each at most `waitMs`, and get `undefined` when their time is up
 * (the caller answers 503 with Retry-After). Used to bound how many unauthenticated request
 * bodies are held in memory at once: each is buffered whole before its signature can be
 * checked, so without a bound N connections cost N × the body limit.
 *
 * @example
 *   const slots = createSlots(4);
 *   const release = await slots.acquire(5_000);
 *   if (!release) return c.json({ error: "busy" }, 503);
 *   try { … } finally { release(); }
 */

export interface Slots {
  /** Resolves with a release function once a slot is free, or undefined after `waitMs`. */
  acquire(waitMs: number): Promise<(() => void) | undefined>;
  /** Slots held now. */
  held(): number;
  /** Callers waiting for a slot now. */
  waiting(): number;
}

export function createSlots(max: number): Slots {
  if (!Number.isInteger(max) || max < 1) throw new Error(`slots: max must be a whole number ≥ 1, got ${max}`);
  let held = 0;
  const queue: Array<(release: () => void) => void> = [];

  function releaser(): () => void {
    let released = false;
    return function release() {
      // A second call must not free a slot someone else now holds.
      if (released) return;
      released = true;
      const next = queue.shift();
      if (next) next(releaser());
      else held -= 1;
    };
  }

  return {
    acquire(waitMs) {
      if (held < max) {
        held += 1;
        return Promise.resolve(releaser());
      }
      return new Promise((resolve) => {
        const grant = (release: () => void) => {
          clearTimeout(timer);
          resolve(release);
        };
        const timer = setTimeout(() => {
          const index = queue.indexOf(grant);
          if (index !== -1) queue.splice(index, 1);
          resolve(undefined);
        }, waitMs);
        queue.push(grant);
      });
    },
    held: () => held,
    waiting: () => queue.length,
  };
}
