/**
 * @module
 * The `wait` step: give a change time to take effect before verifying it.
 */

/**
 * Resolves after `ms`, or rejects when `signal` aborts first (the step's timeout).
 * @throws the abort reason
 */
export function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
