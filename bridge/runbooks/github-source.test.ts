import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGitHubEmulator, type GitHubEmulator } from "../../test/github-emulator/index.js";
import { LOOP_RUNBOOKS } from "../../test/loop/seed.js";
import { loadConfig } from "../config.js";
import { createGitHubClient, type GitHubClient } from "../dispatch/github-client.js";
import { createLogger } from "../logger.js";
import { type GitRunbookLocation, loadRunbooksFromGitHub } from "./github-source.js";

const SHA_A = "a".repeat(40);
const SHA_B = "b".repeat(40);
const NGINX = readFileSync(join(LOOP_RUNBOOKS, "nginx-loop.yml"), "utf8");
const where: GitRunbookLocation = { owner: "acme", repo: "infra", ref: "main", path: "runbooks" };

let gh: GitHubEmulator;
let octokit: GitHubClient;

beforeEach(async () => {
  gh = await createGitHubEmulator();
  const config = loadConfig({
    GITHUB_TOKEN: "ghs_test",
    GITHUB_REPOSITORY: "acme/infra",
    GITHUB_API_URL: gh.url,
  });
  octokit = createGitHubClient(config.github as NonNullable<typeof config.github>, createLogger("silent"));
});
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

describe("loadRunbooksFromGitHub", () => {
  it("reads the runbooks at the commit the ref points to and records that commit", async () => {
    gh.state.setRef("main", SHA_A);
    gh.state.setFile(SHA_A, "runbooks/nginx-loop.yml", NGINX);
    gh.state.setFile(SHA_A, "runbooks/README.md", "# not a runbook");
    gh.state.setFile(SHA_A, "runbooks/drafts/ignored.yml", "name: [");
    gh.state.setFile(SHA_A, "elsewhere/other.yml", "name: [");
    const { set, problems } = await loadRunbooksFromGitHub(octokit, where);
    expect(problems).toEqual([]);
    expect(set?.commitSha).toBe(SHA_A);
    expect(set?.runbooks.map((loaded) => loaded.runbook.name)).toEqual(["nginx-loop"]);
    expect(set?.runbooks[0]?.file).toBe(`runbooks/nginx-loop.yml@${SHA_A.slice(0, 12)}`);
    // The files are read at the commit, not at the moving branch.
    const contentReads = gh.requests.filter((request) => request.path.includes("/contents/"));
    expect(contentReads.length).toBeGreaterThan(0);
    for (const request of contentReads) expect(request.query.ref).toBe(SHA_A);
  });

  it("reads an explicit commit (a push) even when the branch points elsewhere", async () => {
    gh.state.setRef("main", SHA_A);
    gh.state.setFile(SHA_A, "runbooks/nginx-loop.yml", NGINX);
    gh.state.setFile(
      SHA_B,
      "runbooks/nginx-loop.yml",
      NGINX.replace("approvalTimeout: 30m", "approvalTimeout: 5m"),
    );
    const { set } = await loadRunbooksFromGitHub(octokit, where, SHA_B);
    expect(set?.commitSha).toBe(SHA_B);
    expect(set?.runbooks[0]?.runbook.approvalTimeout).toBe("5m");
  });

  it("rejects an invalid set with located problems and no set", async () => {
    gh.state.setFile(SHA_B, "runbooks/nginx-loop.yml", NGINX.replace("mode: approval", "mode: sometimes"));
    const { set, problems } = await loadRunbooksFromGitHub(octokit, where, SHA_B);
    expect(set).toBeUndefined();
    expect(problems.map(String).join("\n")).toContain(`runbooks/nginx-loop.yml@${SHA_B.slice(0, 12)}`);
  });

  it("explains what to check when the folder cannot be read", async () => {
    gh.state.setRef("main", SHA_A);
    const { set, problems } = await loadRunbooksFromGitHub(octokit, where);
    expect(set).toBeUndefined();
    expect(String(problems[0])).toContain("cannot read runbooks from GitHub");
    expect(String(problems[0])).toContain("RUNBRIDGE_RUNBOOKS_REF/PATH");
  });

  it("a path that is a file, not a folder, is a problem", async () => {
    gh.state.setFile(SHA_A, "runbooks", "name: x");
    const { problems } = await loadRunbooksFromGitHub(octokit, where, SHA_A);
    expect(String(problems[0])).toContain("runbooks is not a directory");
  });
});
