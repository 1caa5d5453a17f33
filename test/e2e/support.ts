// Shared pieces of the end-to-end suites: the bridge in-process or as a child process (with a
// real SQLite file), Alertmanager webhook bodies, and small clients for the bridge's read API.
import { rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type RunningBridge, startBridge } from "../../bridge/main.js";
import { freePort, LOOPBACK, waitForHttp, waitUntil } from "../harness/ports.js";
import { type ManagedProcess, startProcess } from "../harness/processes.js";

export const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const FIXTURE_RUNBOOKS = join(REPO_ROOT, "test/fixtures/e2e/runbooks");
export const EXAMPLE_RUNBOOKS = join(REPO_ROOT, "runbooks");
export const AM_TOKEN = "e2e-alertmanager-token";
export const REPOSITORY = "acme/infra";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The environment every e2e bridge gets: real GitHub mode against the emulator. */
export function bridgeEnv(options: {
  port: number;
  dbFile: string;
  runbooks: string;
  githubUrl: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    PORT: String(options.port),
    HOST: LOOPBACK,
    RUNBRIDGE_DB: options.dbFile,
    RUNBRIDGE_RUNBOOKS: options.runbooks,
    RUNBRIDGE_ALERTMANAGER_TOKEN: AM_TOKEN,
    GITHUB_TOKEN: "x",
    GITHUB_REPOSITORY: REPOSITORY,
    GITHUB_API_URL: options.githubUrl,
    RUNBRIDGE_DRY_RUN: "false",
    LOG_LEVEL: "info",
    ...options.extra,
  };
}

export interface InProcessBridge {
  bridge: RunningBridge;
  url: string;
  /** Every log line the bridge wrote (pino JSON), for failure messages. */
  logs: string[];
  close(): Promise<void>;
}

/** startBridge in this worker; logs go to memory instead of the test output. */
export async function startInProcessBridge(env: Record<string, string>): Promise<InProcessBridge> {
  const logs: string[] = [];
  const bridge = await startBridge({
    env,
    logDestination: {
      write(line: string) {
        logs.push(line);
      },
    },
  });
  return { bridge, url: bridge.url, logs, close: () => bridge.close() };
}

export interface BridgeProcess {
  url: string;
  process: ManagedProcess;
  /** SIGKILL to the whole process group, then waits until the leader is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after the grace period. */
  close(): Promise<void>;
}

/**
 * Runs `node --import tsx bridge/main.ts` as its own process group with the given environment;
 * resolves once /readyz answers 200.
 */
export async function startBridgeProcess(options: {
  name: string;
  logDir: string;
  env: Record<string, string>;
}): Promise<BridgeProcess> {
  const port = Number(options.env.PORT);
  const child = startProcess({
    name: options.name,
    command: process.execPath,
    args: ["--import", "tsx", join(REPO_ROOT, "bridge/main.ts")],
    cwd: REPO_ROOT,
    logDir: options.logDir,
    // No inherited GITHUB_* or RUNBRIDGE_* from the developer's shell: only what the test says.
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env },
  });
  const url = `http://${LOOPBACK}:${port}`;
  try {
    await child.waitUntil(() => waitForHttp(`${url}/readyz`, { timeoutMs: 500 }), {
      what: `${options.name} ready at ${url}/readyz`,
      timeoutMs: 20_000,
    });
  } catch (error) {
    await child.close(1_000);
    throw error;
  }
  return {
    url,
    process: child,
    async kill9() {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
      await waitUntil(() => child.exitReason !== undefined, {
        what: `${options.name} to die after SIGKILL`,
        timeoutMs: 5_000,
        intervalMs: 10,
      });
      await child.close(); // unregisters the group and stops the watchdog
    },
    close: () => child.close(5_000),
  };
}

export async function removeDbFiles(dbFile: string): Promise<void> {
  for (const suffix of ["", "-wal", "-shm"]) await rm(`${dbFile}${suffix}`, { force: true });
}

export { freePort };

// ---- Alertmanager webhook bodies (version 4, as Alertmanager sends them) ----

export interface WebhookAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  fingerprint: string;
  status?: "firing" | "resolved";
}

export function webhookBody(alerts: WebhookAlert[], groupKey = '{}:{alertname="E2e"}'): string {
  const status = alerts.some((a) => (a.status ?? "firing") === "firing") ? "firing" : "resolved";
  return JSON.stringify({
    version: "4",
    groupKey,
    truncatedAlerts: 0,
    status,
    receiver: "runbridge",
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: "http://127.0.0.1:9093",
    alerts: alerts.map((alert) => ({
      status: alert.status ?? "firing",
      labels: alert.labels,
      annotations: alert.annotations ?? {},
      startsAt: alert.startsAt,
      endsAt: alert.endsAt ?? "0001-01-01T00:00:00Z",
      generatorURL: "http://127.0.0.1:9090/graph",
      fingerprint: alert.fingerprint,
    })),
  });
}

export interface DecidedExecution {
  id: string | null;
  runbook: string | null;
  state: string;
  reason: string;
}

/** POSTs a webhook as Alertmanager would (bearer token); throws on a non-2xx answer. */
export async function postWebhook(
  url: string,
  body: string,
  timeoutMs = 5_000,
): Promise<{ executions: DecidedExecution[] }> {
  const response = await fetch(`${url}/webhook/alertmanager`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${AM_TOKEN}` },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`POST /webhook/alertmanager: HTTP ${response.status}: ${text}`);
  return JSON.parse(text) as { executions: DecidedExecution[] };
}

// ---- The bridge's read API ----

export interface ExecutionRow {
  id: string;
  fingerprint: string;
  startsAt: string;
  alertname: string;
  runbook: string | null;
  target: string | null;
  state: string;
  guard: string | null;
  reason: string;
  runId: number | null;
  runUrl: string | null;
  dispatchAttempts: number;
}

export interface AuditEventRow {
  id: number;
  at: number;
  kind: string;
  executionId: string | null;
  message: string;
  data: Record<string, unknown> | null;
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** Every execution (all pages), newest first. */
export async function listExecutions(
  url: string,
  query: Record<string, string> = {},
): Promise<ExecutionRow[]> {
  const rows: ExecutionRow[] = [];
  let before: string | undefined;
  for (;;) {
    const params = new URLSearchParams({ ...query, limit: "500", ...(before ? { before } : {}) });
    const page = await getJson<{ executions: ExecutionRow[]; next: string | null }>(
      `${url}/api/executions?${params}`,
    );
    rows.push(...page.executions);
    if (!page.next) return rows;
    before = page.next;
  }
}

export async function executionDetail(
  url: string,
  id: string,
): Promise<{ execution: ExecutionRow; events: AuditEventRow[]; dispatchAttempts: AuditEventRow[] }> {
  return getJson(`${url}/api/executions/${encodeURIComponent(id)}`);
}

export async function auditEvents(url: string, query: Record<string, string>): Promise<AuditEventRow[]> {
  const params = new URLSearchParams({ n: "1000", ...query });
  return (await getJson<{ events: AuditEventRow[] }>(`${url}/api/audit?${params}`)).events;
}

export interface BridgeStatus {
  outboxDepth: number;
  executionsByState: Record<string, number>;
  openBreakers: unknown[];
}

export const bridgeStatus = (url: string) => getJson<BridgeStatus>(`${url}/api/status`);

/** Groups `items` by `key`, to find anything seen more than once. */
export function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

export function repeated<T>(items: T[], key: (item: T) => string): string[] {
  return [...countBy(items, key)].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
}

// ---- A transparent proxy between Alertmanager and the bridge that counts deliveries ----

export interface Delivery {
  at: number;
  /** Which Alertmanager member sent it (its --web.external-url). */
  externalURL: string;
  alerts: { fingerprint: string; status: string; startsAt: string; instance: string }[];
  /** The bridge's answer. */
  status: number;
}

export interface DeliveryRecorder {
  /** Point Alertmanager here: forwards to `${target}/webhook/alertmanager`. */
  url: string;
  deliveries: Delivery[];
  close(): Promise<void>;
}

/** Forwards every request unchanged (headers included) and records who sent which alerts. */
export async function startDeliveryRecorder(target: string): Promise<DeliveryRecorder> {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      try {
        const headers: Record<string, string> = {};
        for (const name of ["authorization", "content-type", "user-agent"]) {
          const value = req.headers[name];
          if (typeof value === "string") headers[name] = value;
        }
        const answer = await fetch(`${target}/webhook/alertmanager`, {
          method: "POST",
          headers,
          body,
          signal: AbortSignal.timeout(10_000),
        });
        const text = await answer.text();
        try {
          const parsed = JSON.parse(body.toString("utf8")) as {
            externalURL: string;
            alerts: {
              fingerprint: string;
              status: string;
              startsAt: string;
              labels: Record<string, string>;
            }[];
          };
          deliveries.push({
            at: Date.now(),
            externalURL: parsed.externalURL,
            alerts: parsed.alerts.map((a) => ({
              fingerprint: a.fingerprint,
              status: a.status,
              startsAt: a.startsAt,
              instance: a.labels.instance ?? "",
            })),
            status: answer.status,
          });
        } catch {
          // not JSON: the bridge has answered 400, which is what Alertmanager sees
        }
        res.writeHead(answer.status, { "content-type": "application/json" }).end(text);
      } catch (error) {
        res.writeHead(502).end(String(error));
      }
    });
  });
  await new Promise<void>((resolveListen) => server.listen(0, LOOPBACK, resolveListen));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${LOOPBACK}:${port}/webhook/alertmanager`,
    deliveries,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
