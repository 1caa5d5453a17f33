/**
 * @module
 * Turns one benchmark run into verdicts, a console summary and the results section of
 * docs/benchmarks.md (only the part between the markers is replaced, so notes written
 * around it survive the next run).
 */

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { CompiledIdle } from "./compiled-idle.js";
import type { Machine } from "./machine.js";
import type { ReplicaResults } from "./replicas.js";
import type { LatencySample, Settings, ThroughputSample } from "./samples.js";

export const GOALS = {
  /** Bridge decisions/s as a share of (b) Hono + one SQLite insert. */
  throughputRatio: 0.5,
  /** p99 at the fixed rate, in ms. */
  p99Ms: 10,
  /** RSS growth over the storm, in MB (10^6 bytes). */
  rssGrowthMB: 100,
  /** p99.9 at the fixed rate, in ms (issue 15). */
  p999Ms: 15,
  /** RSS of the compiled bridge, idle after start, in MB (issue 15). */
  compiledIdleRssMB: 80,
  /** Decisions/s of 3 bridges on PostgreSQL against 1 on SQLite (issue 14). */
  replicasRatio: 1.0,
  /** p99 at the fixed rate spread over 3 bridges on PostgreSQL, in ms (issue 14). */
  replicasP99Ms: 15,
} as const;

export interface MatchRow {
  runbooks: number;
  nsPerAlert: number;
  ratio: number;
  buildMs: number;
}

export interface BenchResults {
  machine: Machine;
  settings: Settings;
  quick: boolean;
  durationS: number;
  loadAverageAtEnd: number;
  throughput: { bare: ThroughputSample[]; sqlite: ThroughputSample[]; bridge: ThroughputSample[] };
  latency: { sqlite: LatencySample[]; bridge: LatencySample[] };
  decisions: { counted: number; recorded: Record<string, number> };
  storm: {
    sample: ThroughputSample;
    rssIdle: number;
    rssBefore: number;
    rssAfter: number;
    rssPeakDuring: number;
    recorded: Record<string, number>;
    warmup: number;
  };
  compiledIdle: CompiledIdle;
  replicas?: ReplicaResults;
  match?: MatchRow[] | { error: string };
  profiles: string[];
}

export interface Verdict {
  goal: string;
  figure: string;
  pass: boolean;
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const rpsOf = (samples: ThroughputSample[]) => median(samples.map((sample) => sample.rps));
/** The round least disturbed by other work: interference only ever adds latency. */
const bestRound = (samples: LatencySample[]) =>
  samples.reduce<LatencySample | undefined>(
    (best, sample) => (!best || sample.p99Ms < best.p99Ms ? sample : best),
    undefined,
  );
const MB = (bytes: number) => bytes / 1e6;
const sum = (record: Record<string, number>) => Object.values(record).reduce((total, n) => total + n, 0);
const f0 = (n: number) => Math.round(n).toLocaleString("en-US");
const f2 = (n: number) => n.toFixed(2);
const tag = (pass: boolean) => (pass ? "PASS" : "MISS");

export function summarise(results: BenchResults) {
  const bare = rpsOf(results.throughput.bare);
  const sqlite = rpsOf(results.throughput.sqlite);
  const bridge = rpsOf(results.throughput.bridge);
  const latencyBridge = bestRound(results.latency.bridge);
  const latencySqlite = bestRound(results.latency.sqlite);
  const growth = results.storm.rssAfter - results.storm.rssBefore;
  return { bare, sqlite, bridge, latencyBridge, latencySqlite, growth };
}

export function judge(results: BenchResults): Verdict[] {
  const s = summarise(results);
  const ratio = s.bridge / s.sqlite;
  const p99 = s.latencyBridge?.p99Ms ?? Number.POSITIVE_INFINITY;
  const p999 = s.latencyBridge?.p999Ms ?? Number.POSITIVE_INFINITY;
  const idle = results.compiledIdle;
  const kept = (s.latencyBridge?.achievedRate ?? 0) >= results.settings.rate * 0.98;
  const stormComplete = results.storm.sample.requests >= results.settings.stormAlerts;
  return [
    ...replicaVerdicts(results),
    {
      goal: `bridge decisions/s ≥ ${GOALS.throughputRatio} × (b)`,
      figure: `${f0(s.bridge)}/s = ${f2(ratio)} × (b) ${f0(s.sqlite)}/s; ${f2(s.bridge / s.bare)} × (a) ${f0(s.bare)}/s`,
      pass: ratio >= GOALS.throughputRatio,
    },
    {
      goal: `p99 ≤ ${GOALS.p99Ms} ms at ${f0(results.settings.rate)} req/s`,
      figure: s.latencyBridge
        ? `p50 ${f2(s.latencyBridge.p50Ms)} ms, p99 ${f2(p99)} ms (${f2(p99 / (s.latencySqlite?.p99Ms ?? Number.NaN))} × (b)'s p99 ${f2(s.latencySqlite?.p99Ms ?? Number.NaN)} ms)${kept ? "" : `; rate NOT kept: ${f0(s.latencyBridge.achievedRate)}/s`}`
        : "not measured",
      pass: p99 <= GOALS.p99Ms && kept,
    },
    {
      goal: `p99.9 ≤ ${GOALS.p999Ms} ms at ${f0(results.settings.rate)} req/s`,
      figure: s.latencyBridge
        ? `p99.9 ${f2(p999)} ms (${f2(p999 / (s.latencySqlite?.p999Ms ?? Number.NaN))} × (b)'s p99.9 ${f2(s.latencySqlite?.p999Ms ?? Number.NaN)} ms)`
        : "not measured",
      pass: p999 <= GOALS.p999Ms && kept,
    },
    {
      goal: `idle RSS of the compiled bridge ≤ ${GOALS.compiledIdleRssMB} MB`,
      figure: `${f0(MB(idle.rss))} MB (private ${f0(MB(idle.rssAnon))} MB, mapped files ${f0(MB(idle.rssFile))} MB; node ${idle.flags.join(" ")})`,
      pass: MB(idle.rss) <= GOALS.compiledIdleRssMB,
    },
    {
      goal: `RSS growth ≤ ${GOALS.rssGrowthMB} MB over a ${f0(results.settings.stormAlerts)}-alert storm`,
      figure: `${f0(MB(results.storm.rssBefore))} → ${f0(MB(results.storm.rssAfter))} MB: ${MB(s.growth) >= 0 ? "+" : ""}${MB(s.growth).toFixed(1)} MB (${f2(results.storm.rssAfter / results.storm.rssBefore)} × before)${stormComplete ? "" : `; storm incomplete: ${f0(results.storm.sample.requests)} alerts`}`,
      pass: MB(s.growth) <= GOALS.rssGrowthMB && stormComplete,
    },
  ];
}

function replicaVerdicts(results: BenchResults): Verdict[] {
  const replicas = results.replicas;
  if (!replicas || "skipped" in replicas) return [];
  const sqlite = replicas.rows.find((row) => row.engine === "sqlite");
  const three = replicas.rows.find((row) => row.engine === "postgres" && row.bridges === 3);
  if (!sqlite || !three) return [];
  const kept = three.achievedRate >= results.settings.rate * 0.98;
  return [
    {
      goal: `3 bridges on PostgreSQL ≥ ${GOALS.replicasRatio} × 1 on SQLite (decisions/s)`,
      figure: `${f0(three.rps)}/s = ${f2(three.rps / sqlite.rps)} × ${f0(sqlite.rps)}/s`,
      pass: three.rps / sqlite.rps >= GOALS.replicasRatio,
    },
    {
      goal: `p99 ≤ ${GOALS.replicasP99Ms} ms at ${f0(results.settings.rate)} req/s over 3 bridges on PostgreSQL`,
      figure: `worst bridge p99 ${f2(three.p99Ms)} ms, p99.9 ${f2(three.p999Ms)} ms (1 on SQLite: ${f2(sqlite.p99Ms)} ms)${kept ? "" : `; rate NOT kept: ${f0(three.achievedRate)}/s`}`,
      pass: three.p99Ms <= GOALS.replicasP99Ms && kept,
    },
  ];
}

function replicaLines(results: BenchResults): string[] {
  const replicas = results.replicas;
  if (!replicas) return ["not measured"];
  if ("skipped" in replicas) return [`skipped: ${replicas.skipped}`];
  return replicas.rows.map(
    (row) =>
      `${row.label.padEnd(26)} ${f0(row.rps).padStart(7)} decisions/s  CPU/decision: bridges ${f0(row.bridgesCpuUs)} µs${row.postgresCpuUs === undefined ? "" : `, PostgreSQL ${f0(row.postgresCpuUs)} µs`}  at ${f0(results.settings.rate)}/s: p99 ${f2(row.p99Ms)} ms, p99.9 ${f2(row.p999Ms)} ms (worst bridge), ${f0(row.achievedRate)}/s kept${row.failed ? `, ${row.failed} failed` : ""}`,
  );
}

function decisionsLine(recorded: Record<string, number>, counted: number): string {
  const states = Object.entries(recorded)
    .map(([state, n]) => `${state} ${f0(n)}`)
    .join(", ");
  const duplicates = recorded.duplicate ?? 0;
  return `${f0(sum(recorded))} execution rows (${states || "none"}) for ${f0(counted)} answers counted by the load generators${duplicates ? ` — ${duplicates} DUPLICATES` : ""}`;
}

function matchLines(match: BenchResults["match"]): string[] {
  if (!match) return ["bench/match.ts: not present (or no runMatchBench export); skipped"];
  if ("error" in match) return [`bench/match.ts failed: ${match.error}`];
  const last = match.at(-1);
  return [
    "runbooks  ns/alert  ratio  build ms",
    ...match.map(
      (row) =>
        `${String(row.runbooks).padStart(8)}  ${String(row.nsPerAlert).padStart(8)}  ${row.ratio.toFixed(2).padStart(5)}  ${String(row.buildMs).padStart(8)}`,
    ),
    ...(last
      ? [`goal: ≤ 1.5× at ${f0(last.runbooks)} runbooks → ${last.ratio <= 1.5 ? "PASS" : "MISS"}`]
      : []),
  ];
}

export function renderConsole(results: BenchResults, verdicts: Verdict[]): string {
  const s = summarise(results);
  const lines = [
    "",
    `Runbridge benchmark — ${results.machine.nproc} × ${results.machine.model}, ${results.machine.memoryGiB} GiB, ${results.machine.date}${results.quick ? " (QUICK: not representative)" : ""}`,
    `runtime: ${results.machine.runtime}`,
    "",
    `throughput (wrk, ${results.settings.connections} connections, median of ${results.settings.rounds} × ${results.settings.throughputS} s):`,
    `  (a) bare Hono               ${f0(s.bare).padStart(7)} req/s        rounds: ${results.throughput.bare.map((x) => f0(x.rps)).join(", ")}`,
    `  (b) Hono + SQLite insert    ${f0(s.sqlite).padStart(7)} inserts/s    rounds: ${results.throughput.sqlite.map((x) => f0(x.rps)).join(", ")}`,
    `  (c) bridge                  ${f0(s.bridge).padStart(7)} decisions/s  rounds: ${results.throughput.bridge.map((x) => f0(x.rps)).join(", ")}`,
    `  bridge / (a) = ${f2(s.bridge / s.bare)}   bridge / (b) = ${f2(s.bridge / s.sqlite)}   (goal ≥ ${GOALS.throughputRatio})`,
    "",
    `latency at a fixed ${f0(results.settings.rate)} req/s (open loop, from the scheduled send; best of ${results.settings.latencyRounds} × ${results.settings.latencyS} s):`,
    ...(["sqlite", "bridge"] as const).map((key) => {
      const best = bestRound(results.latency[key]);
      const name = key === "sqlite" ? "(b) Hono + SQLite insert" : "(c) bridge              ";
      return best
        ? `  ${name}  p50 ${f2(best.p50Ms).padStart(6)} ms  p99 ${f2(best.p99Ms).padStart(7)} ms  p99.9 ${f2(best.p999Ms).padStart(7)} ms  max ${f2(best.maxMs).padStart(7)} ms   all rounds p99: ${results.latency[key].map((x) => f2(x.p99Ms)).join(", ")} ms`
        : `  ${name}  not measured`;
    }),
    `  bridge p99 / (b) p99 = ${f2((s.latencyBridge?.p99Ms ?? Number.NaN) / (s.latencySqlite?.p99Ms ?? Number.NaN))}`,
    "",
    `storm: ${f0(results.storm.sample.requests)} alerts in ${results.storm.sample.durationS.toFixed(1)} s (${f0(results.storm.sample.rps)} decisions/s)`,
    `  RSS idle ${f0(MB(results.storm.rssIdle))} MB → after ${f0(results.storm.warmup)}-alert warm-up ${f0(MB(results.storm.rssBefore))} MB → peak during ${f0(MB(results.storm.rssPeakDuring))} MB → after ${f0(MB(results.storm.rssAfter))} MB`,
    "",
    `decisions check (throughput + latency bridge): ${decisionsLine(results.decisions.recorded, results.decisions.counted)}`,
    `decisions check (storm bridge): ${decisionsLine(results.storm.recorded, results.storm.sample.requests + results.storm.warmup)}`,
    "",
    "goals:",
    ...verdicts.map((verdict) => `  ${tag(verdict.pass)}  ${verdict.goal}: ${verdict.figure}`),
    "",
    "bridges sharing one PostgreSQL database (bench/replicas.ts; load split evenly over them):",
    ...replicaLines(results).map((line) => `  ${line}`),
    "",
    "match benchmark (bench/match.ts):",
    ...matchLines(results.match).map((line) => `  ${line}`),
    "",
    `other processes on the machine during the measurements (cores): ${conditions(results)}`,
    `run took ${f0(results.durationS)} s`,
  ];
  return lines.join("\n");
}

function conditions(results: BenchResults): string {
  const all = [
    ...results.throughput.bare,
    ...results.throughput.sqlite,
    ...results.throughput.bridge,
    ...results.latency.sqlite,
    ...results.latency.bridge,
    results.storm.sample,
  ].map((sample) => sample.cpu.otherCores);
  return `median ${f2(median(all))} cores, max ${f2(Math.max(...all))} cores; load average at the end ${f2(results.loadAverageAtEnd)}`;
}

export const START_MARKER =
  "<!-- bench:results:start (written by `npm run bench`; edit outside the markers) -->";
export const END_MARKER = "<!-- bench:results:end -->";

export function renderMarkdown(results: BenchResults, verdicts: Verdict[]): string {
  const s = summarise(results);
  const m = results.machine;
  const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const latencyRow = (name: string, samples: LatencySample[]) => {
    const best = bestRound(samples);
    return best
      ? row([
          name,
          f2(best.p50Ms),
          f2(best.p90Ms),
          f2(best.p99Ms),
          f2(best.p999Ms),
          f2(best.maxMs),
          f0(best.achievedRate),
          samples.map((x) => f2(x.p99Ms)).join(", "),
        ])
      : row([name, "—", "—", "—", "—", "—", "—", "—"]);
  };
  const match = results.match;
  return [
    `Measured ${m.date.slice(0, 16).replace("T", " ")} UTC on ${m.nproc} × ${m.model}, ${m.memoryGiB} GiB RAM, Linux ${m.kernel}; the run took ${f0(results.durationS)} s.`,
    `Runtime: ${m.runtime}.`,
    `Other processes on the (shared) machine used ${conditions(results)}.`,
    "",
    "### Goals",
    "",
    row(["Goal", "Measured (ratios against baselines of the same run)", "Verdict"]),
    row(["---", "---", "---"]),
    ...verdicts.map((verdict) => row([verdict.goal, verdict.figure, `**${tag(verdict.pass)}**`])),
    "",
    `### Throughput (wrk, ${results.settings.connections} connections, 1 thread; median of ${results.settings.rounds} interleaved rounds of ${results.settings.throughputS} s)`,
    "",
    row(["Server", "req/s (median)", "× (a)", "× (b)", "rounds"]),
    row(["---", "---:", "---:", "---:", "---"]),
    row([
      "(a) bare Hono: read body, 200",
      f0(s.bare),
      "1.00",
      f2(s.bare / s.sqlite),
      results.throughput.bare.map((x) => f0(x.rps)).join(", "),
    ]),
    row([
      "(b) Hono + one SQLite insert (WAL, synchronous=NORMAL)",
      f0(s.sqlite),
      f2(s.sqlite / s.bare),
      "1.00",
      results.throughput.sqlite.map((x) => f0(x.rps)).join(", "),
    ]),
    row([
      "(c) bridge: validate, match, guards, one transaction",
      f0(s.bridge),
      f2(s.bridge / s.bare),
      f2(s.bridge / s.sqlite),
      results.throughput.bridge.map((x) => f0(x.rps)).join(", "),
    ]),
    "",
    `### Latency at a fixed ${f0(results.settings.rate)} req/s (open loop, measured from each request's scheduled send; best of ${results.settings.latencyRounds} rounds of ${results.settings.latencyS} s after a ${results.settings.latencyWarmupS} s lead-in)`,
    "",
    row([
      "Server",
      "p50 ms",
      "p90 ms",
      "p99 ms",
      "p99.9 ms",
      "max ms",
      "achieved req/s",
      "p99 of every round, ms",
    ]),
    row(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---"]),
    latencyRow("(b) Hono + SQLite insert", results.latency.sqlite),
    latencyRow("(c) bridge", results.latency.bridge),
    ...((bestRound(results.latency.bridge)?.achievedRate ?? 0) < results.settings.rate * 0.98
      ? [
          "",
          `The bridge could not sustain ${f0(results.settings.rate)} req/s (its throughput is lower), so it got one short round (1 s lead-in, 5 s): its latency is the growing queue, capped by the client's 10 s timeout.`,
        ]
      : []),
    "",
    `### Memory over a ${f0(results.settings.stormAlerts)}-alert storm (VmRSS of the bridge process)`,
    "",
    row([
      "Idle after start",
      `After ${f0(results.storm.warmup)}-alert warm-up (before)`,
      "Peak during",
      "After (+2 s)",
      "Growth",
      "Storm rate",
    ]),
    row(["---:", "---:", "---:", "---:", "---:", "---:"]),
    row([
      `${f0(MB(results.storm.rssIdle))} MB`,
      `${f0(MB(results.storm.rssBefore))} MB`,
      `${f0(MB(results.storm.rssPeakDuring))} MB`,
      `${f0(MB(results.storm.rssAfter))} MB`,
      `${MB(s.growth) >= 0 ? "+" : ""}${MB(s.growth).toFixed(1)} MB`,
      `${f0(results.storm.sample.rps)} decisions/s (${f0(results.storm.sample.requests)} in ${results.storm.sample.durationS.toFixed(1)} s)`,
    ]),
    "",
    "Every request was a real decision: " +
      `${decisionsLine(results.decisions.recorded, results.decisions.counted)} (throughput and latency phases); ` +
      `${decisionsLine(results.storm.recorded, results.storm.sample.requests + results.storm.warmup)} (storm).`,
    "",
    "### Bridges on PostgreSQL (`bench/replicas.ts`)",
    "",
    `1, 2 and 3 bridge processes sharing one PostgreSQL database, next to one bridge on SQLite, in the same run. Throughput: ${results.settings.connections} connections in all, split evenly over the bridges (one wrk each), median of ${results.settings.rounds} rounds. Latency: ${f0(results.settings.rate)} req/s in all, one open-loop generator per bridge at its share; the worst bridge's figures. The bridges, the load generators and PostgreSQL share this machine's cores; CPU per decision is their processes' CPU time over the throughput rounds (every PostgreSQL server process counted) divided by the decisions made, which says whether PostgreSQL or the bridges fill them.`,
    "",
    ...(results.replicas && !("skipped" in results.replicas)
      ? [
          row([
            "Configuration",
            "Decisions/s",
            "× SQLite",
            "Bridges' CPU per decision (µs)",
            "PostgreSQL's CPU per decision (µs)",
            "p99 (ms)",
            "p99.9 (ms)",
            "Rate kept (/s)",
          ]),
          row(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]),
          ...results.replicas.rows.map((r) =>
            row([
              r.label,
              f0(r.rps),
              f2(
                r.rps /
                  (results.replicas && !("skipped" in results.replicas)
                    ? (results.replicas.rows[0]?.rps ?? Number.NaN)
                    : Number.NaN),
              ),
              f0(r.bridgesCpuUs),
              r.postgresCpuUs === undefined ? "—" : f0(r.postgresCpuUs),
              f2(r.p99Ms),
              f2(r.p999Ms),
              f0(r.achievedRate),
            ]),
          ),
        ]
      : [replicaLines(results)[0] as string]),
    "",
    "### Match benchmark (`bench/match.ts`, routing cost per alert)",
    "",
    ...(match && !("error" in match)
      ? [
          row(["Runbooks", "ns/alert", "× 10 runbooks", "build ms"]),
          row(["---:", "---:", "---:", "---:"]),
          ...match.map((r) => row([f0(r.runbooks), f0(r.nsPerAlert), f2(r.ratio), f0(r.buildMs)])),
        ]
      : [matchLines(match)[0] as string]),
  ].join("\n");
}

const DOC_HEAD = `# Benchmarks

\`npm run bench\` (\`bench/run.ts\`) measures the bridge against two baselines started in the same
run, so the figures are ratios that travel between machines better than absolute numbers:

- **(a)** bare Hono on \`@hono/node-server\` 2: reads the body, answers 200.
- **(b)** Hono + one SQLite insert per request (better-sqlite3, WAL, \`synchronous=NORMAL\`,
  SQLite's default automatic checkpoint).
- **(c)** the bridge itself (\`startBridge\`): a temporary database, a snapshot of \`runbooks/\`,
  dry-run (nothing reaches GitHub), \`LOG_LEVEL=warn\`, \`RUNBRIDGE_STORM_MAX=100000\`.

Each server runs in its own process, and so does each load generator: \`wrk\` (one thread, 32
connections) for closed-loop throughput, and \`bench/load/open-loop.ts\` for latency at a fixed
1,000 requests/s, which measures each request from the moment it was *scheduled* to be sent so
a stall cannot hide itself (no coordinated omission). Every request is a ~1 KB Alertmanager
webhook (version 4, one firing \`NginxDown\` alert with the usual labels and annotations) with
its own fingerprint, startsAt and instance, so the bridge decides a new occurrence each time;
afterwards the runner counts the execution rows to prove it (no duplicates).

Goals (issue 4): bridge decisions/s ≥ 0.5 × (b); p99 ≤ 10 ms at 1,000 req/s; RSS growth ≤ 100 MB
over a 100,000-alert storm (VmRSS from \`/proc/<pid>/status\`, measured after a warm-up).

## How to reproduce

\`\`\`sh
npm ci
npm run bench                   # ~4 minutes; rewrites the results section below
BENCH_PROFILE=1 npm run bench   # also CPU-profiles the bridge and prints its hot spots
BENCH_QUICK=1 npm run bench     # smoke run (seconds); does not touch this file
\`\`\`

Needs \`wrk\` (Debian: \`apt-get install wrk\`). Run it on a quiet machine: the runner waits
briefly for other processes to go quiet before each measurement and reports how much CPU they
used anyway.

## Latest results

`;

export function writeBenchmarksDoc(file: string, results: string): void {
  const section = `${START_MARKER}\n${results}\n${END_MARKER}`;
  const current = existsSync(file) ? readFileSync(file, "utf8") : "";
  const start = current.indexOf(START_MARKER);
  const end = current.indexOf(END_MARKER);
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + section + current.slice(end + END_MARKER.length)
      : `${DOC_HEAD}${section}\n`;
  writeFileSync(file, next);
}
