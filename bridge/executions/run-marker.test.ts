import { describe, expect, it } from "vitest";
import {
  executionIdInRunName,
  MAX_RUN_NAME_TARGET,
  manualRunInName,
  runNameFor,
  runNameText,
} from "./run-marker.js";

const ID = "ex_01m8t3zryqhj59jtsx";
const OTHER = "ex_01m8t3zs67tg3yw4aj";

describe("executionIdInRunName", () => {
  it.each<[string, string | null | undefined, string | undefined]>([
    ["the marker that ends the name", `Remediate nginx-down on web-1 [${ID}]`, ID],
    ["trailing whitespace is fine", `Remediate nginx-down on web-1 [${ID}] `, ID],
    [
      "only the last bracket counts: alert text earlier cannot claim a run",
      `Remediate x on [${OTHER}] [${ID}]`,
      ID,
    ],
    ["a marker not at the end is nobody's", `Remediate x on [${OTHER}] web-1`, undefined],
    ["a manual run is nobody's", "Remediate nginx-down on web-1 [manual-12345]", undefined],
    ["no name", null, undefined],
  ])("%s", (_case, name, id) => {
    expect(executionIdInRunName(name)).toBe(id);
  });
});

describe("runNameText", () => {
  it("shows alert text without brackets or control characters, so it can never form a marker", () => {
    expect(runNameText(`web-1 [${OTHER}]`)).toBe(`web-1 _${OTHER}_`);
    expect(runNameText("web-1\n::warning::x")).toBe("web-1_::warning::x");
    expect(executionIdInRunName(`Remediate ${runNameFor("r", `[${OTHER}]`)} [${ID}]`)).toBe(ID);
  });

  it("is bounded, so GitHub cutting a long name cannot bring alert text to the end", () => {
    const shown = runNameText("x".repeat(10_000));
    expect(shown.length).toBe(MAX_RUN_NAME_TARGET);
    expect(shown.endsWith("…")).toBe(true);
  });

  it("names the runbook and, when there is one, the target", () => {
    expect(runNameFor("nginx-down", "web-1")).toBe("nginx-down on web-1");
    expect(runNameFor("nginx-down", null)).toBe("nginx-down");
  });
});

describe("manualRunInName", () => {
  it.each([
    ["Remediate nginx-down on web-1 [manual-42]", 42, { runbook: "nginx-down", target: "web-1" }],
    ["Remediate nginx-down on web 1:9113 [manual-42]", 42, { runbook: "nginx-down", target: "web 1:9113" }],
    // No target given: the workflow's format() leaves "on" with nothing after it.
    ["Remediate nginx-down on  [manual-42]", 42, { runbook: "nginx-down", target: null }],
    ["Remediate nginx-down [manual-42]", 42, { runbook: "nginx-down", target: null }],
    // Another run's marker, a bridge execution's marker, or no marker: not this manual run.
    ["Remediate nginx-down on web-1 [manual-41]", 42, undefined],
    [`Remediate nginx-down on web-1 [${ID}]`, 42, undefined],
    ["Remediate nginx-down on web-1", 42, undefined],
    ["Deploy nginx-down on web-1 [manual-42]", 42, undefined],
    [undefined, 42, undefined],
  ])("%j (run %i) → %j", (name, runId, expected) => {
    expect(manualRunInName(name, runId)).toEqual(expected);
  });
});
