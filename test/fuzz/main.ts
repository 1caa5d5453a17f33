/**
 * @module
 * `npm run fuzz`: the long fuzzing run. FUZZ_CASES (default 100,000) generated and mutated
 * deliveries against the real bridge, from FUZZ_SEED (default: a fresh one, printed, so any
 * failure can be replayed), then the database invariants. Exit 1 on any 5xx, lost answer or
 * broken invariant.
 */
import { checkInvariants } from "../../bridge/store/invariants.js";
import { startFuzzedBridge } from "./fuzz-bridge.js";
import { fuzz } from "./run-fuzz.js";

const cases = Number(process.env.FUZZ_CASES ?? 100_000);
const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const say = (line: string) => process.stderr.write(`[fuzz] ${line}\n`);

const fuzzed = await startFuzzedBridge();
let failed = false;
try {
  say(`${cases} cases from FUZZ_SEED=${seed} against ${fuzzed.target.url}`);
  const report = await fuzz(fuzzed.target, {
    seed,
    cases,
    onProgress: (done) => {
      if (done % 10_000 === 0) say(`${done} cases`);
    },
  });
  say(`answers by status: ${JSON.stringify(report.byStatus)} in ${(report.durationMs / 1_000).toFixed(1)} s`);
  for (const failure of report.failures.slice(0, 20)) say(`FAIL ${JSON.stringify(failure)}`);
  if (report.failures.length > 0) {
    failed = true;
    say(
      `${report.failures.length} answers were 5xx or missing; replay with FUZZ_SEED=${seed} FUZZ_CASES=${cases}`,
    );
  }
  const health = await fetch(`${fuzzed.target.url}/healthz`);
  if (health.status !== 200) {
    failed = true;
    say(`/healthz answered ${health.status} after the run`);
  }
  const violations = await checkInvariants(fuzzed.bridge.db);
  for (const violation of violations) say(`INVARIANT BROKEN ${JSON.stringify(violation)}`);
  if (violations.length > 0) failed = true;
  else say("database invariants hold");
} finally {
  await fuzzed.close();
}
process.exit(failed ? 1 : 0);
