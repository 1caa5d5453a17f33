/**
 * scripts/release-tags.mjs, the release job's tagging step, against the GitHub API emulator
 * (every request checked against GitHub's OpenAPI description): a dispatched release creates
 * vX.Y.Z and creates or moves vX; a pushed tag is checked to name the commit the run checked; a
 * version is never tagged twice, and then vX stays where it was.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGitHubEmulator, type GitHubEmulator } from "../github-emulator/index.js";

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL("../../scripts/release-tags.mjs", import.meta.url));
const FIRST = "1111111111111111111111111111111111111111";
const SECOND = "2222222222222222222222222222222222222222";

describe("scripts/release-tags.mjs", () => {
  let gh: GitHubEmulator;

  beforeEach(async () => {
    gh = await createGitHubEmulator();
    gh.state.setRef("main", FIRST, { repo: "runbridge/runbridge" });
  });
  afterEach(async () => {
    expect(gh.violations).toEqual([]);
    await gh.close();
  });

  /** The script as the release job runs it; resolves with its exit code and output. */
  function tag(env: Record<string, string>) {
    return run(process.execPath, [SCRIPT], {
      env: {
        PATH: process.env.PATH ?? "",
        GITHUB_API_URL: gh.url,
        GH_TOKEN: "ghs_release",
        REPO: "runbridge/runbridge",
        ...env,
      },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
  }

  const refOf = (name: string) => gh.state.refs.get(`runbridge/runbridge|refs/tags/${name}`);

  it("tags a dispatched release and creates the major tag at the same commit", async () => {
    const result = await tag({ SHA: FIRST, TAG: "v1.0.0", MAJOR: "v1" });
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toBe(`tagged v1.0.0 at ${FIRST}\ncreated v1 at ${FIRST}\n`);
    expect(refOf("v1.0.0")).toBe(FIRST);
    expect(refOf("v1")).toBe(FIRST);
  });

  it("moves the major tag to the next release, leaving the previous version's tag", async () => {
    await tag({ SHA: FIRST, TAG: "v1.0.0", MAJOR: "v1" });
    gh.state.setRef("main", SECOND, { repo: "runbridge/runbridge" });
    const result = await tag({ SHA: SECOND, TAG: "v1.1.0", MAJOR: "v1" });
    expect(result.stdout).toBe(`tagged v1.1.0 at ${SECOND}\nmoved v1 from ${FIRST} to ${SECOND}\n`);
    expect(refOf("v1.0.0")).toBe(FIRST);
    expect(refOf("v1.1.0")).toBe(SECOND);
    expect(refOf("v1")).toBe(SECOND);
    const moves = gh.requests.filter((request) => request.method === "PATCH");
    expect(moves.map((request) => request.path)).toEqual(["/repos/runbridge/runbridge/git/refs/tags/v1"]);
  });

  it("refuses to tag a version twice, and leaves the major tag alone", async () => {
    await tag({ SHA: FIRST, TAG: "v1.0.0", MAJOR: "v1" });
    gh.state.setRef("main", SECOND, { repo: "runbridge/runbridge" });
    const result = await tag({ SHA: SECOND, TAG: "v1.0.0", MAJOR: "v1" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("v1.0.0 already exists: a version is released once");
    expect(refOf("v1.0.0")).toBe(FIRST);
    expect(refOf("v1")).toBe(FIRST);
  });

  it("checks that a pushed tag names the commit the run checked, then moves the major tag", async () => {
    gh.state.setRef("tags/v2.0.0", SECOND, { repo: "runbridge/runbridge" });
    const wrong = await tag({ SHA: FIRST, TAG: "v2.0.0", MAJOR: "v2", TAG_EXISTS: "true" });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`v2.0.0 points at ${SECOND}, but this run checked ${FIRST}`);
    expect(refOf("v2")).toBeUndefined();

    const right = await tag({ SHA: SECOND, TAG: "v2.0.0", MAJOR: "v2", TAG_EXISTS: "true" });
    expect(right.stdout).toBe(`v2.0.0 is at ${SECOND}\ncreated v2 at ${SECOND}\n`);
    expect(refOf("v2")).toBe(SECOND);
  });

  it("refuses inputs that do not name one release", async () => {
    for (const [env, message] of [
      [{ SHA: "abc", TAG: "v1.0.0", MAJOR: "v1" }, 'SHA="abc" must be a full commit SHA'],
      [{ SHA: FIRST, TAG: "1.0.0", MAJOR: "v1" }, 'TAG="1.0.0" must be vX.Y.Z'],
      [{ SHA: FIRST, TAG: "v1.0.0", MAJOR: "v2" }, 'MAJOR="v2" must be v1'],
    ] as const) {
      const result = await tag(env);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(message);
    }
    expect(gh.requests).toEqual([]);
  });
});
