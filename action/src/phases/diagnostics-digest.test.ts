import { describe, expect, it } from "vitest";
import type { StepResult } from "../steps/runner.js";
import { diagnosticsDigest } from "./diagnostics-digest.js";

const result = (over: Partial<StepResult>): StepResult => ({
  name: "step",
  kind: "run",
  status: "passed",
  continued: false,
  attempts: 1,
  durationMs: 2_000,
  output: "",
  ...over,
});

describe("diagnosticsDigest", () => {
  it("gives one line per step: how it ended, its time, the first line of its output", () => {
    expect(
      diagnosticsDigest([
        result({ name: "disk", output: "\n  /dev/sda1 91%  \nmore\n" }),
        result({
          name: "logs",
          status: "failed",
          reason: "script exited with code 2",
          durationMs: 40,
          output: "",
        }),
        result({ name: "skip", status: "skipped", durationMs: 0 }),
      ]),
    ).toBe(
      [
        "disk: passed in 2s — /dev/sda1 91%",
        "logs: failed (script exited with code 2) in 40ms",
        "skip: skipped in 0ms",
      ].join("\n"),
    );
  });

  it("bounds a long first line", () => {
    const [line] = diagnosticsDigest([result({ name: "big", output: "x".repeat(500) })]).split("\n");
    expect(line).toBe(`big: passed in 2s — ${"x".repeat(160)}…`);
  });

  it("says when the runbook has no diagnostics steps", () => {
    expect(diagnosticsDigest([])).toBe("the runbook has no diagnostics steps");
  });
});
