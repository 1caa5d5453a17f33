import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runbridge } from "./run-cli.js";

const valid = "test/cli/fixtures/valid";
const invalid = "test/cli/fixtures/invalid";

describe("runbridge validate", () => {
  it("says how many runbooks and examples it checked and exits 0 when all are valid", () => {
    const run = runbridge(["validate", valid]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("ok: 3 runbooks valid (examples: 4 checked)\n");
    expect(run.stderr).toBe("");
  });

  it("prints every problem with file, line, column and field, and exits 1", () => {
    const run = runbridge(["validate", invalid]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      [
        `${invalid}/bad-duration.yml:8:13 guards.cooldown: "10 minutes" is not a duration (use 30s, 10m, 1h)`,
        `${invalid}/unknown-field.yml:7:1 priorty: unknown field "priorty"`,
        "",
      ].join("\n"),
    );
    expect(run.stderr).toContain(`error: 2 problems in ${invalid}`);
  });

  it("reports the problems as JSON with --json", () => {
    const run = runbridge(["validate", invalid, "--json"]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual({
      file: `${invalid}/bad-duration.yml`,
      line: 8,
      column: 13,
      path: "guards.cooldown",
      message: '"10 minutes" is not a duration (use 30s, 10m, 1h)',
    });
  });

  it("reports a valid set as JSON with --json", () => {
    const run = runbridge(["validate", valid, "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ ok: true, dir: valid, runbooks: 3, examples: 4, problems: [] });
  });

  it("reads the directory from RUNBRIDGE_RUNBOOKS when none is given", () => {
    const run = runbridge(["validate"], { env: { RUNBRIDGE_RUNBOOKS: valid } });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("ok: 3 runbooks valid (examples: 4 checked)\n");
  });

  it("fails with exit code 1 and says what to do when the directory does not exist", () => {
    const missing = join("test", "cli", "fixtures", "no-such-dir");
    const run = runbridge(["validate", missing]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${missing} cannot read the runbooks directory`);
    expect(run.stdout).toContain("Set RUNBRIDGE_RUNBOOKS");
  });
});
