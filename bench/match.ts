/**
 * @module
 * Match benchmark: routes the same 200 alerts against 10, 1,000 and 10,000 generated
 * runbooks and reports the cost per alert as a ratio to the 10-runbook case. The index
 * promises flat cost (goal: ≤ 1.5× at 10,000). Building the set (YAML → schema →
 * index) is timed separately: it happens once per runbook change, not per alert.
 *
 * @example
 *   npx tsx bench/match.ts
 */
import { fileURLToPath } from "node:url";
import type { MatchableAlert } from "../bridge/runbooks/alert-shape.js";
import type { MatchIndex } from "../bridge/runbooks/match-index.js";
import { buildRunbookSet } from "../bridge/runbooks/runbook-set.js";
import { generateAlerts, generateRunbooks } from "./generate-runbooks.js";

export interface MatchBenchRow {
  runbooks: number;
  /** Median cost of routing one alert, in nanoseconds. */
  nsPerAlert: number;
  /** nsPerAlert divided by the 10-runbook case's. */
  ratio: number;
  /** Time to build the set from YAML text: parse, validate, defaults, index. */
  buildMs: number;
}

export interface MatchBenchOptions {
  sizes?: number[];
  alerts?: number;
  /** Timed rounds per size; the median is reported. */
  rounds?: number;
  /** How long one round routes the alerts, repeatedly. */
  roundMs?: number;
}

const now = () => process.hrtime.bigint();

/** Routes every alert once; returns a checksum so the work cannot be optimised away. */
function routeAll(index: MatchIndex, alerts: readonly MatchableAlert[]): number {
  let checksum = 0;
  for (const alert of alerts) {
    const result = index.route(alert);
    checksum += (result.winner?.priority ?? 1) + result.lost.length + result.rejected.length;
  }
  return checksum;
}

/** Nanoseconds per alert for one round of about `roundMs`. */
function round(index: MatchIndex, alerts: readonly MatchableAlert[], roundMs: number): [number, number] {
  let passes = 0;
  let checksum = 0;
  const start = now();
  const budget = BigInt(roundMs) * 1_000_000n;
  while (now() - start < budget) {
    checksum += routeAll(index, alerts);
    passes++;
  }
  const elapsed = Number(now() - start);
  return [elapsed / (passes * alerts.length), checksum];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * The extra runbooks of the larger sets must not change where any alert goes: otherwise the
 * sizes would be doing different work and the ratio would compare different workloads.
 */
function assertSameRouting(
  built: { runbooks: number; index: MatchIndex }[],
  alerts: readonly MatchableAlert[],
) {
  const winners = (index: MatchIndex) =>
    alerts.map((alert) => {
      const result = index.route(alert);
      return `${result.winner?.runbook.runbook.name}:${result.lost.length}:${result.rejected.length}`;
    });
  const [first, ...rest] = built;
  if (!first) return;
  const expected = winners(first.index);
  for (const entry of rest) {
    const actual = winners(entry.index);
    const differs = actual.findIndex((winner, position) => winner !== expected[position]);
    if (differs !== -1) {
      throw new Error(
        `alert ${differs} routes differently with ${entry.runbooks} runbooks (${actual[differs]}) than with ${first.runbooks} (${expected[differs]})`,
      );
    }
  }
}

/** Builds each set, routes the same alerts against it, and reports cost per alert. */
export async function runMatchBench(options: MatchBenchOptions = {}): Promise<{ rows: MatchBenchRow[] }> {
  const { sizes = [10, 1_000, 10_000], alerts: alertCount = 200, rounds = 15, roundMs = 100 } = options;
  const alerts = generateAlerts(alertCount);
  const built: { runbooks: number; index: MatchIndex; buildMs: number }[] = [];
  for (const size of sizes) {
    const sources = generateRunbooks(size);
    const start = now();
    const { set, problems } = buildRunbookSet(sources);
    const buildMs = Number(now() - start) / 1e6;
    if (!set) throw new Error(`generated set of ${size} runbooks is invalid:\n${problems.join("\n")}`);
    built.push({ runbooks: size, index: set.index, buildMs });
  }
  assertSameRouting(built, alerts);
  // Interleave sizes round by round so drift (CPU frequency, other processes) hits all alike.
  const samples = built.map(() => [] as number[]);
  // Warm-up: one untimed round each, so V8 has optimised route() and the compiled matchers.
  for (const entry of built) round(entry.index, alerts, roundMs);
  for (let count = 0; count < rounds; count++) {
    built.forEach((entry, position) => {
      samples[position]?.push(round(entry.index, alerts, roundMs)[0]);
    });
  }
  const costs = samples.map(median);
  const base = costs[0] ?? 1;
  const rows = built.map((entry, position) => ({
    runbooks: entry.runbooks,
    nsPerAlert: Math.round(costs[position] ?? 0),
    ratio: Math.round(((costs[position] ?? 0) / base) * 100) / 100,
    buildMs: Math.round(entry.buildMs),
  }));
  return { rows };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { rows } = await runMatchBench();
  console.log("runbooks  ns/alert  ratio  build ms");
  for (const row of rows) {
    console.log(
      `${String(row.runbooks).padStart(8)}  ${String(row.nsPerAlert).padStart(8)}  ${row.ratio.toFixed(2).padStart(5)}  ${String(row.buildMs).padStart(8)}`,
    );
  }
  const last = rows.at(-1);
  if (last)
    console.log(`goal: ≤ 1.5× at ${last.runbooks} runbooks → ${last.ratio <= 1.5 ? "met" : "missed"}`);
}
