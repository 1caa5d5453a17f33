/**
 * @module
 * Bridges on PostgreSQL next to one on SQLite, in the same run (issue 14): decisions/s of 1, 2
 * and 3 bridge processes sharing one PostgreSQL database, the load split evenly over them (the
 * same 32 connections in all, one wrk per bridge), and p99 at a fixed 1,000 requests/s spread
 * over them (one open-loop generator per bridge at its share). On this machine the bridges,
 * the load generators and PostgreSQL share the same cores: the figure that matters is whether
 * PostgreSQL becomes the bottleneck, not scaling.
 *
 * Skipped, with the reason, when no PostgreSQL answers at RUNBRIDGE_BENCH_POSTGRES_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres, the test server).
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import postgres from "postgres";
import type { OpenLoopOptions, OpenLoopResult } from "./load/open-loop.js";
import { runWrk } from "./load/wrk.js";
import { pidsOf, waitForQuiet, watchProcesses } from "./machine.js";
import { BENCH_DIR, nodeTs, runCommand, type ServerProcess, startServer } from "./process.js";
import { SETTINGS } from "./samples.js";

const ADMIN_URL = process.env.RUNBRIDGE_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface ReplicaRow {
  /** "SQLite, 1 bridge" or "PostgreSQL, 2 bridges". */
  label: string;
  engine: "sqlite" | "postgres";
  bridges: number;
  /** Decisions per second, all bridges together. */
  rps: number;
  /** At SETTINGS.rate spread over the bridges: the worst bridge's p99 and p99.9. */
  p99Ms: number;
  p999Ms: number;
  /** Requests completed per second during the latency run, all bridges together. */
  achievedRate: number;
  failed: number;
  /**
   * CPU time per decision over the throughput rounds, in µs: the bridge processes together, and
   * every PostgreSQL server process (the server is the machine's; SQLite rows have none). Whether
   * PostgreSQL or the bridges fill the cores they share.
   */
  bridgesCpuUs: number;
  postgresCpuUs?: number;
}

export type ReplicaResults = { rows: ReplicaRow[] } | { skipped: string };

async function withAdmin<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** `short`: bridges that cannot sustain the rate get one short round (their queue only grows). */
async function openLoop(url: string, rate: number, stream: number, short: boolean): Promise<OpenLoopResult> {
  const options: OpenLoopOptions = {
    url,
    rate,
    warmupS: short ? 1 : SETTINGS.latencyWarmupS,
    durationS: short ? Math.min(5, SETTINGS.latencyS) : SETTINGS.latencyS,
    stream,
    maxSockets: 256,
    timeoutMs: 10_000,
  };
  const [command, args] = nodeTs(join(BENCH_DIR, "load/open-loop.ts"), [JSON.stringify(options)]);
  const { stdout, stderr, code } = await runCommand(command, args, {
    // An overloaded bridge still answers its queue after the run, each request within 10 s.
    timeoutMs: (options.warmupS + options.durationS + 60) * 1_000,
  });
  const json = /^BENCH_JSON (.*)$/m.exec(stdout)?.[1];
  if (code !== 0 || !json) throw new Error(`open-loop generator failed (${code}):\n${stdout}\n${stderr}`);
  return JSON.parse(json) as OpenLoopResult;
}

/** One configuration: `count` bridges started with `env(index)`, measured together, then stopped. */
async function measure(
  label: string,
  engine: ReplicaRow["engine"],
  count: number,
  env: (index: number) => Record<string, string>,
  options: { nodeFlags: string[]; streams: (count: number) => number; log: (line: string) => void },
): Promise<ReplicaRow> {
  const bridges: ServerProcess[] = [];
  try {
    for (let index = 0; index < count; index++) {
      bridges.push(
        await startServer(`${label} #${index + 1}`, join(BENCH_DIR, "servers/bridge.ts"), {
          env: env(index),
          nodeFlags: options.nodeFlags,
        }),
      );
    }
    const connections = Math.max(1, Math.floor(SETTINGS.connections / count));
    const wrk = (durationS: number) =>
      Promise.all(
        bridges.map((bridge) =>
          runWrk({ url: bridge.url, durationS, connections, threads: 1, stream: options.streams(1) }),
        ),
      );
    await waitForQuiet(0.25, 2_000);
    await wrk(SETTINGS.warmupS);
    const rounds: number[] = [];
    let decided = 0;
    const cpu = { bridges: 0, postgres: 0 };
    for (let round = 0; round < SETTINGS.rounds; round++) {
      await waitForQuiet(0.25, 2_000);
      const watch = watchProcesses({
        bridges: () => bridges.map((bridge) => bridge.pid),
        postgres: () => (engine === "postgres" ? pidsOf("postgres") : []),
      });
      const results = await wrk(SETTINGS.throughputS);
      const used = watch.stop();
      const bad = results.reduce((sum, result) => sum + result.non2xx + result.socketErrors, 0);
      if (bad > 0) throw new Error(`${label}: ${bad} non-2xx answers or socket errors`);
      rounds.push(results.reduce((sum, result) => sum + result.rps, 0));
      decided += results.reduce((sum, result) => sum + result.requests, 0);
      cpu.bridges += used.bridges;
      cpu.postgres += used.postgres;
    }
    const perDecisionUs = (seconds: number) => (decided > 0 ? (seconds * 1e6) / decided : Number.NaN);
    const rps = [...rounds].sort((a, b) => a - b)[Math.floor(rounds.length / 2)] ?? 0;
    options.log(
      `replicas: ${label}: ${rps.toFixed(0)} decisions/s; CPU per decision: bridges ${perDecisionUs(cpu.bridges).toFixed(0)} µs` +
        (engine === "postgres" ? `, PostgreSQL ${perDecisionUs(cpu.postgres).toFixed(0)} µs` : ""),
    );
    await waitForQuiet(0.25, 2_000);
    const overloaded = rps < SETTINGS.rate * 1.2;
    if (overloaded)
      options.log(`replicas: ${label} cannot sustain ${SETTINGS.rate}/s: one short latency round`);
    const latency = await Promise.all(
      bridges.map((bridge) => openLoop(bridge.url, SETTINGS.rate / count, options.streams(1), overloaded)),
    );
    const row: ReplicaRow = {
      label,
      engine,
      bridges: count,
      rps,
      p99Ms: Math.max(...latency.map((result) => result.p99Ms)),
      p999Ms: Math.max(...latency.map((result) => result.p999Ms)),
      achievedRate: latency.reduce((sum, result) => sum + result.achievedRate, 0),
      failed: latency.reduce((sum, result) => sum + result.failed, 0),
      bridgesCpuUs: perDecisionUs(cpu.bridges),
      postgresCpuUs: engine === "postgres" ? perDecisionUs(cpu.postgres) : undefined,
    };
    options.log(
      `replicas: ${label} at ${SETTINGS.rate}/s: p99 ${row.p99Ms.toFixed(2)} ms, p99.9 ${row.p999Ms.toFixed(2)} ms (worst bridge)`,
    );
    return row;
  } finally {
    for (const bridge of bridges) await bridge.stop();
  }
}

export async function measureReplicas(options: {
  work: string;
  /** The bench's bridge environment for a SQLite file (bench/run.ts bridgeEnv). */
  bridgeEnv: (dbFile: string) => Record<string, string>;
  nodeFlags: string[];
  streams: (count: number) => number;
  log: (line: string) => void;
}): Promise<ReplicaResults> {
  try {
    await withAdmin((sql) => sql`SELECT 1`);
  } catch (error) {
    return { skipped: `no PostgreSQL at ${ADMIN_URL} (${(error as Error).message})` };
  }
  const rows: ReplicaRow[] = [];
  rows.push(
    await measure(
      "SQLite, 1 bridge",
      "sqlite",
      1,
      () => options.bridgeEnv(join(options.work, "replicas-sqlite.db")),
      options,
    ),
  );
  for (const count of [1, 2, 3]) {
    const name = `runbridge_bench_${randomBytes(4).toString("hex")}`;
    await withAdmin((sql) => sql.unsafe(`CREATE DATABASE "${name}"`));
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    try {
      rows.push(
        await measure(
          `PostgreSQL, ${count} bridge${count === 1 ? "" : "s"}`,
          "postgres",
          count,
          (index) => ({
            ...options.bridgeEnv(join(options.work, `unused-${count}-${index}.db`)),
            RUNBRIDGE_DATABASE_URL: url.toString(),
          }),
          options,
        ),
      );
    } finally {
      await withAdmin((sql) => sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    }
  }
  return { rows };
}
