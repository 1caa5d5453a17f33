import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  ACTIVE_STATES,
  advance,
  CANCELLABLE_ON_GITHUB_STATES,
  CANCELLABLE_STATES,
  COUNTED_IF_DISPATCHED_STATES,
  executionStates,
  FINAL_STATES,
  isExecutionState,
  isFinal,
  isRunOver,
  NEVER_COUNTED_STATES,
  NOTIFIES_FAILURE_STATES,
  ON_GITHUB_STATES,
  RUN_OUTCOME_STATES,
  traitsOf,
  UNSETTLED_STATES,
  WATCHING_STATES,
} from "./states.js";

describe("the state table's groups", () => {
  it.each([
    [
      "final",
      FINAL_STATES,
      [
        "suppressed",
        "dry_run",
        "notified",
        "notify_failed",
        "verified",
        "not_cleared",
        "failed",
        "rolled_back",
        "cancelled",
        "expired",
        "dispatch_failed",
      ],
    ],
    ["watching the alert after the run succeeded", WATCHING_STATES, ["succeeded"]],
    [
      "outcome not known yet (a half-open probe in one has not finished)",
      UNSETTLED_STATES,
      ["notifying", "pending", "dispatched", "queued", "awaiting_approval", "running", "succeeded"],
    ],
    ["how a dispatched run ended", RUN_OUTCOME_STATES, ["verified", "not_cleared", "failed", "rolled_back"]],
    [
      // notifying never reaches GitHub: it is never committed to dispatch, so no guard counts it.
      "active (block their target)",
      ACTIVE_STATES,
      ["notifying", "pending", "dispatched", "queued", "awaiting_approval", "running"],
    ],
    ["on GitHub", ON_GITHUB_STATES, ["dispatched", "queued", "awaiting_approval", "running"]],
    [
      "cancellable when the alert resolves",
      CANCELLABLE_STATES,
      ["pending", "dispatched", "queued", "awaiting_approval"],
    ],
    ["cancellable on GitHub", CANCELLABLE_ON_GITHUB_STATES, ["dispatched", "queued", "awaiting_approval"]],
    [
      "never a dispatch",
      NEVER_COUNTED_STATES,
      ["suppressed", "dry_run", "notifying", "notified", "notify_failed", "expired", "dispatch_failed"],
    ],
    ["a dispatch only once it reached GitHub", COUNTED_IF_DISPATCHED_STATES, ["cancelled"]],
    [
      "tell the runbook's channels remediation failed",
      NOTIFIES_FAILURE_STATES,
      ["not_cleared", "failed", "rolled_back"],
    ],
  ])("%s", (_group, states, expected) => {
    expect([...states]).toEqual(expected);
  });

  it("every state is exactly one of final, active or watching", () => {
    for (const state of executionStates) {
      const groups = [FINAL_STATES, ACTIVE_STATES, WATCHING_STATES].filter((group) => group.includes(state));
      expect(groups, state).toHaveLength(1);
    }
  });

  it("only the outcome of a run feeds the breaker, never succeeded: the alert decides", () => {
    expect(executionStates.filter((state) => traitsOf(state).breaker === "failure")).toEqual([
      "not_cleared",
      "failed",
      "rolled_back",
      "dispatch_failed",
    ]);
    expect(executionStates.filter((state) => traitsOf(state).breaker === "success")).toEqual(["verified"]);
  });

  it("a run over is not moved by GitHub's later observations, but a watched one is not final", () => {
    expect(advance("succeeded", "failed")).toBeUndefined();
    expect(advance("succeeded", "running")).toBeUndefined();
    expect(advance("running", "rolled_back")).toBe("rolled_back");
    expect(isRunOver("succeeded")).toBe(true);
    expect(isFinal("succeeded")).toBe(false);
  });

  it("knows its own states and nothing else", () => {
    expect(isExecutionState("running")).toBe(true);
    expect(isExecutionState("toString")).toBe(false);
    expect(isExecutionState("<script>")).toBe(false);
  });
});

const BRIDGE = fileURLToPath(new URL("..", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** Places that spell out two or more states in a list: a group of states written a second time. */
function stateListsIn(text: string): string[] {
  const quoted = executionStates.map((state) => `["'\`]${state}["'\`]`).join("|");
  const list = new RegExp(`(?:${quoted})\\s*,\\s*(?:${quoted})`, "g");
  return [...text.matchAll(list)].map((match) => match[0]);
}

/** Lists that only look like states: the outbox row's own states share two of the names. */
const NOT_EXECUTION_STATES = new Set(['store/schema.ts: "cancelled", "failed"']);
/**
 * Files whose lists are of something else named like states: the scorecard's outcome buckets
 * (several are named after the state they count). Its map from state to bucket is typed
 * exhaustive over ExecutionState, so a new state cannot be left out of it.
 */
const NOT_STATE_LIST_FILES = new Set([join("scorecard", "outcome-buckets.ts")]);

describe("one home for the groups of states", () => {
  it("no module but the state table lists states", () => {
    const copies = sources(BRIDGE)
      .filter((file) => !file.endsWith(join("executions", "states.ts")))
      .filter((file) => !NOT_STATE_LIST_FILES.has(relative(BRIDGE, file)))
      .flatMap((file) =>
        stateListsIn(readFileSync(file, "utf8")).map((list) => `${relative(BRIDGE, file)}: ${list}`),
      )
      .filter((copy) => !NOT_EXECUTION_STATES.has(copy));
    expect(copies).toEqual([]);
  });

  it("the check finds a copied list", () => {
    expect(stateListsIn(`const IN_FLIGHT = ["dispatched", "queued", "running"];`)).toEqual([
      '"dispatched", "queued"',
    ]);
    expect(stateListsIn(`if (state === "queued") return;`)).toEqual([]);
  });
});
