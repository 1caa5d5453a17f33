// Environments (user and team reviewers), users, teams and their repository permissions, and
// closing issues: each answer checked against GitHub's OpenAPI description.
import type { Octokit } from "@octokit/rest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGitHubEmulator, type GitHubEmulator } from "./index.js";
import { octokitFor } from "./octokit-for.js";

const repo = { owner: "acme", repo: "infra" };

describe("access look-ups", () => {
  let gh: GitHubEmulator;
  let octokit: Octokit;
  beforeEach(async () => {
    gh = await createGitHubEmulator();
    octokit = octokitFor(gh);
  });
  afterEach(async () => {
    expect(gh.violations).toEqual([]);
    await gh.close();
  });

  it("lists user and team reviewers of an environment", async () => {
    gh.state.setEnvironment("production", { reviewers: ["alice", "acme/sre"], canAdminsBypass: false });
    const { data } = await octokit.rest.repos.getEnvironment({ ...repo, environment_name: "production" });
    expect(gh.checkResponse("repos/get-environment", 200, data)).toEqual([]);
    const [rule] = data.protection_rules ?? [];
    expect(rule && "reviewers" in rule ? rule.reviewers : undefined).toMatchObject([
      { type: "User", reviewer: { login: "alice" } },
      { type: "Team", reviewer: { slug: "sre" } },
    ]);
  });

  it("knows users seeded directly, as collaborators or as team members; 404 for anyone else", async () => {
    gh.state.setUser("dave");
    gh.state.setPermission("alice", "write");
    gh.state.setTeam("acme/sre", ["carol"]);
    for (const username of ["dave", "alice", "Carol"]) {
      const { data } = await octokit.rest.users.getByUsername({ username });
      expect(gh.checkResponse("users/get-by-username", 200, data)).toEqual([]);
      expect(data.login).toBe(username);
    }
    await expect(octokit.rest.users.getByUsername({ username: "nobody" })).rejects.toMatchObject({
      status: 404,
    });
  });

  it("answers a team by slug, and its permission on the repository", async () => {
    gh.state.setTeam("acme/sre", ["carol", "erin"], { permission: "maintain" });
    gh.state.setTeam("acme/readers", ["frank"]);
    const { data } = await octokit.rest.teams.getByName({ org: "acme", team_slug: "sre" });
    expect(gh.checkResponse("teams/get-by-name", 200, data)).toEqual([]);
    expect(data).toMatchObject({ slug: "sre", members_count: 2 });
    await expect(octokit.rest.teams.getByName({ org: "acme", team_slug: "nope" })).rejects.toMatchObject({
      status: 404,
    });

    const withPermissions = await octokit.rest.teams.checkPermissionsForRepoInOrg({
      org: "acme",
      team_slug: "sre",
      ...repo,
      mediaType: { format: "repository+json" },
    });
    expect(gh.checkResponse("teams/check-permissions-for-repo-in-org", 200, withPermissions.data)).toEqual(
      [],
    );
    expect(withPermissions.data).toMatchObject({
      role_name: "maintain",
      permissions: { admin: false, maintain: true, push: true, pull: true },
    });
    const plain = await octokit.rest.teams.checkPermissionsForRepoInOrg({
      org: "acme",
      team_slug: "sre",
      ...repo,
    });
    expect(plain.status).toBe(204);
    await expect(
      octokit.rest.teams.checkPermissionsForRepoInOrg({ org: "acme", team_slug: "readers", ...repo }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("closes an issue with a reason", async () => {
    const created = await octokit.rest.issues.create({ ...repo, title: "Approval needed" });
    const { data } = await octokit.rest.issues.update({
      ...repo,
      issue_number: created.data.number,
      state: "closed",
      state_reason: "not_planned",
    });
    expect(gh.checkResponse("issues/update", 200, data)).toEqual([]);
    expect(data).toMatchObject({ state: "closed", state_reason: "not_planned" });
    expect(data.closed_at).not.toBeNull();
  });
});
