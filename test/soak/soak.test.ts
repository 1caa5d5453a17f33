// The soak, shortened for the test command: two minutes of mixed traffic at 200 requests/s with a
// SIGTERM restart every 40 s (`npm run soak` runs 30 minutes, a restart every 5). It asserts no
// timing: only the accounting (every alert answered 2xx has exactly one execution, every
// dispatched one exactly one run), the drained outbox, the invariants, clean stops, and "flat" as
// a generous bound — RSS in the last minute under 1.5 × the first minute's, and the last lifetime's
// most descriptors within 64 (the most requests the soak keeps in flight, each a socket) of the
// first's.
import { describe, expect, it } from "vitest";
import { formatReport, runSoak } from "./soak.js";

describe("soak (2 minutes, restart every 40 s)", () => {
  it("accounts for every accepted alert, drains, keeps the invariants, and stays flat", async () => {
    const report = await runSoak({ durationMs: 120_000, restartEveryMs: 40_000, rate: 200 });
    console.log(`[soak]\n${formatReport(report)}`);
    expect(report.problems).toEqual([]);
    expect(report.lifetimes.length).toBeGreaterThanOrEqual(3);
    expect(report.requests.byAnswer["200"] ?? 0).toBeGreaterThan(1_000);
    expect(report.requests.byKind["github workflow_run"] ?? 0).toBeGreaterThan(0);
    expect(report.runs).toBeGreaterThan(0);
    expect(report.rssLastMinuteKb).toBeLessThan(report.rssFirstMinuteKb * 1.5);
    const first = report.lifetimes[0];
    const last = report.lifetimes.at(-1);
    expect((last?.fds.max ?? 0) - (first?.fds.max ?? 0)).toBeLessThan(64);
  }, 200_000);
});
