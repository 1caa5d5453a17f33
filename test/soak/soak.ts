/**
 * @module
 * The soak: mixed traffic at a steady rate against the real bridge (a child process on a real
 * SQLite file, dispatching to the GitHub API emulator), restarted with SIGTERM every few minutes
 * on the same database and port, as a supervisor would. Measures the bridge's RSS
 * (/proc/<pid>/status VmRSS) and open file descriptors (/proc/<pid>/fd) every few seconds, and
 * at the end: the outbox drained, every alert answered 2xx accounted for (each occurrence has
 * exactly one execution, the one its answers named; each dispatched one exactly one run), the
 * store's invariants. Used by `npm run soak` (test/soak/main.ts) and, shortened, by the test
 * command (test/soak/soak.test.ts). Touches no vitest API, so both can run it.
 *
 * Traffic, per second at the default 200 requests/s: about 110 distinct alerts no runbook
 * matches (recorded as suppressed), one alert the e2e-storm runbook dispatches every 2.5 s
 * (Octokit spaces writes 1 s apart, so dispatches are kept below GitHub's pace), 50 repeats of
 * alerts already sent, 20 resolutions, and workflow_run deliveries for dispatched runs.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import type { Db } from "../../bridge/store/database.js";
import { checkInvariants } from "../../bridge/store/invariants.js";
import * as schema from "../../bridge/store/schema.js";
import {
  AM_TOKEN,
  type BridgeProcess,
  bridgeEnv,
  bridgeStatus,
  FIXTURE_RUNBOOKS,
  freePort,
  startBridgeProcess,
  webhookBody,
} from "../e2e/support.js";
import { createGitHubEmulator } from "../github-emulator/index.js";
import { makeTempDir, removeTempDir } from "../harness/processes.js";
import { deliver, workflowRunPayload } from "../loop/github-webhooks.js";

const SECRET = "soak-webhook-secret";
/** SIGKILL after this long, as the systemd unit in docs/setup.md does (TimeoutStopSec=30). */
const STOP_GRACE_MS = 30_000;

export interface SoakOptions {
  durationMs: number;
  restartEveryMs: number;
  /** Requests per second (all kinds together). */
  rate?: number;
  /** How often RSS and descriptors are sampled. */
  sampleEveryMs?: number;
  say?: (line: string) => void;
}

export interface Sample {
  at: number;
  rssKb: number;
  fds: number;
}

export interface Lifetime {
  pid: number;
  startedAt: number;
  samples: Sample[];
  /** How the process ended: "exit code 0" after SIGTERM is a clean stop. */
  exit?: string;
  /** From SIGTERM to exit. */
  stopMs?: number;
}

export interface SoakReport {
  durationMs: number;
  requests: {
    sent: number;
    byKind: Record<string, number>;
    byAnswer: Record<string, number>;
    skipped: number;
  };
  lifetimes: {
    pid: number;
    rssKb: { first: number; last: number; max: number };
    fds: { first: number; last: number; max: number };
    exit?: string;
    stopMs?: number;
  }[];
  /** Median RSS of the samples in the first and in the last minute. */
  rssFirstMinuteKb: number;
  rssLastMinuteKb: number;
  executions: number;
  runs: number;
  drainMs: number;
  /** What broke; empty when the soak passed. */
  problems: string[];
}

interface SentAlert {
  fingerprint: string;
  startsAt: string;
  alertname: string;
  instance: string;
  /** Execution ids named by the 2xx answers to this occurrence (firing, repeated or resolved). */
  answeredIds: Set<string>;
  /** A firing delivery of it was answered 2xx. */
  accepted: boolean;
}

function readProc(pid: number): Sample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return { at: Date.now(), rssKb: rss, fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined; // the process is gone (restarting)
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const say = options.say ?? (() => undefined);
  const rate = options.rate ?? 200;
  const gh = await createGitHubEmulator();
  const dir = await makeTempDir("soak");
  const env = bridgeEnv({
    port: await freePort(),
    dbFile: join(dir, "runbridge.db"),
    runbooks: FIXTURE_RUNBOOKS,
    githubUrl: gh.url,
    extra: {
      GITHUB_WEBHOOK_SECRET: SECRET,
      RUNBRIDGE_STORM_MAX: "100000",
      RUNBRIDGE_DISPATCH_LOOKUP_GRACE: "3s",
      LOG_LEVEL: "warn",
    },
  });
  const problems: string[] = [];
  const lifetimes: Lifetime[] = [];
  let bridge: BridgeProcess | undefined;
  let starts = 0;
  const start = async () => {
    starts += 1;
    bridge = await startBridgeProcess({ name: `bridge-${starts}`, logDir: dir, env });
    lifetimes.push({ pid: bridge.process.pid, startedAt: Date.now(), samples: [] });
    say(`bridge ${starts} started (pid ${bridge.process.pid})`);
  };
  const url = `http://127.0.0.1:${env.PORT}`;

  const sent: SentAlert[] = [];
  const byKind: Record<string, number> = {};
  const byAnswer: Record<string, number> = {};
  let inFlight = 0;
  let skipped = 0;
  let total = 0;
  const count = (record: Record<string, number>, key: string) => {
    record[key] = (record[key] ?? 0) + 1;
  };
  const tag = randomBytes(3).toString("hex");

  const postAlert = async (alert: SentAlert, status: "firing" | "resolved") => {
    const body = webhookBody(
      [
        {
          labels: { alertname: alert.alertname, severity: "warning", instance: alert.instance },
          startsAt: alert.startsAt,
          fingerprint: alert.fingerprint,
          status,
          ...(status === "resolved" ? { endsAt: new Date().toISOString() } : {}),
        },
      ],
      `{}:{alertname="${alert.alertname}", instance="${alert.instance}"}`,
    );
    try {
      const response = await fetch(`${url}/webhook/alertmanager`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${AM_TOKEN}` },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      count(byAnswer, String(response.status));
      if (response.status >= 200 && response.status < 300) {
        if (status === "firing") alert.accepted = true;
        for (const execution of (JSON.parse(text) as { executions: { id: string | null }[] }).executions) {
          if (execution.id) alert.answeredIds.add(execution.id);
        }
      }
    } catch (error) {
      count(byAnswer, (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name);
    }
  };

  const newAlert = (alertname: string): SentAlert => {
    const index = sent.length;
    const alert: SentAlert = {
      fingerprint: randomBytes(8).toString("hex"),
      startsAt: new Date().toISOString(),
      alertname,
      instance: `soak-${tag}-${index}:9100`,
      answeredIds: new Set(),
      accepted: false,
    };
    sent.push(alert);
    return alert;
  };
  const earlier = () => sent[Math.floor(Math.random() * sent.length)];
  /** Resolutions only of occurrences already recorded as firing, as Alertmanager sends them. */
  const earlierAccepted = () => {
    const alert = earlier();
    return alert?.accepted ? alert : undefined;
  };

  // GitHub's deliveries for dispatched runs: in_progress, then completed, once each run is seen.
  const announced = new Map<number, "in_progress" | "completed">();
  /** Not received (a restart): delivered again later, as GitHub redelivers. */
  const undo = (runId: number, step: "in_progress" | "completed") => {
    if (step === "in_progress") announced.delete(runId);
    else announced.set(runId, "in_progress");
  };
  const githubDelivery = async () => {
    const run = gh.runs().find((candidate) => announced.get(candidate.id) !== "completed");
    if (!run) return false;
    const next = announced.has(run.id) ? "completed" : "in_progress";
    announced.set(run.id, next);
    gh.setRunStatus(run.id, next, next === "completed" ? "success" : null);
    try {
      const answer = await deliver(
        url,
        "workflow_run",
        workflowRunPayload({
          runId: run.id,
          status: next,
          conclusion: next === "completed" ? "success" : null,
          displayTitle: run.displayTitle,
        }),
        SECRET,
      );
      count(byAnswer, String(answer.status));
      if (answer.status >= 300) undo(run.id, next);
    } catch (error) {
      count(byAnswer, (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name);
      undo(run.id, next);
    }
    return true;
  };

  /** One request of the mix, chosen by a roll. */
  const oneRequest = async (roll: number) => {
    total += 1;
    const toResolve = earlierAccepted();
    if (roll < 0.002) {
      count(byKind, "dispatching alert");
      await postAlert(newAlert("E2eStorm"), "firing");
    } else if (roll < 0.25 && sent.length > 0) {
      count(byKind, "repeat");
      const alert = earlier() as SentAlert;
      await postAlert(alert, "firing");
    } else if (roll < 0.35 && toResolve) {
      count(byKind, "resolved");
      await postAlert(toResolve, "resolved");
    } else if (roll < 0.45 && (await githubDelivery())) {
      count(byKind, "github workflow_run");
    } else {
      count(byKind, "distinct alert");
      await postAlert(newAlert("E2eNoise"), "firing");
    }
  };

  await start();
  const began = Date.now();
  const maxInFlight = 64;
  const tickMs = 50;
  const perTick = (rate * tickMs) / 1_000;
  let owed = 0;
  let nextRestart = began + options.restartEveryMs;
  let nextSample = began;
  let lastProgress = began;
  let restarting = false;
  while (Date.now() - began < options.durationMs) {
    const now = Date.now();
    owed += perTick;
    while (owed >= 1) {
      owed -= 1;
      if (inFlight >= maxInFlight) {
        skipped += 1;
        continue;
      }
      inFlight += 1;
      void oneRequest(Math.random()).finally(() => {
        inFlight -= 1;
      });
    }
    if (now >= nextSample && bridge && !restarting) {
      nextSample = now + (options.sampleEveryMs ?? 5_000);
      const sample = readProc(bridge.process.pid);
      if (sample) lifetimes.at(-1)?.samples.push(sample);
    }
    if (now >= nextRestart && bridge && !restarting) {
      // SIGTERM and start again on the same database and port; traffic goes on meanwhile and
      // meets a closed port, as Alertmanager does during a restart.
      restarting = true;
      nextRestart = now + options.restartEveryMs;
      const stopping = bridge;
      void (async () => {
        const last = readProc(stopping.process.pid);
        if (last) lifetimes.at(-1)?.samples.push(last);
        const lifetime = lifetimes.at(-1);
        const stopAt = Date.now();
        await stopping.process.close(STOP_GRACE_MS);
        if (lifetime) {
          lifetime.exit = stopping.process.exitReason;
          lifetime.stopMs = Date.now() - stopAt;
        }
        await start();
        restarting = false;
      })().catch((error: unknown) => {
        problems.push(`restart failed: ${(error as Error).message}`);
        restarting = false;
      });
    }
    if (now - lastProgress >= 30_000) {
      lastProgress = now;
      const last = lifetimes.at(-1)?.samples.at(-1);
      say(
        `${Math.round((now - began) / 1_000)} s: ${total} requests, answers ${JSON.stringify(byAnswer)}` +
          (last ? `, RSS ${Math.round(last.rssKb / 1024)} MB, ${last.fds} fds` : ""),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, tickMs - (Date.now() - now))));
  }
  const durationMs = Date.now() - began;
  await waitFor(() => inFlight === 0 && !restarting, 30_000);
  const current = bridge as BridgeProcess;
  const final = readProc(current.process.pid);
  if (final) lifetimes.at(-1)?.samples.push(final);

  // Drain: the outbox empties (dispatches at GitHub's pace), then the accounting.
  const drainStarted = Date.now();
  const drained = await waitFor(async () => (await bridgeStatus(url)).outboxDepth === 0, 120_000);
  const drainMs = Date.now() - drainStarted;
  if (!drained)
    problems.push(`the outbox did not drain within 120 s (depth ${(await bridgeStatus(url)).outboxDepth})`);

  const reader = new Database(env.RUNBRIDGE_DB as string, { readonly: true });
  const db = drizzle(reader, { schema }) as Db;
  const rows = reader.prepare("SELECT id, fingerprint, starts_at, state, runbook FROM executions").all() as {
    id: string;
    fingerprint: string;
    starts_at: string;
    state: string;
    runbook: string | null;
  }[];
  const byOccurrence = new Map<string, typeof rows>();
  for (const row of rows) {
    const key = `${row.fingerprint}@${row.starts_at}`;
    byOccurrence.set(key, [...(byOccurrence.get(key) ?? []), row]);
  }
  let unaccounted = 0;
  for (const alert of sent.filter((candidate) => candidate.accepted)) {
    const found = byOccurrence.get(`${alert.fingerprint}@${alert.startsAt}`) ?? [];
    const named = [...alert.answeredIds];
    if (found.length !== 1 || named.length !== 1 || named[0] !== found[0]?.id) {
      unaccounted += 1;
      if (unaccounted <= 5) {
        problems.push(
          `alert ${alert.instance} answered 2xx naming ${JSON.stringify(named)} has executions ${JSON.stringify(found.map((r) => r.id))}`,
        );
      }
    }
  }
  if (unaccounted > 5) problems.push(`… ${unaccounted} accepted alerts not accounted for in all`);
  const known = new Set(sent.map((alert) => `${alert.fingerprint}@${alert.startsAt}`));
  const strangers = rows.filter((row) => !known.has(`${row.fingerprint}@${row.starts_at}`));
  if (strangers.length > 0) problems.push(`${strangers.length} executions of alerts never sent`);
  const runs = gh.runs();
  const runsByExecution = new Map<string, number>();
  for (const run of runs) {
    const id = String(run.inputs.execution_id);
    runsByExecution.set(id, (runsByExecution.get(id) ?? 0) + 1);
  }
  for (const row of rows.filter((candidate) => candidate.runbook === "e2e-storm")) {
    const n = runsByExecution.get(row.id) ?? 0;
    if (n !== 1) problems.push(`execution ${row.id} (${row.state}) has ${n} runs`);
  }
  for (const violation of await checkInvariants(db))
    problems.push(`invariant broken: ${JSON.stringify(violation)}`);
  reader.close();
  if ((await fetch(`${url}/healthz`)).status !== 200) problems.push("/healthz did not answer 200 at the end");
  if (gh.violations.length > 0)
    problems.push(`GitHub emulator violations: ${JSON.stringify(gh.violations.slice(0, 3))}`);

  const lastLifetime = lifetimes.at(-1);
  const stopAt = Date.now();
  await current.process.close(STOP_GRACE_MS);
  if (lastLifetime) {
    lastLifetime.exit = current.process.exitReason;
    lastLifetime.stopMs = Date.now() - stopAt;
  }
  for (const lifetime of lifetimes) {
    if (lifetime.exit !== "exit code 0")
      problems.push(`bridge pid ${lifetime.pid} ended with ${lifetime.exit} after SIGTERM`);
  }
  await gh.close();
  await removeTempDir(dir);

  const all = lifetimes.flatMap((lifetime) => lifetime.samples);
  const inMinute = (from: number, to: number) =>
    all.filter((sample) => sample.at >= from && sample.at < to).map((sample) => sample.rssKb);
  const report: SoakReport = {
    durationMs,
    requests: { sent: total, byKind, byAnswer, skipped },
    lifetimes: lifetimes.map((lifetime) => {
      const rss = lifetime.samples.map((sample) => sample.rssKb);
      const fds = lifetime.samples.map((sample) => sample.fds);
      return {
        pid: lifetime.pid,
        rssKb: { first: rss[0] ?? 0, last: rss.at(-1) ?? 0, max: Math.max(0, ...rss) },
        fds: { first: fds[0] ?? 0, last: fds.at(-1) ?? 0, max: Math.max(0, ...fds) },
        ...(lifetime.exit ? { exit: lifetime.exit } : {}),
        ...(lifetime.stopMs !== undefined ? { stopMs: lifetime.stopMs } : {}),
      };
    }),
    rssFirstMinuteKb: median(inMinute(began, began + 60_000)),
    rssLastMinuteKb: median(inMinute(began + durationMs - 60_000, began + durationMs + 1)),
    executions: rows.length,
    runs: runs.length,
    drainMs,
    problems,
  };
  return report;
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return true;
    } catch {
      // not answering yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

/** The report as the lines docs/security.md records. */
export function formatReport(report: SoakReport): string {
  const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
  const lines = [
    `duration ${(report.durationMs / 60_000).toFixed(1)} min, ${report.requests.sent} requests ` +
      `(${(report.requests.sent / (report.durationMs / 1_000)).toFixed(0)}/s; ${report.requests.skipped} skipped as more than 64 were in flight)`,
    `requests by kind ${JSON.stringify(report.requests.byKind)}`,
    `answers ${JSON.stringify(report.requests.byAnswer)}`,
    "bridge lifetime: RSS first/last/max, fds first/last/max, exit after SIGTERM (time to stop)",
    ...report.lifetimes.map(
      (lifetime, index) =>
        `  ${index + 1} (pid ${lifetime.pid}): ${mb(lifetime.rssKb.first)}/${mb(lifetime.rssKb.last)}/${mb(lifetime.rssKb.max)}, ` +
        `${lifetime.fds.first}/${lifetime.fds.last}/${lifetime.fds.max}, ${lifetime.exit ?? "?"} (${lifetime.stopMs ?? "?"} ms)`,
    ),
    `RSS median first minute ${mb(report.rssFirstMinuteKb)}, last minute ${mb(report.rssLastMinuteKb)}`,
    `${report.executions} executions, ${report.runs} runs, outbox drained in ${(report.drainMs / 1_000).toFixed(1)} s`,
    report.problems.length === 0 ? "no problems" : `PROBLEMS:\n  ${report.problems.join("\n  ")}`,
  ];
  return lines.join("\n");
}
