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
      // The open-loop generator is a fresh Node process each round, and ~10 s after it starts,
      // at 1,000 req/s, V8 optimizes its HTTP client on worker threads: ~130 ms of CPU within
      // 200 ms on this 2-core machine, which starved the server: after a 3 s lead-in, five runs
      // of a probe in five had a cluster of 16-86 slow requests (max 20-108 ms) 7.5 s into the
      // round. With 15 s, two runs in two had no such cluster (docs/benchmarks.md).
      latencyWarmupS: 15,
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
