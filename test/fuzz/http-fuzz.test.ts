/**
 * The short fuzzing pass of the test command: a fixed seed, so it is the same cases every run
 * (`npm run fuzz` runs ≥ 100,000 with any seed). Every answer must be 2xx or 4xx, the bridge
 * must still be healthy, and the database invariants (bridge/store/invariants.ts) must hold.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkInvariants } from "../../bridge/store/invariants.js";
import { type FuzzedBridge, startFuzzedBridge } from "./fuzz-bridge.js";
import { fuzz } from "./run-fuzz.js";

const SEED = 20261206;
const CASES = 1_500;

let fuzzed: FuzzedBridge;

beforeAll(async () => {
  fuzzed = await startFuzzedBridge();
}, 60_000);

afterAll(async () => {
  await fuzzed?.close();
});

describe("HTTP fuzzing (fixed seed)", () => {
  it(`answers ${CASES} generated and mutated Alertmanager and GitHub deliveries with 2xx/4xx only`, async () => {
    const report = await fuzz(fuzzed.target, { seed: SEED, cases: CASES });
    expect(report.failures).toEqual([]);
    // The pass reached real decisions and real handlers, not only the parsers' 400s.
    expect(report.byStatus["200"] ?? 0).toBeGreaterThan(CASES / 10);
    expect(report.byStatus["400"] ?? 0).toBeGreaterThan(0);
    const health = await fetch(`${fuzzed.target.url}/healthz`);
    expect(health.status).toBe(200);
  }, 240_000);

  it("leaves a database whose invariants hold", async () => {
    expect(await checkInvariants(fuzzed.bridge.db)).toEqual([]);
  });
});
