import { describe, expect, it } from "vitest";
import { laterJobStatus, stateFromConclusion, stateFromJobs, stateFromRunStatus } from "./run-observation.js";
import { advance, type ExecutionState, executionStates, FINAL_STATES, isFinal } from "./states.js";

const ORDER: ExecutionState[] = ["pending", "dispatched", "queued", "awaiting_approval", "succeeded"];

describe("advance", () => {
  it.each([
    ["pending", "dispatched", "dispatched"],
    ["dispatched", "queued", "queued"],
    ["dispatched", "running", "running"],
    ["queued", "awaiting_approval", "awaiting_approval"],
    ["queued", "running", "running"],
    ["awaiting_approval", "running", "running"],
    ["running", "awaiting_approval", "awaiting_approval"],
    ["running", "succeeded", "succeeded"],
    ["awaiting_approval", "cancelled", "cancelled"],
    ["queued", "failed", "failed"],
    ["dispatched", "succeeded", "succeeded"],
  ] as const)("%s + %s → %s", (current, observed, next) => {
    expect(advance(current, observed)).toBe(next);
  });

  it.each([
    ["queued", "dispatched"],
    ["running", "queued"],
    ["awaiting_approval", "queued"],
    ["awaiting_approval", "dispatched"],
    ["running", "pending"],
  ] as const)("never backwards: %s + %s → nothing", (current, observed) => {
    expect(advance(current, observed)).toBeUndefined();
  });

  it("a repeated observation is old news", () => {
    for (const state of executionStates) expect(advance(state, state)).toBeUndefined();
  });

  it("a final state never moves, whatever arrives", () => {
    for (const final of FINAL_STATES) {
      for (const observed of executionStates)
        expect(advance(final, observed), `${final} + ${observed}`).toBeUndefined();
    }
  });

  it("moves only forward along the whole chain, in any order of observations", () => {
    for (const [i, from] of ORDER.entries()) {
      for (const [j, to] of ORDER.entries()) {
        const next = advance(from, to);
        if (j > i) expect(next, `${from} → ${to}`).toBe(to);
        else expect(next, `${from} → ${to}`).toBeUndefined();
      }
    }
  });

  it("states outside the run's life (suppressed, dry_run, notified, dispatch_failed) are final", () => {
    for (const state of ["suppressed", "dry_run", "notified", "dispatch_failed"] as const) {
      expect(isFinal(state)).toBe(true);
      expect(advance("queued", state)).toBeUndefined();
    }
    expect(isFinal("running")).toBe(false);
  });
});

describe("job statuses", () => {
  it.each([
    [undefined, "queued", "queued"],
    ["queued", "waiting", "waiting"],
    ["waiting", "in_progress", "in_progress"],
    ["in_progress", "waiting", "in_progress"],
    ["in_progress", "queued", "in_progress"],
    ["completed", "in_progress", "completed"],
    ["completed", "waiting", "completed"],
    ["in_progress", "completed", "completed"],
  ] as const)("%s then %s → %s", (current, observed, expected) => {
    expect(laterJobStatus(current, observed)).toBe(expected);
  });

  it.each([
    [[], undefined],
    [["queued"], "queued"],
    [["queued", "queued"], "queued"],
    [["completed", "waiting"], "awaiting_approval"],
    [["in_progress", "waiting"], "awaiting_approval"],
    [["completed", "queued"], "running"],
    [["in_progress"], "running"],
    [["completed", "completed"], "running"],
  ] as const)("jobs %j imply %s", (statuses, expected) => {
    expect(stateFromJobs(statuses)).toBe(expected);
  });
});

describe("run status and conclusion", () => {
  it.each([
    ["success", "succeeded"],
    ["neutral", "succeeded"],
    ["skipped", "succeeded"],
    ["cancelled", "cancelled"],
    ["failure", "failed"],
    ["timed_out", "failed"],
    ["startup_failure", "failed"],
    ["action_required", "failed"],
    ["stale", "failed"],
    [null, "failed"],
    [undefined, "failed"],
  ] as const)("conclusion %s → %s", (conclusion, expected) => {
    expect(stateFromConclusion(conclusion)).toBe(expected);
  });

  it.each([
    ["queued", "queued"],
    ["requested", "queued"],
    ["pending", "queued"],
    ["waiting", "awaiting_approval"],
    ["in_progress", "running"],
    [null, "queued"],
  ] as const)("status %s → %s", (status, expected) => {
    expect(stateFromRunStatus(status)).toBe(expected);
  });
});
