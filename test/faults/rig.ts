/**
 * @module
 * The fault-injection suites' rig: the real bridge as a child process (`node --import tsx
 * bridge/main.ts`, so a fault that blocks or kills it cannot stall the test's own client),
 * on a real SQLite file, dispatching to the GitHub API emulator, with an Alertmanager token
 * and a GitHub webhook secret. Plus a storm of distinct alerts sent the way Alertmanager
 * sends them (a 503 or a dropped connection is retried until answered 2xx), and the checks
 * every scenario ends with: each 2xx-answered occurrence has exactly one execution and, once
 * drained, exactly one run; the store's invariants hold; /healthz answers.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { expect } from "vitest";
import type { SqliteDb } from "../../bridge/store/database.js";
import { checkInvariants, type InvariantViolation } from "../../bridge/store/invariants.js";
import * as schema from "../../bridge/store/schema.js";
import {
  AM_TOKEN,
  type BridgeProcess,
  bridgeEnv,
  bridgeStatus,
  FIXTURE_RUNBOOKS,
  freePort,
  repeated,
  sleep,
  startBridgeProcess,
  webhookBody,
} from "../e2e/support.js";
import { createGitHubEmulator, type GitHubEmulator } from "../github-emulator/index.js";
import { makeTempDir, removeTempDir } from "../harness/processes.js";

export const WEBHOOK_SECRET = "faults-webhook-secret";
export const STORM_RUNBOOK = "e2e-storm";

export interface FaultRig {
  gh: GitHubEmulator;
  /** Temp directory: logs, and the database unless `dbFile` was given. */
  dir: string;
  dbFile: string;
  bridge: BridgeProcess;
  url: string;
  /** Every line the bridge has logged so far (pino JSON). */
  logLines(): string[];
  /** The store's invariants, read through a connection of the test's own. */
  invariants(): Promise<InvariantViolation[]>;
  /** Runs `query` on the test's own connection. */
  rows<T>(query: string, ...params: unknown[]): T[];
  close(): Promise<void>;
}

export async function startFaultRig(
  options: { dbFile?: string; extra?: Record<string, string> } = {},
): Promise<FaultRig> {
  const gh = await createGitHubEmulator();
  const dir = await makeTempDir("faults");
  const dbFile = options.dbFile ?? join(dir, "runbridge.db");
  const env = bridgeEnv({
    port: await freePort(),
    dbFile,
    runbooks: FIXTURE_RUNBOOKS,
    githubUrl: gh.url,
    extra: {
      GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
      RUNBRIDGE_STORM_MAX: "100000",
      RUNBRIDGE_DISPATCH_LOOKUP_GRACE: "2s",
      ...options.extra,
    },
  });
  let bridge: BridgeProcess;
  try {
    bridge = await startBridgeProcess({ name: "bridge", logDir: dir, env });
  } catch (error) {
    await gh.close();
    await removeTempDir(dir);
    throw error;
  }
  let reader: Database.Database | undefined;
  const connection = (): SqliteDb => {
    reader ??= new Database(dbFile, { readonly: true });
    return drizzle(reader, { schema }) as SqliteDb;
  };
  return {
    gh,
    dir,
    dbFile,
    bridge,
    url: bridge.url,
    logLines: () => readFileSync(bridge.process.logFile, "utf8").split("\n").filter(Boolean),
    invariants: () => checkInvariants(connection()),
    rows: <T>(query: string, ...params: unknown[]) =>
      connection()
        .$client.prepare(query)
        .all(...params) as T[],
    async close() {
      reader?.close();
      await bridge.close();
      await gh.close();
      // FAULTS_KEEP_DIR=1 keeps the bridge's log (and database) to read after a failure.
      if (process.env.FAULTS_KEEP_DIR) console.log(`[faults] kept ${dir}`);
      else await removeTempDir(dir);
    },
  };
}

export interface StormAlert {
  fingerprint: string;
  startsAt: string;
  target: string;
  body: string;
  /** Answers in the order they came: HTTP status, or the connection error's code. */
  answers: (number | string)[];
  /** The execution id of the first 2xx answer. */
  executionId?: string;
  /** Whether a runbook matches it (else it is recorded as suppressed). */
  dispatches: boolean;
}

/**
 * `count` distinct occurrences, one per webhook. Every `dispatchEvery`-th is an E2eStorm alert
 * (the e2e-storm runbook dispatches it); the others are E2eNoise, which no runbook matches:
 * recorded as a suppressed execution, never dispatched. Octokit spaces writes a second apart, so
 * a storm of dispatches takes as many seconds to drain; the noise keeps the storm large and the
 * test short.
 */
export function stormAlerts(
  count: number,
  options: { dispatchEvery?: number; tag?: string } = {},
): StormAlert[] {
  const tag = options.tag ?? randomBytes(3).toString("hex");
  const every = options.dispatchEvery ?? 1;
  const startsAt = new Date().toISOString();
  return Array.from({ length: count }, (_, index) => {
    const fingerprint = randomBytes(8).toString("hex");
    const target = `storm-${tag}-${index}`;
    const alertname = index % every === 0 ? "E2eStorm" : "E2eNoise";
    const body = webhookBody(
      [
        {
          labels: { alertname, severity: "critical", instance: `${target}:9100` },
          annotations: { summary: `storm alert ${index}` },
          startsAt,
          fingerprint,
        },
      ],
      `{}:{alertname="${alertname}", instance="${target}:9100"}`,
    );
    return { fingerprint, startsAt, target, body, answers: [], dispatches: alertname === "E2eStorm" };
  });
}

export interface Answer {
  status: number;
  retryAfter: string | null;
  body: string;
}

/** One Alertmanager-style POST; a connection error or a timeout is returned as its code. */
export async function postAlertmanager(
  url: string,
  body: string,
  timeoutMs = 15_000,
): Promise<Answer | string> {
  try {
    const response = await fetch(`${url}/webhook/alertmanager`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${AM_TOKEN}` },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return {
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
      body: await response.text(),
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? (error as Error).name;
  }
}

/**
 * Sends every alert with `senders` concurrent senders; each alert is retried (after
 * `retryDelayMs`) until answered 2xx, as Alertmanager retries a failed notification, for at
 * most `deadlineMs` overall. `onAnswer` sees every answer (to fill a disk mid-storm, …).
 */
export async function sendStorm(
  url: string,
  alerts: StormAlert[],
  options: {
    senders: number;
    /** A sender's pause after each answered alert (paces the storm). */
    pauseMs?: number;
    retryDelayMs?: number;
    deadlineMs?: number;
    onAnswer?: (alert: StormAlert, answer: Answer | string, sentAt: number) => void | Promise<void>;
  },
): Promise<void> {
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  let next = 0;
  const sender = async () => {
    for (;;) {
      const alert = alerts[next++];
      if (!alert) return;
      while (Date.now() < deadline) {
        const sentAt = Date.now();
        const answer = await postAlertmanager(url, alert.body);
        alert.answers.push(typeof answer === "string" ? answer : answer.status);
        await options.onAnswer?.(alert, answer, sentAt);
        if (typeof answer !== "string" && answer.status === 200) {
          const decided = JSON.parse(answer.body) as { executions: { id: string }[] };
          alert.executionId = decided.executions[0]?.id;
          break;
        }
        await sleep(options.retryDelayMs ?? 200);
      }
      if (options.pauseMs) await sleep(options.pauseMs);
    }
  };
  await Promise.all(Array.from({ length: options.senders }, sender));
}

/** Waits until the outbox is empty (every execution dispatched or given up); says what is left if not. */
export async function waitForDrain(rig: FaultRig, timeoutMs = 60_000): Promise<void> {
  try {
    await rig.bridge.process.waitUntil(async () => (await bridgeStatus(rig.url)).outboxDepth === 0, {
      what: "the outbox to drain",
      timeoutMs,
      intervalMs: 250,
    });
  } catch (error) {
    const left = rig.rows(
      "SELECT execution_id, state, attempts, last_error FROM outbox WHERE state IN ('pending', 'in_flight') LIMIT 5",
    );
    const violations = rig.gh.violations.slice(0, 3);
    const requests = rig.gh.requests
      .slice(-12)
      .map(
        (r) =>
          `${r.time.toISOString()} ${r.operationId ?? r.path} ${JSON.stringify((r.body as { inputs?: { execution_id?: string } })?.inputs?.execution_id ?? "")} → ${r.status ?? "(no answer)"}`,
      );
    const audit = rig.rows(
      "SELECT execution_id, kind, message FROM audit_events WHERE execution_id IN (SELECT execution_id FROM outbox WHERE state IN ('pending', 'in_flight') LIMIT 2) ORDER BY id",
    );
    throw new Error(
      `${(error as Error).message}\n--- outbox rows left ---\n${JSON.stringify(left)}\n--- emulator violations ---\n${JSON.stringify(violations)}\n--- last GitHub requests ---\n${requests.join("\n")}\n--- audit of the first rows left ---\n${JSON.stringify(audit)}`,
    );
  }
}

/**
 * Every alert answered 2xx has exactly one execution (its occurrence), the one the answer
 * named; no execution exists for an alert never answered 2xx. Each matched one was dispatched
 * with exactly one run at the emulator, each unmatched one is suppressed and never ran. The
 * invariants hold and /healthz answers.
 */
export async function expectAccountedFor(rig: FaultRig, alerts: StormAlert[]): Promise<void> {
  const accepted = alerts.filter((alert) => alert.executionId !== undefined);
  expect(accepted.length, "alerts never answered 2xx").toBe(alerts.length);
  const executions = rig.rows<{
    id: string;
    fingerprint: string;
    starts_at: string;
    state: string;
    runbook: string | null;
  }>("SELECT id, fingerprint, starts_at, state, runbook FROM executions");
  expect(
    repeated(executions, (e) => `${e.fingerprint}@${e.starts_at}`),
    "occurrences with two executions",
  ).toEqual([]);
  const byOccurrence = new Map(executions.map((e) => [`${e.fingerprint}@${e.starts_at}`, e]));
  for (const alert of accepted) {
    const execution = byOccurrence.get(`${alert.fingerprint}@${alert.startsAt}`);
    expect(execution?.id, `execution of accepted alert ${alert.target}`).toBe(alert.executionId);
    expect(execution?.runbook ?? null).toBe(alert.dispatches ? STORM_RUNBOOK : null);
  }
  const ours = new Set(accepted.map((alert) => alert.executionId));
  expect(
    executions.filter((e) => !ours.has(e.id)),
    "executions of alerts never answered 2xx",
  ).toEqual([]);
  const runs = rig.gh.runs();
  expect(
    repeated(runs, (run) => String(run.inputs.execution_id)),
    "executions with two runs",
  ).toEqual([]);
  const runIds = new Set(runs.map((run) => String(run.inputs.execution_id)));
  for (const execution of executions) {
    const dispatched = execution.runbook === STORM_RUNBOOK;
    expect(execution.state, `execution ${execution.id}`).toBe(dispatched ? "dispatched" : "suppressed");
    expect(runIds.has(execution.id), `run of ${execution.id}`).toBe(dispatched);
  }
  expect(runs.length).toBe(accepted.filter((alert) => alert.dispatches).length);
  await expectHealthy(rig);
}

export async function expectHealthy(rig: FaultRig): Promise<void> {
  expect(await rig.invariants()).toEqual([]);
  expect((await fetch(`${rig.url}/healthz`)).status).toBe(200);
  expect(rig.bridge.process.exitReason).toBeUndefined();
}

/** The bridge's metric `name{labels}` value (0 when absent). */
export async function metricValue(rig: FaultRig, series: string): Promise<number> {
  const text = await (await fetch(`${rig.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
