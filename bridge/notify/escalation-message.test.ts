import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type LoopHarness, startLoopHarness } from "../../test/loop/harness.js";
import type { ResolvedRunbook } from "../runbooks/resolved-runbook.js";
import type { Execution } from "../store/executions.js";
import { escalationMessage } from "./escalation-message.js";

const MINUTE = 60_000;

let h: LoopHarness;
let execution: Execution;
let runbook: ResolvedRunbook;

beforeEach(async () => {
  h = await startLoopHarness();
  execution = await h.dispatched({ state: "awaiting_approval", awaitingSince: h.clock.now });
  runbook = h.runbooks.set?.index.byName.get("nginx-loop")?.runbook as ResolvedRunbook;
});
afterEach(async () => {
  expect(h.gh.violations).toEqual([]);
  await h.close();
});

describe("escalationMessage", () => {
  it("names the runbook, target, alert, wait, environment and the run link", () => {
    expect(escalationMessage(execution, runbook, 42 * MINUTE)).toEqual({
      headline:
        "nginx-loop on `web-1` (`NginxDown`, `critical`) has waited 42m for approval in environment remediation-production; approve or reject it",
      details: [`Run: ${execution.runUrl}`],
    });
  });

  it("for an approval the bridge holds, says where to answer instead of naming an environment", () => {
    const held = { ...execution, runId: null, runUrl: null, approvalHeldAt: h.clock.now, approvalIssue: 7 };
    expect(escalationMessage(held, runbook, 42 * MINUTE)).toEqual({
      headline:
        "nginx-loop on `web-1` (`NginxDown`, `critical`) has waited 42m for approval held by Runbridge; comment /approve or /reject <why> in issue #7",
      details: [],
    });
  });
});
