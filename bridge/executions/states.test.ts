import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  ACTIVE_STATES,
  CANCELLABLE_ON_GITHUB_STATES,
  CANCELLABLE_STATES,
  COUNTED_IF_DISPATCHED_STATES,
  executionStates,
  FINAL_STATES,
  isExecutionState,
  NEVER_COUNTED_STATES,
  NOTIFIES_FAILURE_STATES,
  ON_GITHUB_STATES,
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
        "succeeded",
        "failed",
        "cancelled",
        "expired",
        "dispatch_failed",
      ],
    ],
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
    ["tell the runbook's channels remediation failed", NOTIFIES_FAILURE_STATES, ["failed"]],
  ])("%s", (_group, states, expected) => {
    expect([...states]).toEqual(expected);
  });

  it("every state is final or active, never both", () => {
    for (const state of executionStates) {
      expect(FINAL_STATES.includes(state) !== ACTIVE_STATES.includes(state), state).toBe(true);
    }
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

describe("one home for the groups of states", () => {
  it("no module but the state table lists states", () => {
    const copies = sources(BRIDGE)
      .filter((file) => !file.endsWith(join("executions", "states.ts")))
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
