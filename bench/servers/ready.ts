/**
 * @module
 * How a benchmark server tells the runner it is listening: one JSON line on stdout.
 */
export function announceReady(url: string): void {
  process.stdout.write(`${JSON.stringify({ ready: true, url, pid: process.pid })}\n`);
}

/** Stops on SIGTERM/SIGINT after `close`, bounded so a stuck close cannot hang the run. */
export function stopOnSignal(close: () => Promise<void> | void): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      setTimeout(() => process.exit(1), 5_000).unref();
      Promise.resolve(close()).then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
