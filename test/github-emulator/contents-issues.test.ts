import type { Octokit } from "@octokit/rest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGitHubEmulator, type GitHubEmulator } from "./index.js";
import { octokitFor } from "./octokit-for.js";

const repo = { owner: "acme", repo: "ops" };
const sha = "3f786850e387550fdab836ed7e6dc881de23001b";

describe("contents, commits and refs", () => {
  let gh: GitHubEmulator;
  let octokit: Octokit;
  beforeEach(async () => {
    gh = await createGitHubEmulator();
    octokit = octokitFor(gh);
    gh.state.setRef("main", sha);
    gh.state.setFile("main", "runbooks/nginx-down.yaml", "name: nginx-down\n");
    gh.state.setFile("main", "runbooks/disk/full.yaml", "name: disk-full\n");
  });
  afterEach(() => gh.close());

  it("answers a file as base64, at the branch or the sha it points to", async () => {
    for (const ref of ["main", sha]) {
      const { data } = await octokit.rest.repos.getContent({
        ...repo,
        path: "runbooks/nginx-down.yaml",
        ref,
      });
      expect(gh.checkResponse("repos/get-content", 200, data)).toEqual([]);
      if (Array.isArray(data) || data.type !== "file") throw new Error("expected a file");
      expect(Buffer.from(data.content, "base64").toString()).toBe("name: nginx-down\n");
    }
  });

  it("answers raw bytes for the raw media type", async () => {
    const { data } = await octokit.rest.repos.getContent({
      ...repo,
      path: "runbooks/nginx-down.yaml",
      mediaType: { format: "raw" },
    });
    expect(data).toBe("name: nginx-down\n");
  });

  it("lists a directory, and 404s for a missing path", async () => {
    const { data } = await octokit.rest.repos.getContent({ ...repo, path: "runbooks" });
    expect(gh.checkResponse("repos/get-content", 200, data)).toEqual([]);
    expect(Array.isArray(data) && data.map((e) => [e.name, e.type])).toEqual([
      ["disk", "dir"],
      ["nginx-down.yaml", "file"],
    ]);
    const missing = await octokit.rest.repos
      .getContent({ ...repo, path: "nope.yaml" })
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404 });
    expect(gh.violations).toEqual([]);
  });

  it("resolves a ref to its sha through get-commit and get-ref", async () => {
    const commit = await octokit.rest.repos.getCommit({ ...repo, ref: "main" });
    expect(gh.checkResponse("repos/get-commit", 200, commit.data)).toEqual([]);
    expect(commit.data.sha).toBe(sha);
    const ref = await octokit.rest.git.getRef({ ...repo, ref: "heads/main" });
    expect(gh.checkResponse("git/get-ref", 200, ref.data)).toEqual([]);
    expect(ref.data).toMatchObject({ ref: "refs/heads/main", object: { sha } });
    const unknown = await octokit.rest.repos.getCommit({ ...repo, ref: "nope" }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ status: 422 });
    expect(gh.violations).toEqual([]);
  });

  it("creates a tag once, and moves it only with force", async () => {
    const other = "8b5ad6e0f5c5f8b9bfa8b3b6b1a3e3e7d0c5a9f1";
    gh.state.setRef("heads/release", other);
    const created = await octokit.rest.git.createRef({ ...repo, ref: "refs/tags/v1", sha });
    expect(created.status).toBe(201);
    expect(gh.checkResponse("git/create-ref", 201, created.data)).toEqual([]);
    await expect(octokit.rest.git.createRef({ ...repo, ref: "refs/tags/v1", sha })).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining("Reference already exists"),
    });
    await expect(
      octokit.rest.git.createRef({ ...repo, ref: "refs/tags/v2", sha: "0".repeat(40) }),
    ).rejects.toMatchObject({ status: 422, message: expect.stringContaining("Object does not exist") });
    await expect(octokit.rest.git.updateRef({ ...repo, ref: "tags/v1", sha: other })).rejects.toMatchObject({
      status: 422,
    });
    const moved = await octokit.rest.git.updateRef({ ...repo, ref: "tags/v1", sha: other, force: true });
    expect(gh.checkResponse("git/update-ref", 200, moved.data)).toEqual([]);
    expect((await octokit.rest.repos.getCommit({ ...repo, ref: "v1" })).data.sha).toBe(other);
    await expect(
      octokit.rest.git.updateRef({ ...repo, ref: "tags/v9", sha, force: true }),
    ).rejects.toMatchObject({ status: 422, message: expect.stringContaining("Reference does not exist") });
    expect(gh.violations).toEqual([]);
  });
});

describe("issues, rate limit and installation tokens", () => {
  let gh: GitHubEmulator;
  let octokit: Octokit;
  beforeEach(async () => {
    gh = await createGitHubEmulator();
    octokit = octokitFor(gh);
  });
  afterEach(() => gh.close());

  it("creates, comments on and lists issues", async () => {
    const created = await octokit.rest.issues.create({
      ...repo,
      title: "nginx-down failed",
      labels: ["incident"],
    });
    expect(created.status).toBe(201);
    expect(gh.checkResponse("issues/create", 201, created.data)).toEqual([]);
    const comment = await octokit.rest.issues.createComment({
      ...repo,
      issue_number: created.data.number,
      body: "retrying",
    });
    expect(gh.checkResponse("issues/create-comment", 201, comment.data)).toEqual([]);
    await octokit.rest.issues.create({ ...repo, title: "other" });

    const { data } = await octokit.rest.issues.listForRepo({ ...repo, labels: "incident" });
    expect(gh.checkResponse("issues/list-for-repo", 200, data)).toEqual([]);
    expect(data.map((i) => [i.title, i.comments])).toEqual([["nginx-down failed", 1]]);
    expect(gh.violations).toEqual([]);
  });

  it("closes an issue: it leaves the open list and shows when it closed", async () => {
    const created = await octokit.rest.issues.create({ ...repo, title: "breaker open" });
    const closed = await octokit.rest.issues.update({
      ...repo,
      issue_number: created.data.number,
      state: "closed",
    });
    expect(gh.checkResponse("issues/update", 200, closed.data)).toEqual([]);
    expect(closed.data).toMatchObject({ state: "closed", state_reason: "completed" });
    expect(closed.data.closed_at).not.toBeNull();
    const open = await octokit.rest.issues.listForRepo({ ...repo });
    expect(open.data).toEqual([]);
    await expect(
      octokit.rest.issues.update({ ...repo, issue_number: 99, state: "closed" }),
    ).rejects.toMatchObject({ status: 404 });
    expect(gh.violations).toEqual([]);
  });

  it("reports the rate limit", async () => {
    const { data } = await octokit.rest.rateLimit.get();
    expect(gh.checkResponse("rate-limit/get", 200, data)).toEqual([]);
    expect(data.resources.core).toMatchObject({ limit: 5000 });
  });

  it("issues an installation token for an app JWT, and refuses a plain token", async () => {
    const jwt = `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from('{"iss":1}').toString("base64url")}.sig`;
    const app = octokitFor(gh, jwt);
    const { data, status } = await app.rest.apps.createInstallationAccessToken({ installation_id: 7 });
    expect(status).toBe(201);
    expect(gh.checkResponse("apps/create-installation-access-token", 201, data)).toEqual([]);
    expect(gh.state.tokens).toMatchObject([{ token: data.token, installationId: 7 }]);

    const refused = await octokit.rest.apps
      .createInstallationAccessToken({ installation_id: 7 })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 401 });
    expect(gh.violations.map((v) => v.kind)).toEqual(["authentication"]);
  });
});
