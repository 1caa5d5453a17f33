import { describe, expect, it } from "vitest";
import { runbridge } from "./run-cli.js";

describe("runbridge usage", () => {
  it("prints the top-level usage and exits 0 with --help", () => {
    const run = runbridge(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: runbridge <command> \[options\]/);
    for (const command of ["validate", "route", "diff", "serve", "report"])
      expect(run.stdout).toContain(`  ${command} `);
    expect(run.stderr).toBe("");
  });

  it.each(["validate", "route", "diff", "serve", "report"])(
    "prints the usage of %s and exits 0 with --help or -h",
    (command) => {
      for (const flag of ["--help", "-h"]) {
        const run = runbridge([command, flag]);
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(new RegExp(`^Usage: runbridge ${command}`));
        expect(run.stdout).toContain("-h, --help");
      }
    },
  );

  it("rejects an unknown command with the usage on stderr and exit code 2", () => {
    const run = runbridge(["deploy"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain('runbridge: unknown command "deploy"');
    expect(run.stderr).toContain("Usage: runbridge <command> [options]");
  });

  it("rejects a missing command with exit code 2", () => {
    const run = runbridge([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("runbridge: missing command");
  });

  it("rejects an unknown flag with the command's usage and exit code 2", () => {
    const run = runbridge(["validate", "--strict"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("runbridge: Unknown option '--strict'");
    expect(run.stderr).toContain("Usage: runbridge validate [dir] [--json]");
  });

  it("rejects extra arguments with exit code 2", () => {
    const run = runbridge(["validate", "a", "b"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("runbridge: unexpected argument: b");
  });

  it("requires --base for diff", () => {
    const run = runbridge(["diff", "runbooks"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("missing --base <git-ref>");
  });
});
