// `runbridge validate --github` against the GitHub API emulator: every approval runbook's
// environment and approvers, what is missing and what to configure, and the exit code.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGitHubEmulator, type GitHubEmulator } from "../github-emulator/index.js";
import { runbridgeAsync } from "./run-cli.js";

const dir = "test/cli/fixtures/approval";
let gh: GitHubEmulator;

beforeEach(async () => {
  gh = await createGitHubEmulator();
  gh.state.setEnvironment("open-door", { reviewers: [] });
  gh.state.setEnvironment("reviewed", { reviewers: ["alice", "acme/sre"], canAdminsBypass: true });
  gh.state.setPermission("alice", "write");
  gh.state.setPermission("bob", "read");
  gh.state.setTeam("acme/sre", ["carol"], { permission: "write" });
  gh.state.setTeam("acme/readers", ["dan"], { permission: "read" });
});
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

const env = () => ({ GITHUB_TOKEN: "ghs_validate", GITHUB_REPOSITORY: "acme/infra", GITHUB_API_URL: gh.url });

describe("runbridge validate --github", () => {
  it("prints, per approval runbook, what is missing and what to configure, and exits 1 when approval: environment cannot be held", async () => {
    const run = await runbridgeAsync(["validate", dir, "--github"], { env: env() });
    expect(run.stdout).toBe(
      [
        "ok: 5 runbooks valid (examples: 0 checked)",
        "github: approval runbooks in acme/infra",
        "guarded (approval: environment, environment reviewed)",
        "  ok: environment reviewed requires a review by alice, sre (administrators may bypass)",
        "  warning: repository administrators may bypass the required reviewers of environment reviewed",
        '    fix: turn off "Allow administrators to bypass configured protection rules" on environment reviewed (Settings → Environments)',
        "held (approval: auto, environment open-door)",
        "  ok: environment open-door has no required reviewers (on GitHub Free, Pro and Team they exist for public repositories only), so its remediate job would run at once: the bridge holds each execution for its approvers",
        "  ok: approver @alice exists, write permission on the repository",
        "  warning: approver @bob has read permission on the repository; approving needs write or admin",
        "    fix: give @bob write access to the repository, or remove them from approvers",
        "  warning: approver @ghost does not exist on GitHub",
        "    fix: correct the login in approvers",
        "  ok: approver team acme/sre exists, write permission on the repository",
        "  warning: approver team acme/readers has read permission on the repository; its members can approve only with write or admin of their own",
        "    fix: give team acme/readers write access to the repository (Settings → Collaborators and teams)",
        "  warning: approver team acme/ghosts does not exist, or the bridge's credentials cannot see it",
        `    fix: correct the slug in approvers (org/team-slug), or give the bridge's GitHub App "Members: read" on the organization`,
        "orphan (approval: auto, environment open-door)",
        "  warning: approval: auto and environment open-door has no required reviewers (on GitHub Free, Pro and Team they exist for public repositories only), so its remediate job would run at once; the bridge holds each execution instead, but the runbook lists no approvers: it can only expire",
        "    fix: list the GitHub users or org/team slugs who may answer /approve in the runbook's `approvers`, or give environment open-door required reviewers (Settings → Environments → open-door; for a private repository this needs GitHub Enterprise)",
        "strict (approval: environment, environment open-door)",
        "  error: approval: environment, but environment open-door has no required reviewers (on GitHub Free, Pro and Team they exist for public repositories only), so its remediate job would run at once: every execution is suppressed, never run",
        "    fix: give environment open-door required reviewers (Settings → Environments → open-door; for a private repository this needs GitHub Enterprise), or set approval: auto (or bridge) with approvers",
        "github: 1 runbook cannot be held, 6 warnings",
        "",
      ].join("\n"),
    );
    expect(run.stderr).toContain("error: 1 approval: environment runbook(s) cannot be held");
    expect(run.code).toBe(1);
  });

  it("exits 0 once the environment has reviewers, and reports the same as JSON", async () => {
    gh.state.setEnvironment("open-door", { reviewers: ["acme/sre"], canAdminsBypass: false });
    const run = await runbridgeAsync(["validate", dir, "--github", "--json"], { env: env() });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      github: { unheld: number; runbooks: { runbook: string; canBeHeld: boolean }[] };
    };
    expect(report.ok).toBe(true);
    expect(report.github.unheld).toBe(0);
    expect(report.github.runbooks.map((result) => [result.runbook, result.canBeHeld])).toEqual([
      ["guarded", true],
      ["held", true],
      ["orphan", true],
      ["strict", true],
    ]);
  });

  it("says which credentials it needs when none are set", async () => {
    const run = await runbridgeAsync(["validate", dir, "--github"], {
      env: { GITHUB_TOKEN: "", GITHUB_REPOSITORY: "", GITHUB_APP_ID: "" },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "--github needs GitHub credentials, the same the bridge reads: GITHUB_TOKEN",
    );
  });
});
