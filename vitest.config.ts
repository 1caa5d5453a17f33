import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["bridge/**/*.test.ts", "action/src/**/*.test.ts", "test/**/*.test.ts", "scripts/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // End-to-end suites start real Alertmanager/Prometheus processes and bind ports;
    // files run in parallel but each picks free ports itself.
    pool: "forks",
  },
});
