/**
 * @module
 * Starts the real bridge (`startBridge`) with its runbooks written to a temporary
 * directory, for the operating-surface tests: /metrics, the console, /api/events and
 * /api/silences.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningBridge, startBridge } from "../../bridge/main.js";

export interface OperatedBridgeOptions {
  /** Runbook files by name, written into a temp directory (RUNBRIDGE_RUNBOOKS). */
  runbooks: Record<string, string>;
  /** Extra environment (GITHUB_*, RUNBRIDGE_API_TOKEN, ALERTMANAGER_URL, …); PORT and RUNBRIDGE_DB
   * outside the temp dir let a test restart the bridge on the same port and database. */
  env?: Record<string, string>;
  heartbeatMs?: number;
  clock?: () => number;
}

export interface OperatedBridge extends RunningBridge {
  /** Temporary directory holding the runbooks (and the database unless RUNBRIDGE_DB says otherwise). */
  dir: string;
}

export async function startOperatedBridge(options: OperatedBridgeOptions): Promise<OperatedBridge> {
  const dir = await mkdtemp(join(tmpdir(), "runbridge-operated-"));
  const runbooksDir = join(dir, "runbooks");
  await mkdir(runbooksDir);
  for (const [name, text] of Object.entries(options.runbooks)) await writeFile(join(runbooksDir, name), text);
  const running = await startBridge({
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      RUNBRIDGE_DB: join(dir, "runbridge.db"),
      RUNBRIDGE_RUNBOOKS: runbooksDir,
      LOG_LEVEL: "silent",
      ...options.env,
    },
    clock: options.clock,
    heartbeatMs: options.heartbeatMs,
  });
  let closing: Promise<void> | undefined;
  return {
    ...running,
    dir,
    close() {
      closing ??= (async () => {
        await running.close();
        await rm(dir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

/** A minimal Alertmanager webhook (version 4) for one alert. */
export function webhookFor(
  labels: Record<string, string>,
  options: { status?: "firing" | "resolved"; startsAt?: string; endsAt?: string } = {},
): string {
  const status = options.status ?? "firing";
  return JSON.stringify({
    version: "4",
    groupKey: `{}:{alertname="${labels.alertname}"}`,
    truncatedAlerts: 0,
    status,
    receiver: "runbridge",
    groupLabels: { alertname: labels.alertname },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: "http://alertmanager.invalid",
    alerts: [
      {
        status,
        labels,
        annotations: { summary: `${labels.alertname} on ${labels.instance ?? "?"}` },
        startsAt: options.startsAt ?? new Date().toISOString(),
        endsAt: options.endsAt ?? "0001-01-01T00:00:00Z",
        generatorURL: "http://prometheus.invalid/graph",
      },
    ],
  });
}

/** POSTs an Alertmanager webhook to the bridge and returns its JSON answer. */
export async function fireAlert(
  bridgeUrl: string,
  labels: Record<string, string>,
  options: Parameters<typeof webhookFor>[1] & { token?: string } = {},
): Promise<{ status: number; body: { executions?: { id: string; state: string; reason: string }[] } }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${bridgeUrl}/webhook/alertmanager`, {
    method: "POST",
    headers,
    body: webhookFor(labels, options),
  });
  return { status: response.status, body: (await response.json()) as never };
}

/** A runbook that remediates `instance` targets of one alertname. */
export function runbookYaml(
  name: string,
  alertname: string,
  extra: { mode?: string; environment?: string; cooldown?: string; breaker?: string } = {},
): string {
  return [
    `name: ${name}`,
    `description: Remediate ${alertname} in tests`,
    `owner: "@acme/sre"`,
    "match:",
    `  alertname: ${alertname}`,
    `mode: ${extra.mode ?? "auto"}`,
    ...(extra.environment ? [`environment: ${extra.environment}`] : []),
    "target:",
    "  label: instance",
    "guards:",
    `  cooldown: ${extra.cooldown ?? "10m"}`,
    ...(extra.breaker ? [`  breaker: ${extra.breaker}`] : []),
    "steps:",
    "  remediate:",
    "    - name: restart",
    '      run: echo "restart $TARGET"',
    "",
  ].join("\n");
}

/** GETs (or sends `init`) and parses the JSON answer as `T`. */
export async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  return (await response.json()) as T;
}
