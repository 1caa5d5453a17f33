import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["bridge/**/*.test.ts", "action/src/**/*.test.ts", "test/**/*.test.ts", "scripts/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // End-to-end suites start real Alertmanager/Prometheus processes and bind ports;
    // files run in parallel but each picks free ports itself.
    pool: "forks",
    // At least two files at once, even on 2 cores (vitest's default would be one): most suites
    // wait on real processes, sockets and timers rather than compute. Measured on 2 cores: the
    // suite (without the several-bridges files, which run alone) took 1,077 s one file at a time
    // and 548 s two at a time, every test passing.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
