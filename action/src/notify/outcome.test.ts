import { describe, expect, it } from "vitest";
import { decideOutcome, type Jobs, parseJobs } from "./outcome.js";

const job = (result: string, outputs: Record<string, string> = {}) => ({ result, outputs });
const base: Jobs = {
  plan: job("success", { remediate: "true", dry_run: "false" }),
  "health-check": job("success", { healthy: "false" }),
  diagnostics: job("success"),
};

describe("run outcome", () => {
  it.each<[string, Jobs, string, boolean]>([
    [
      "remediated and verified",
      { ...base, remediate: job("success"), verify: job("success"), rollback: job("skipped") },
      "remediated",
      true,
    ],
    ["already healthy", { ...base, "health-check": job("success", { healthy: "true" }) }, "healthy", true],
    [
      "verify failed, rolled back",
      { ...base, remediate: job("success"), verify: job("failure"), rollback: job("success") },
      "rolled-back",
      false,
    ],
    [
      "verify and rollback failed",
      { ...base, remediate: job("success"), verify: job("failure"), rollback: job("failure") },
      "failed",
      false,
    ],
    ["remediation failed", { ...base, remediate: job("failure") }, "failed", false],
    [
      "notify-only runbook",
      { ...base, plan: job("success", { remediate: "false" }), remediate: job("skipped") },
      "notified",
      true,
    ],
    [
      "dry run",
      { ...base, plan: job("success", { remediate: "true", dry_run: "true" }), remediate: job("success") },
      "dry-run",
      true,
    ],
    ["plan failed", { plan: job("failure") }, "failed", false],
    ["cancelled", { ...base, remediate: job("cancelled") }, "cancelled", false],
  ])("%s", (_, jobs, outcome, success) => {
    expect(decideOutcome(jobs)).toMatchObject({ outcome, success });
  });

  it("reads the needs context as the workflow passes it", () => {
    const jobs = parseJobs(
      '{"plan":{"result":"success","outputs":{"remediate":"true"}},"verify":{"result":"failure","outputs":{}}}',
    );
    expect(jobs.plan).toEqual({ result: "success", outputs: { remediate: "true" } });
    expect(() => parseJobs("[")).toThrow("input needs is not valid JSON");
  });
});
