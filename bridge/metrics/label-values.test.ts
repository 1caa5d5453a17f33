import { describe, expect, it } from "vitest";
import { GUARD_LABELS, oneOf, runbookLabel, targetLabel } from "./label-values.js";

describe("label values", () => {
  const loaded = new Set(["nginx-down", "db-down"]);
  const isLoaded = (name: string) => loaded.has(name);

  it.each([
    ["nginx-down", "nginx-down"],
    ["renamed-since", "other"],
    ['evil"} 1', "other"],
    [null, "none"],
    [undefined, "none"],
    ["", "none"],
  ])("turns runbook %j into %j", (name, label) => {
    expect(runbookLabel(name, isLoaded)).toBe(label);
  });

  it.each([
    ["cooldown", "cooldown"],
    ["storm_limit", "storm_limit"],
    ["<script>", "other"],
    [42, "other"],
    [undefined, "other"],
  ])("keeps guard %j as %j", (guard, label) => {
    expect(oneOf(guard, GUARD_LABELS)).toBe(label);
  });

  it("cuts targets to 64 printable characters", () => {
    expect(targetLabel("web-1")).toBe("web-1");
    expect(targetLabel(null)).toBe("");
    expect(targetLabel("a\nb\u0000c")).toBe("a?b?c");
    const long = targetLabel("x".repeat(500));
    expect(long).toHaveLength(64);
    expect(long.endsWith("…")).toBe(true);
  });
});
