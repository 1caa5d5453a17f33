import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixtures, runbridge } from "./run-cli.js";

const httpDown = `name: http-down
description: Restart the web server whose HTTP probe fails
owner: "@acme/web-sre"
match:
  alertname: HttpDown
priority: 50
mode: auto
examples:
  - alert: { labels: { alertname: HttpDown } }
    matches: true
`;

let repo: string;

function git(...args: string[]): void {
  execFileSync("git", args, { cwd: repo, stdio: "ignore" });
}

function edit(file: string, change: (text: string) => string): void {
  const path = join(repo, "runbooks", file);
  writeFileSync(path, change(readFileSync(path, "utf8")));
}

/** nginx-down drops below web-generic, so its critical example now goes to web-generic. */
function lowerNginxPriority(text: string): string {
  return text.replace("priority: 100", "priority: 5");
}

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), "runbridge-diff-"));
  cpSync(join(fixtures, "valid"), join(repo, "runbooks"), { recursive: true });
  git("init", "--quiet", "--initial-branch", "main");
  git("add", ".");
  const identity = ["-c", "user.name=Runbridge Test", "-c", "user.email=test@example.com"];
  git(...identity, "-c", "commit.gpgsign=false", "commit", "--quiet", "-m", "base");
});

afterEach(() => {
  rmSync(repo, { recursive: true, force: true });
});

describe("runbridge diff", () => {
  it("reports added, removed and changed runbooks and every example whose routing changes", () => {
    edit("nginx-down.yml", (text) =>
      lowerNginxPriority(text).replace("matches: true\n    target: web-1", "matches: false"),
    );
    writeFileSync(join(repo, "runbooks", "http-down.yml"), httpDown);
    rmSync(join(repo, "runbooks", "database-down.yml"));

    const run = runbridge(["diff", "--base", "main", "runbooks"], { cwd: repo });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toBe("## Runbook changes: `main` → working tree");
    expect(lines).toContain("| Runbook | Change | Fields | File |");
    expect(lines).toContain("| `http-down` | added |  | `runbooks/http-down.yml` |");
    expect(lines).toContain(
      "| `nginx-down` | changed | `examples`, `priority` | `runbooks/nginx-down.yml` |",
    );
    expect(lines).toContain("| `database-down` | removed |  | `main:runbooks/database-down.yml` |");
    expect(lines).toContain("### Routing changes");
    expect(lines).toContain(
      '| `DatabaseDown{env="prod", instance="db-1"}` | database-down #1 | `database-down` → `db-1` | no runbook |',
    );
    expect(lines).toContain(
      '| `NginxDown{severity="critical", instance="web-1:9113"}` | nginx-down #1 | `nginx-down` → `web-1` | `web-generic` |',
    );
    expect(lines).toContain("| `HttpDown{}` | http-down #1 | `web-generic` | `http-down` |");
    expect(run.stdout).not.toContain("No routing changes");
    expect(run.stdout).not.toContain("problem");
  });

  it("lists the problems and exits 1 when the working tree's runbooks are invalid", () => {
    edit("nginx-down.yml", lowerNginxPriority);
    const run = runbridge(["diff", "--base", "main", "runbooks"], { cwd: repo });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("| `nginx-down` | changed | `priority` | `runbooks/nginx-down.yml` |");
    expect(run.stdout).toContain(
      '| `NginxDown{severity="critical", instance="web-1:9113"}` | nginx-down #1 | `nginx-down` → `web-1` | `web-generic` |',
    );
    expect(run.stdout).toContain("### 1 problem on working tree");
    expect(run.stdout).toContain(
      `runbooks/nginx-down.yml:21:5 examples[0]: example 1: NginxDown{severity="critical", instance="web-1:9113"} should be handled by nginx-down, but is routed to web-generic: priority 5 < web-generic's 10`,
    );
    expect(run.stderr).toContain('run "runbridge validate runbooks"');
  });

  it("says there are no routing changes when only a description changed", () => {
    edit("web-generic.yml", (text) => text.replace("notify the web team", "page the web team"));
    const run = runbridge(["diff", "--base", "main", "runbooks"], { cwd: repo });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("| `web-generic` | changed | `description` | `runbooks/web-generic.yml` |");
    expect(run.stdout).toContain("No routing changes (3 example alerts checked).");
  });

  it("writes the report to a file with --output and reads the directory relative to the working directory", () => {
    const report = join(repo, "summary.md");
    const run = runbridge(["diff", "--base", "HEAD", ".", "--output", report], {
      cwd: join(repo, "runbooks"),
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    const text = readFileSync(report, "utf8");
    expect(text).toContain("No runbook changes.");
    expect(text).toContain("No routing changes (3 example alerts checked).");
  });

  it("treats a directory that did not exist at the base ref as empty", () => {
    cpSync(join(repo, "runbooks"), join(repo, "more-runbooks"), { recursive: true });
    rmSync(join(repo, "runbooks"), { recursive: true });
    const run = runbridge(["diff", "--base", "main", "more-runbooks"], { cwd: repo });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("| `nginx-down` | added |  | `more-runbooks/nginx-down.yml` |");
    expect(run.stdout).toContain(
      '| `NginxDown{severity="critical", instance="web-1:9113"}` | nginx-down #1 | no runbook |',
    );
  });

  it("fails with exit code 1 and says how to fetch when the base ref is unknown", () => {
    const run = runbridge(["diff", "--base", "origin/main", "runbooks"], { cwd: repo });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("runbridge: the base ref origin/main is not a commit in");
    expect(run.stderr).toContain("fetch-depth: 0");
  });
});
