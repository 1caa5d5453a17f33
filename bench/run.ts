/**
 * @module
 * `npm run bench`: the bridge against two baselines measured in the same run, on loopback.
 *
 *   (a) bare Hono (@hono/node-server 2): read the body, answer 200
 *   (b) Hono + one SQLite insert per request (better-sqlite3, WAL, synchronous=NORMAL)
 *   (c) the real bridge (startBridge: temp database, a copy of runbooks/, dry-run, LOG_LEVEL=warn)
 *   and 1, 2 and 3 bridges sharing one PostgreSQL database next to one on SQLite (bench/replicas.ts)
 *
 * Every server runs in its own process; so do the load generators (wrk for closed-loop
 * throughput, bench/load/open-loop.ts for latency at a fixed rate). Each request carries a
 * realistic ~1 KB Alertmanager webhook with its own fingerprint/startsAt, so every bridge
 * request is a real decision (checked afterwards by counting the execution rows).
 *
 * Goals (issue 4): bridge decisions/s ≥ 0.5 × (b); p99 ≤ 10 ms at 1,000 req/s;
 * RSS growth ≤ 100 MB over a 100,000-alert storm.
 *
 * Environment: BENCH_QUICK=1 (short smoke run, figures not written to docs),
 * BENCH_PROFILE=1 (bridge runs with --cpu-prof; hot spots are printed),
 * BENCH_RUNBOOKS=<dir> (runbooks for the bridge; default: a copy of ./runbooks).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { BRIDGE_ENV, BRIDGE_NODE_FLAGS } from "../scripts/bridge-node-flags.mjs";
import { measureCompiledIdle } from "./compiled-idle.js";
import type { OpenLoopOptions, OpenLoopResult } from "./load/open-loop.js";
import { runWrk } from "./load/wrk.js";
import { describeMachine, loadAverage, waitForQuiet, watchCpu } from "./machine.js";
import {
  BENCH_DIR,
  killAll,
  nodeTs,
  REPO_DIR,
  readRss,
  runCommand,
  type ServerProcess,
  sleep,
  startServer,
} from "./process.js";
import { formatProfile, summariseProfile } from "./profile-summary.js";
import { measureReplicas } from "./replicas.js";
import {
  type BenchResults,
  judge,
  median,
  renderConsole,
  renderMarkdown,
  writeBenchmarksDoc,
} from "./report.js";
import { type LatencySample, QUICK, SETTINGS, type ThroughputSample } from "./samples.js";

const PROFILE = process.env.BENCH_PROFILE === "1";

const log = (message: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

let nextStream = 1;
/** Unique stream numbers, so no two requests of a run carry the same fingerprint. */
const streams = (count: number) => {
  const first = nextStream;
  nextStream += count;
  return first;
};

function prepareRunbooks(work: string): string {
  if (process.env.BENCH_RUNBOOKS) return process.env.BENCH_RUNBOOKS;
  // A snapshot: edits others make to runbooks/ during the run must not reload the bridge.
  const dir = join(work, "runbooks");
  mkdirSync(dir);
  for (const file of readdirSync(join(REPO_DIR, "runbooks"))) {
    if (/\.ya?ml$/.test(file)) copyFileSync(join(REPO_DIR, "runbooks", file), join(dir, file));
  }
  return dir;
}

function bridgeEnv(dbFile: string, runbooks: string): Record<string, string> {
  return {
    // As npm start runs it (malloc arenas).
    ...BRIDGE_ENV,
    PORT: "0",
    HOST: "127.0.0.1",
    RUNBRIDGE_DB: dbFile,
    RUNBRIDGE_RUNBOOKS: runbooks,
    RUNBRIDGE_DRY_RUN: "true",
    LOG_LEVEL: "warn",
    RUNBRIDGE_STORM_MAX: "100000",
    // Nothing from the caller's environment may turn GitHub or authentication on.
    GITHUB_TOKEN: "",
    GITHUB_APP_ID: "",
    GITHUB_APP_PRIVATE_KEY: "",
    GITHUB_APP_INSTALLATION_ID: "",
    GITHUB_REPOSITORY: "",
    RUNBRIDGE_ALERTMANAGER_TOKEN: "",
    RUNBRIDGE_ENABLED: "",
  };
}

/** The bridge's own Node flags (as `npm start` runs it), plus profiling when asked for. */
function bridgeFlags(dir: string): string[] {
  return [...BRIDGE_NODE_FLAGS, ...(PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [])];
}

async function measureWrk(server: ServerProcess, durationS: number, limitPerThread?: number) {
  const background = await waitForQuiet(0.25, 2_000);
  const cpu = watchCpu(server.pid);
  const result = await runWrk({
    url: server.url,
    durationS,
    connections: SETTINGS.connections,
    threads: SETTINGS.wrkThreads,
    stream: streams(SETTINGS.wrkThreads),
    limitPerThread,
  });
  const share = cpu.stop();
  if (result.non2xx || result.socketErrors)
    throw new Error(`${server.name}: ${result.non2xx} non-2xx answers, ${result.socketErrors} socket errors`);
  return { ...result, background, cpu: share };
}

/** `short`: a server that cannot sustain the rate gets one short round (its queue only grows). */
async function measureOpenLoop(server: ServerProcess, short = false) {
  const background = await waitForQuiet(0.25, 2_000);
  const options: OpenLoopOptions = {
    url: server.url,
    rate: SETTINGS.rate,
    warmupS: short ? 1 : SETTINGS.latencyWarmupS,
    durationS: short ? Math.min(5, SETTINGS.latencyS) : SETTINGS.latencyS,
    stream: streams(1),
    maxSockets: 256,
    timeoutMs: 10_000,
  };
  const cpu = watchCpu(server.pid);
  const [command, args] = nodeTs(join(BENCH_DIR, "load/open-loop.ts"), [JSON.stringify(options)]);
  const { stdout, stderr, code } = await runCommand(command, args, {
    timeoutMs: (options.warmupS + options.durationS + 30) * 1_000,
  });
  const share = cpu.stop();
  const json = /^BENCH_JSON (.*)$/m.exec(stdout)?.[1];
  if (code !== 0 || !json) throw new Error(`open-loop generator failed (${code}):\n${stdout}\n${stderr}`);
  const result = JSON.parse(json) as OpenLoopResult;
  return { ...result, background, cpu: share };
}

function countDecisions(dbFile: string): Record<string, number> {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT state, count(*) AS n FROM executions GROUP BY state").all() as {
      state: string;
      n: number;
    }[];
    return Object.fromEntries(rows.map((row) => [row.state, row.n]));
  } finally {
    db.close();
  }
}

function printProfiles(dir: string, label: string): string[] {
  if (!PROFILE || !existsSync(dir)) return [];
  const out: string[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".cpuprofile"))) {
    const summary = summariseProfile(join(dir, file), 20);
    // The bridge's main thread is the profile with by far the most samples; skip worker threads.
    if (summary.totalMs < 1_000) continue;
    const text = `CPU profile of the bridge (${label}): ${join(dir, file)}\n${formatProfile(summary)}`;
    console.log(`\n${text}`);
    out.push(text);
  }
  return out;
}

async function runMatch(): Promise<BenchResults["match"]> {
  const file = join(BENCH_DIR, "match.ts");
  if (!existsSync(file)) return undefined;
  try {
    const module = (await import(pathToFileURL(file).href)) as {
      runMatchBench?: () => Promise<{
        rows: { runbooks: number; nsPerAlert: number; ratio: number; buildMs: number }[];
      }>;
    };
    if (typeof module.runMatchBench !== "function") return undefined;
    log("match benchmark (bench/match.ts)");
    return (await module.runMatchBench()).rows;
  } catch (error) {
    log(`bench/match.ts failed: ${error instanceof Error ? error.message : String(error)}`);
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const machine = describeMachine();
  const work = mkdtempSync(join(tmpdir(), "runbridge-bench-"));
  const profiles = join(work, "profiles");
  const runbooks = prepareRunbooks(work);
  log(`work dir ${work}; ${machine.nproc} × ${machine.model}; ${machine.runtime}${QUICK ? " (QUICK)" : ""}`);

  const servers: ServerProcess[] = [];
  try {
    // ── throughput and latency: (a), (b), (c) side by side, measured interleaved ──────────
    const bareHono = await startServer("(a) bare Hono", join(BENCH_DIR, "servers/bare-hono.ts"));
    servers.push(bareHono);
    const honoSqlite = await startServer(
      "(b) Hono + SQLite insert",
      join(BENCH_DIR, "servers/hono-sqlite.ts"),
      {
        args: [join(work, "baseline.db")],
      },
    );
    servers.push(honoSqlite);
    const bridgeDb = join(work, "bridge.db");
    const bridge = await startServer("(c) bridge", join(BENCH_DIR, "servers/bridge.ts"), {
      env: bridgeEnv(bridgeDb, runbooks),
      nodeFlags: bridgeFlags(join(profiles, "throughput")),
    });
    servers.push(bridge);
    const all = [bareHono, honoSqlite, bridge];

    let bridgeCounted = 0;
    for (const server of all) {
      log(`warm-up ${server.name}`);
      const warm = await measureWrk(server, SETTINGS.warmupS);
      if (server === bridge) bridgeCounted += warm.requests;
    }
    const throughput = new Map<ServerProcess, ThroughputSample[]>(all.map((server) => [server, []]));
    for (let round = 1; round <= SETTINGS.rounds; round++) {
      for (const server of all) {
        const sample = await measureWrk(server, SETTINGS.throughputS);
        log(
          `throughput round ${round} ${server.name}: ${sample.rps.toFixed(0)} req/s (other processes: ${sample.cpu.otherCores.toFixed(2)} cores)`,
        );
        throughput.get(server)?.push(sample);
      }
    }

    const latency = new Map<ServerProcess, LatencySample[]>([
      [honoSqlite, []],
      [bridge, []],
    ]);
    // Below the rate, an open-loop run only measures a growing queue: one short round suffices.
    const overloaded = new Set(
      [honoSqlite, bridge].filter(
        (server) => median((throughput.get(server) ?? []).map((x) => x.rps)) < SETTINGS.rate * 1.2,
      ),
    );
    for (let round = 1; round <= SETTINGS.latencyRounds; round++) {
      for (const server of [honoSqlite, bridge]) {
        if (overloaded.has(server) && round > 1) continue;
        if (overloaded.has(server))
          log(`${server.name} cannot sustain ${SETTINGS.rate}/s: one short latency round`);
        const sample = await measureOpenLoop(server, overloaded.has(server));
        log(
          `latency round ${round} ${server.name} at ${SETTINGS.rate}/s: p50 ${sample.p50Ms.toFixed(2)} ms, p99 ${sample.p99Ms.toFixed(2)} ms (other processes: ${sample.cpu.otherCores.toFixed(2)} cores)`,
        );
        latency.get(server)?.push(sample);
      }
    }
    bridgeCounted +=
      (throughput.get(bridge) ?? []).reduce((sum, sample) => sum + sample.requests, 0) +
      (latency.get(bridge) ?? []).reduce((sum, sample) => sum + sample.ok + sample.warmupOk, 0);
    for (const server of all) await server.stop();
    servers.length = 0;
    const throughputDecisions = countDecisions(bridgeDb);
    const throughputProfiles = printProfiles(join(profiles, "throughput"), "throughput and latency phases");

    // ── storm: a fresh bridge, RSS before and after 100,000 alerts ──────────────────────
    const stormDb = join(work, "storm.db");
    const stormBridge = await startServer("(c) bridge, storm", join(BENCH_DIR, "servers/bridge.ts"), {
      env: bridgeEnv(stormDb, runbooks),
      nodeFlags: bridgeFlags(join(profiles, "storm")),
    });
    servers.push(stormBridge);
    await sleep(1_000);
    const rssIdle = readRss(stormBridge.pid);
    log(`storm: warm-up ${SETTINGS.stormWarmup} alerts`);
    const stormWarm = await measureWrk(
      stormBridge,
      60,
      Math.ceil(SETTINGS.stormWarmup / SETTINGS.wrkThreads),
    );
    await sleep(1_000);
    const rssBefore = readRss(stormBridge.pid);
    log(`storm: ${SETTINGS.stormAlerts} alerts`);
    let rssPeakDuring = rssBefore;
    const sampler = setInterval(() => {
      try {
        rssPeakDuring = Math.max(rssPeakDuring, readRss(stormBridge.pid));
      } catch {}
    }, 500);
    let storm: ThroughputSample;
    try {
      storm = await measureWrk(
        stormBridge,
        SETTINGS.stormTimeoutS,
        Math.ceil(SETTINGS.stormAlerts / SETTINGS.wrkThreads),
      );
    } finally {
      clearInterval(sampler);
    }
    await sleep(2_000);
    const rssAfter = readRss(stormBridge.pid);
    log(
      `storm: ${storm.requests} alerts at ${storm.rps.toFixed(0)}/s; RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssAfter / 2 ** 20).toFixed(0)} MiB`,
    );
    await stormBridge.stop();
    servers.length = 0;
    const stormDecisions = countDecisions(stormDb);
    const stormProfiles = printProfiles(join(profiles, "storm"), "storm");

    log("compiled bridge: idle memory");
    const compiledIdle = await measureCompiledIdle(bridgeEnv(join(work, "idle.db"), runbooks));
    log(
      `compiled bridge idle: RSS ${(compiledIdle.rss / 1e6).toFixed(0)} MB (private ${(compiledIdle.rssAnon / 1e6).toFixed(0)} MB)`,
    );

    log("bridges on PostgreSQL: 1, 2 and 3 against one on SQLite");
    const replicas = await measureReplicas({
      work,
      bridgeEnv: (dbFile) => bridgeEnv(dbFile, runbooks),
      nodeFlags: bridgeFlags(join(profiles, "replicas")),
      streams,
      log,
    });
    if ("skipped" in replicas) log(`bridges on PostgreSQL: skipped, ${replicas.skipped}`);

    const match = await runMatch();

    const results: BenchResults = {
      machine,
      settings: SETTINGS,
      quick: QUICK,
      durationS: (Date.now() - started) / 1_000,
      loadAverageAtEnd: loadAverage(),
      throughput: {
        bare: throughput.get(bareHono) ?? [],
        sqlite: throughput.get(honoSqlite) ?? [],
        bridge: throughput.get(bridge) ?? [],
      },
      latency: { sqlite: latency.get(honoSqlite) ?? [], bridge: latency.get(bridge) ?? [] },
      decisions: { counted: bridgeCounted, recorded: throughputDecisions },
      storm: {
        sample: storm,
        rssIdle,
        rssBefore,
        rssAfter,
        rssPeakDuring,
        recorded: stormDecisions,
        warmup: stormWarm.requests,
      },
      compiledIdle,
      replicas,
      match,
      profiles: [...throughputProfiles, ...stormProfiles],
    };
    const verdicts = judge(results);
    console.log(renderConsole(results, verdicts));
    if (QUICK) {
      log("BENCH_QUICK=1: figures not written to docs/benchmarks.md");
    } else {
      const doc = join(REPO_DIR, "docs", "benchmarks.md");
      writeBenchmarksDoc(doc, renderMarkdown(results, verdicts));
      log(`figures written to ${doc}`);
    }
    log(`done in ${((Date.now() - started) / 1_000).toFixed(0)} s`);
    if (!PROFILE) rmSync(work, { recursive: true, force: true });
    else log(`profiles kept in ${profiles}`);
  } finally {
    for (const server of servers) await server.stop().catch(() => {});
    killAll();
  }
}

await main().catch((error) => {
  killAll();
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
