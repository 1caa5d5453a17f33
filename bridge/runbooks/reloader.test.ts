import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createGitHubEmulator, type GitHubEmulator } from "../../test/github-emulator/index.js";
import { waitUntil } from "../../test/harness/ports.js";
import { LOOP_RUNBOOKS } from "../../test/loop/seed.js";
import { createGitHubClient } from "../dispatch/github-client.js";
import { createLogger } from "../logger.js";
import { createRunbookReloader, type ReloadRecord } from "./reloader.js";

const NGINX = readFileSync(join(LOOP_RUNBOOKS, "nginx-loop.yml"), "utf8");
const AT = Date.parse("2025-06-02T12:00:00Z");

function reloaderFor(origin: Parameters<typeof createRunbookReloader>[0]["origin"]) {
  const records: ReloadRecord[] = [];
  const reloader = createRunbookReloader({
    origin,
    log: createLogger("silent"),
    record: async (event) => {
      records.push(event);
    },
    now: () => AT,
    debounceMs: 20,
  });
  return { reloader, records };
}

describe("createRunbookReloader, local directory", () => {
  let dir: string;
  let stop = () => {};
  afterEach(() => {
    stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("loads, keeps the last good set when a change is broken, and records both outcomes", async () => {
    dir = mkdtempSync(join(tmpdir(), "runbridge-reloader-"));
    writeFileSync(join(dir, "nginx-loop.yml"), NGINX);
    const { reloader, records } = reloaderFor({ kind: "local", dir });
    await reloader.reload();
    expect(reloader.current()?.runbooks.map((loaded) => loaded.runbook.name)).toEqual(["nginx-loop"]);

    writeFileSync(join(dir, "broken.yml"), "name: [");
    await reloader.reload();
    expect(reloader.current()?.runbooks.map((loaded) => loaded.runbook.name)).toEqual(["nginx-loop"]);
    expect(reloader.problems()).toEqual([expect.stringContaining("broken.yml")]);
    expect(records.map((record) => record.kind)).toEqual(["runbooks.loaded", "runbooks.rejected"]);
    expect(records[0]?.message).toMatch(new RegExp(`^1 runbooks loaded from ${dir} \\([0-9a-f]{12}\\)$`));
    expect(records[1]).toMatchObject({
      at: AT,
      message: expect.stringMatching(
        new RegExp(`^runbooks from ${dir} rejected \\(1 problems\\): .*broken\\.yml`),
      ),
      data: { commitSha: null, activeCommitSha: null, problems: [expect.stringContaining("broken.yml")] },
    });
    expect(reloader.fromGit).toBeUndefined();
  });

  it("reloads when a file in the watched directory changes, and not after the watch stopped", async () => {
    dir = mkdtempSync(join(tmpdir(), "runbridge-reloader-"));
    writeFileSync(join(dir, "nginx-loop.yml"), NGINX);
    const { reloader, records } = reloaderFor({ kind: "local", dir });
    await reloader.reload();
    stop = reloader.watch();
    writeFileSync(join(dir, "second.yml"), NGINX.replace("name: nginx-loop", "name: nginx-second"));
    await waitUntil(() => reloader.current()?.runbooks.length === 2, {
      what: "the new runbook loaded after the directory changed",
      timeoutMs: 5_000,
    });
    stop();
    const seen = records.length;
    writeFileSync(join(dir, "third.yml"), NGINX.replace("name: nginx-loop", "name: nginx-third"));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(records).toHaveLength(seen);
    expect(reloader.current()?.runbooks).toHaveLength(2);
  });
});

describe("createRunbookReloader, Git source", () => {
  let gh: GitHubEmulator;
  afterEach(async () => {
    expect(gh.violations).toEqual([]);
    await gh.close();
  });

  it("runs reloads one at a time in the order asked, so a slow earlier load cannot win", async () => {
    gh = await createGitHubEmulator();
    const [first, second] = ["d".repeat(40), "e".repeat(40)];
    gh.state.setFile(
      first,
      "ops/nginx-loop.yml",
      NGINX.replace("approvalTimeout: 30m", "approvalTimeout: 40m"),
    );
    gh.state.setFile(
      second,
      "ops/nginx-loop.yml",
      NGINX.replace("approvalTimeout: 30m", "approvalTimeout: 50m"),
    );
    // The first load's file read answers late: run concurrently, it would finish last.
    gh.faults.push({ operationId: "repos/get-content", times: 1, delayMs: 400 });
    const octokit = createGitHubClient(
      { apiUrl: gh.url, owner: "acme", repo: "infra", auth: { kind: "token", token: "ghs_test" } },
      createLogger("silent"),
    );
    const { reloader, records } = reloaderFor({
      kind: "github",
      octokit,
      location: { owner: "acme", repo: "infra", ref: "main", path: "ops" },
    });
    expect(reloader.fromGit?.ref).toBe("main");
    await Promise.all([reloader.fromGit?.reloadAt(first), reloader.fromGit?.reloadAt(second)]);
    expect(reloader.current()?.commitSha).toBe(second);
    expect(records.map((record) => record.data.commitSha)).toEqual([first, second]);
    expect(records[1]?.message).toContain(`acme/infra/ops@main at ${second.slice(0, 12)}`);
  });
});
