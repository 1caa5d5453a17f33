import { describe, expect, it } from "vitest";
import { resolveRunbook } from "../runbooks/resolve.js";
import type { Runbook } from "../runbooks/runbook.types.js";
import { unheldApproval } from "./approval-readiness.js";
import { judgeProtection } from "./environment-protection.js";

function runbook(over: Partial<Runbook>) {
  return resolveRunbook({
    name: "api-rollback",
    description: "test",
    owner: "@test",
    match: { alertname: "ApiErrors" },
    mode: "approval",
    environment: "remediation-production",
    ...over,
  });
}

const reviewed = judgeProtection("remediation-production", {
  name: "remediation-production",
  reviewers: [{ type: "User", name: "alice" }],
  canAdminsBypass: true,
});
const noReviewers = judgeProtection("remediation-production", {
  name: "remediation-production",
  reviewers: [],
  canAdminsBypass: true,
});
const missing = judgeProtection("remediation-production", undefined);

describe("unheldApproval", () => {
  it.each([
    ["not an approval runbook", { mode: "auto" }, noReviewers, undefined],
    ["environment with reviewers", { approval: "environment" }, reviewed, undefined],
    ["environment not read yet: unknown is not unheld", { approval: "environment" }, undefined, undefined],
    [
      "approval: environment, no reviewers",
      { approval: "environment" },
      noReviewers,
      ["no_reviewers", "error"],
    ],
    [
      "approval: environment, no environment",
      { approval: "environment" },
      missing,
      ["environment_missing", "error"],
    ],
    ["auto, no reviewers, approvers", { approval: "auto", approvers: ["alice"] }, noReviewers, undefined],
    ["auto, no reviewers, no approvers", { approval: "auto" }, noReviewers, ["no_approvers", "warning"]],
    ["auto, reviewers, no approvers", { approval: "auto" }, reviewed, undefined],
    ["bridge with approvers", { approval: "bridge", approvers: ["acme/sre"] }, undefined, undefined],
  ] as [
    string,
    Partial<Runbook>,
    ReturnType<typeof judgeProtection> | undefined,
    [string, string] | undefined,
  ][])("%s", (_, over, verdict, expected) => {
    const unheld = unheldApproval(runbook(over), verdict);
    expect(unheld && [unheld.reason, unheld.severity]).toEqual(expected);
  });

  it("says what happens and what to configure", () => {
    expect(unheldApproval(runbook({ approval: "environment" }), noReviewers)).toMatchObject({
      runbook: "api-rollback",
      environment: "remediation-production",
      problem: expect.stringContaining("every execution is suppressed, never run"),
      fix: expect.stringContaining("give environment remediation-production required reviewers"),
    });
    expect(unheldApproval(runbook({ approval: "auto" }), missing)).toMatchObject({
      problem: expect.stringContaining("it can only expire"),
      fix: expect.stringContaining("`approvers`"),
    });
  });
});
