// Ports and readiness polling for the end-to-end harness. Everything binds to 127.0.0.1 only:
// the suites must never listen on a public interface or reach beyond loopback.
import { createServer, Socket } from "node:net";

export const LOOPBACK = "127.0.0.1";

/**
 * A port that was free a moment ago: bind 127.0.0.1:0, read the port, close. Racy in theory
 * (someone may take it before we use it), but Linux hands out ephemeral ports in a spread
 * order, so parallel test files practically never collide.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("freePort: listen returned no port"));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

export interface WaitOptions {
  /** What we are waiting for, used in the timeout error ("alertmanager ready at ..."). */
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
  /** Checked before each attempt; a string aborts the wait at once (e.g. "process exited 1"). */
  failFast?: () => string | undefined;
}

/** Polls `check` until it returns something other than undefined/false, or throws on timeout. */
export async function waitUntil<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { what, timeoutMs = 15_000, intervalMs = 100, failFast }: WaitOptions,
): Promise<T> {
  const started = Date.now();
  let lastError: unknown;
  for (;;) {
    const fatal = failFast?.();
    if (fatal !== undefined) throw new Error(`gave up waiting for ${what}: ${fatal}`);
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error; // kept for the timeout message: "ECONNREFUSED" says more than "timeout"
    }
    const elapsed = Date.now() - started;
    if (elapsed >= timeoutMs) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(`timed out after ${elapsed} ms waiting for ${what}${cause}`);
    }
    await new Promise((r) => setTimeout(r, Math.min(intervalMs, timeoutMs - elapsed)));
  }
}

/** Resolves once a TCP connect to host:port succeeds. */
export function waitForTcp(port: number, options: Partial<WaitOptions> = {}, host = LOOPBACK): Promise<true> {
  return waitUntil(() => tcpConnects(host, port), { what: `tcp ${host}:${port}`, ...options });
}

function tcpConnects(host: string, port: number): Promise<true> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.setTimeout(1_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      reject(new Error("connect timeout"));
    });
    socket.once("error", (error) => {
      socket.destroy();
      reject(error);
    });
    socket.connect(port, host);
  });
}

/**
 * Resolves with the first response whose status is 2xx (or satisfies `ok`). Each attempt has its
 * own short timeout so a half-started server cannot hang the whole wait.
 */
export function waitForHttp(
  url: string,
  options: Partial<WaitOptions> & { ok?: (status: number) => boolean } = {},
): Promise<Response> {
  const ok = options.ok ?? ((status: number) => status >= 200 && status < 300);
  return waitUntil(
    async () => {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (ok(response.status)) return response;
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status}`);
    },
    { what: `HTTP ${url}`, ...options },
  );
}
