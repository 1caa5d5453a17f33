/**
 * @module
 * What a benchmark run measures with (its settings) and what one measurement is (a sample):
 * shared by bench/run.ts, which takes them, and bench/report.ts, which renders them, so
 * neither imports the other.
 */
import type { OpenLoopResult } from "./load/open-loop.js";
import type { WrkResult } from "./load/wrk.js";
import type { CpuShare } from "./machine.js";

/** BENCH_QUICK=1: a short smoke run whose figures are not written to docs/benchmarks.md. */
export const QUICK = process.env.BENCH_QUICK === "1";

export const SETTINGS = QUICK
  ? {
      connections: 32,
      wrkThreads: 1,
      warmupS: 1,
      throughputS: 2,
      rounds: 1,
      rate: 1_000,
      latencyWarmupS: 1,
      latencyS: 3,
      latencyRounds: 1,
      stormAlerts: 5_000,
      stormWarmup: 500,
      stormTimeoutS: 60,
    }
  : {
      connections: 32,
      wrkThreads: 1,
      warmupS: 2,
      throughputS: 6,
      rounds: 3,
      rate: 1_000,
      latencyWarmupS: 3,
      latencyS: 10,
      latencyRounds: 2,
      stormAlerts: 100_000,
      stormWarmup: 2_000,
      stormTimeoutS: 150,
    };
export type Settings = typeof SETTINGS;

/** One closed-loop (wrk) measurement, with the load the rest of the machine put on it. */
export type ThroughputSample = WrkResult & { background: number; cpu: CpuShare };
/** One open-loop measurement at a fixed rate, with the same context. */
export type LatencySample = OpenLoopResult & { background: number; cpu: CpuShare };
