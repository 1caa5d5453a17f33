/**
 * @module
 * Keeps the demo service running as its own process group, as systemd or Kubernetes would:
 * `crash` kills it (SIGKILL, no goodbye), `restart` starts it again (what the runbook's
 * remediate step asks for), and a stuck crash makes every restart fail until `fix`.
 */
import { fileURLToPath } from "node:url";
import { freePort, LOOPBACK, waitForHttp } from "../test/harness/ports.js";
import { type ManagedProcess, startProcess } from "../test/harness/processes.js";

const SERVICE = fileURLToPath(new URL("./service.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface ServiceStatus {
  /** host:port Prometheus scrapes and the runbook's target. */
  address: string;
  running: boolean;
  pid: number | undefined;
  /** A restart brings the service back (false after a stuck crash, until fix). */
  restartHelps: boolean;
  restarts: number;
  lastExit: string | undefined;
}

export interface Supervisor {
  readonly address: string;
  status(): ServiceStatus;
  /** Kills the service; `stuck` makes restarts fail until fix(). */
  crash(options?: { stuck?: boolean }): Promise<void>;
  /** Starts the service (again); resolves once /healthz answers, rejects with the reason it did not. */
  restart(): Promise<void>;
  /** Clears a stuck failure and restarts. */
  fix(): Promise<void>;
  /** Every pid it ever started, for the demo's "nothing left behind" check. */
  pids(): number[];
  close(): Promise<void>;
}

export async function startSupervisor(options: { logDir: string }): Promise<Supervisor> {
  const port = await freePort();
  const address = `${LOOPBACK}:${port}`;
  let current: ManagedProcess | undefined;
  let stuck = false;
  let restarts = 0;
  let lastExit: string | undefined;
  const started: number[] = [];
  // One operation at a time: a restart racing a crash must not start two services on one port.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(operation: () => Promise<T>): Promise<T> => {
    const next = queue.then(operation, operation);
    queue = next.catch(() => {});
    return next;
  };

  const stop = async () => {
    if (!current) return;
    const leaving = current;
    current = undefined;
    await leaving.close(500);
    lastExit = leaving.exitReason;
  };
  const start = async () => {
    await stop();
    const child = startProcess({
      name: "demo-service",
      command: process.execPath,
      args: ["--import", "tsx", SERVICE, "--port", String(port), ...(stuck ? ["--stuck"] : [])],
      cwd: REPO_ROOT,
      logDir: options.logDir,
    });
    current = child;
    started.push(child.pid);
    await child.waitUntil(() => waitForHttp(`http://${address}/healthz`, { timeoutMs: 500 }), {
      what: `demo-service at http://${address}/healthz`,
      timeoutMs: 15_000,
    });
  };

  await start();
  return {
    address,
    status: () => ({
      address,
      running: current !== undefined && current.exitReason === undefined,
      pid: current?.pid,
      restartHelps: !stuck,
      restarts,
      lastExit: current?.exitReason ?? lastExit,
    }),
    crash: (crashOptions = {}) =>
      serially(async () => {
        stuck = crashOptions.stuck ?? false;
        await stop();
      }),
    restart: () =>
      serially(async () => {
        restarts += 1;
        await start();
      }),
    fix: () =>
      serially(async () => {
        stuck = false;
        await start();
      }),
    pids: () => [...started],
    close: () => serially(stop),
  };
}
