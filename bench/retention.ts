/**
 * @module
 * `npx tsx bench/retention.ts`: does a retention pass keep the webhook answering? A database
 * with 200,000 audit events, 20,000 executions and 20,000 alert rows older than the retention
 * period; the real bridge on it (dry-run); webhooks at a fixed rate from the open-loop
 * generator (its own process), once without pruning and once while one pass deletes the backlog
 * in its default batches on the bridge's own connection and event loop, as the bridge runs it.
 * Prints both latency distributions and the pass's batch timings. Not part of `npm run bench`.
 *
 * Environment: RETENTION_RATE (req/s, default 300), RETENTION_SECONDS (per phase, default 15).
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBridge } from "../bridge/main.js";
import { openDatabase } from "../bridge/store/database.js";
import { requireSqlite } from "../bridge/store/engine.js";
import { newExecutionId } from "../bridge/store/ids.js";
import { type PrunePass, startPruner } from "../bridge/store/pruner.js";
import type { OpenLoopOptions, OpenLoopResult } from "./load/open-loop.js";
import { BENCH_DIR, nodeTs, REPO_DIR, runCommand } from "./process.js";

const DAY = 86_400_000;
const RETENTION_MS = 90 * DAY;
const rate = Number(process.env.RETENTION_RATE ?? 300);
const seconds = Number(process.env.RETENTION_SECONDS ?? 15);

function seed(file: string, now: number): void {
  const opened = openDatabase(file);
  const old = now - 200 * DAY;
  const sqlite = opened.sqlite;
  const execution = sqlite.prepare(`INSERT INTO executions
    (id, occurrence_key, fingerprint, starts_at, group_key, alertname, severity, state, reason, alert,
     dispatch_attempts, created_at, updated_at)
    VALUES (?, ?, ?, '2025-01-01T00:00:00.000Z', '', 'NginxDown', 'critical', 'suppressed', 'seeded', '{}', 0, ?, ?)`);
  const audit = sqlite.prepare(
    "INSERT INTO audit_events (at, kind, execution_id, alertname, message) VALUES (?, ?, ?, 'NginxDown', ?)",
  );
  const alert = sqlite.prepare(`INSERT INTO alerts
    (fingerprint, starts_at, alertname, status, labels, annotations, first_received_at, last_received_at, deliveries)
    VALUES (?, '2025-01-01T00:00:00.000Z', 'NginxDown', 'firing', '{"alertname":"NginxDown"}', '{}', ?, ?, 1)`);
  sqlite.transaction(() => {
    for (let index = 0; index < 20_000; index++) {
      const at = old + index;
      const id = newExecutionId(at);
      execution.run(id, `seed${index}@x`, `seed${index}`, at, at);
      audit.run(
        at,
        "decision.suppressed",
        id,
        "seeded decision with a message of ordinary length for an audit row",
      );
      alert.run(`seed${index}`, at, at);
    }
    for (let index = 0; index < 180_000; index++) {
      audit.run(
        old + 20_000 + index,
        "kill_switch",
        null,
        "seeded event with a message of ordinary length for an audit row",
      );
    }
  })();
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  opened.close();
}

async function openLoop(url: string, stream: number): Promise<OpenLoopResult> {
  const options: OpenLoopOptions = {
    url,
    rate,
    warmupS: 2,
    durationS: seconds,
    stream,
    maxSockets: 256,
    timeoutMs: 10_000,
  };
  const [command, args] = nodeTs(join(BENCH_DIR, "load/open-loop.ts"), [JSON.stringify(options)]);
  const { stdout, stderr, code } = await runCommand(command, args, { timeoutMs: (seconds + 40) * 1_000 });
  if (code !== 0) throw new Error(`open-loop failed (${code}): ${stderr}`);
  const last = stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(last.replace(/^BENCH_JSON /, "")) as OpenLoopResult;
}

const line = (name: string, result: OpenLoopResult) =>
  `${name.padEnd(22)} ok ${String(result.ok).padStart(6)}  failed ${result.failed}  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  p99.9 ${result.p999Ms.toFixed(2)} ms  max ${result.maxMs.toFixed(1)} ms${result.firstError ? `  first error: ${result.firstError}` : ""}`;

const dir = mkdtempSync(join(tmpdir(), "runbridge-retention-"));
try {
  const now = Date.now();
  const file = join(dir, "runbridge.db");
  const runbooks = join(dir, "runbooks");
  cpSync(join(REPO_DIR, "runbooks"), runbooks, { recursive: true });
  seed(file, now);
  const bridge = await startBridge({
    env: {
      RUNBRIDGE_DB: file,
      RUNBRIDGE_RUNBOOKS: runbooks,
      PORT: "0",
      LOG_LEVEL: "warn",
      RUNBRIDGE_DRY_RUN: "true",
      RUNBRIDGE_STORM_MAX: "100000",
      // This script runs the pass itself, at a chosen moment, on the same connection.
      RUNBRIDGE_RETENTION: "off",
    },
  });
  try {
    const quiet = await openLoop(bridge.url, 1);
    const pruner = startPruner({
      db: bridge.db,
      retentionMs: RETENTION_MS,
      now: Date.now,
      firstPassAfterMs: 3_600_000,
    });
    const load = openLoop(bridge.url, 2);
    // Start the pass once the generator's untimed lead-in is over.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const started = performance.now();
    const pass: PrunePass = await pruner.runPass();
    const passMs = performance.now() - started;
    const pruning = await load;
    await pruner.stop();
    const left = requireSqlite(bridge.db, "the retention benchmark")
      .prepare(
        "SELECT (SELECT count(*) FROM audit_events WHERE at < ?) AS audit, (SELECT count(*) FROM executions WHERE created_at < ?) AS executions",
      )
      .get(now - RETENTION_MS, now - RETENTION_MS);
    process.stdout.write(
      [
        `webhooks at ${rate} req/s for ${seconds} s, on a database with 200,000 old audit events`,
        line("without pruning", quiet),
        line("during a prune pass", pruning),
        `prune pass: ${pass.batches} batches in ${(passMs / 1_000).toFixed(1)} s, batches together ${pass.totalBatchMs.toFixed(0)} ms, longest ${pass.longestBatchMs.toFixed(1)} ms, mean ${(pass.totalBatchMs / pass.batches).toFixed(2)} ms; deleted ${JSON.stringify(pass.deleted)}; old rows left ${JSON.stringify(left)}`,
        "",
      ].join("\n"),
    );
  } finally {
    await bridge.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
