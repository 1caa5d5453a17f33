// Runbooks served from Git (RUNBRIDGE_RUNBOOKS_SOURCE=github) with startBridge on loopback:
// loaded at the commit main points to, reloaded on a signed push to main, an invalid push
// rejected with the last good set kept, and every execution carrying (and dispatching) the
// commit it was decided with as runbook_sha.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditEvents,
  bridgeEnv,
  executionDetail,
  getJson,
  type InProcessBridge,
  postWebhook,
  startInProcessBridge,
  webhookBody,
} from "../e2e/support.js";
import { createGitHubEmulator, type GitHubEmulator } from "../github-emulator/index.js";
import { waitUntil } from "../harness/ports.js";
import { deliver, pushPayload } from "./github-webhooks.js";
import { LOOP_RUNBOOKS } from "./seed.js";

const SECRET = "runbooks-from-git-secret";
const SHA_A = "1".repeat(40);
const SHA_BAD = "2".repeat(40);
const SHA_C = "3".repeat(40);
const NGINX = readFileSync(join(LOOP_RUNBOOKS, "nginx-loop.yml"), "utf8");

let gh: GitHubEmulator;
let bridge: InProcessBridge;
let dir: string;

interface Status {
  runbooks: { commitSha: string | null; names: string[] } | null;
  runbookProblems: string[];
}
const status = () => getJson<Status>(`${bridge.url}/api/status`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "runbridge-git-"));
  gh = await createGitHubEmulator();
  gh.state.setRef("main", SHA_A);
  gh.state.setFile(SHA_A, "ops/runbooks/nginx-loop.yml", NGINX);
  // GitHub holds nginx-loop's approvals (reviewers on its environment): dispatched at once.
  gh.state.setEnvironment("remediation-production", { reviewers: ["octocat"] });
  bridge = await startInProcessBridge(
    bridgeEnv({
      port: 0,
      dbFile: join(dir, "bridge.db"),
      runbooks: join(dir, "no-local-runbooks"),
      githubUrl: gh.url,
      extra: {
        GITHUB_WEBHOOK_SECRET: SECRET,
        RUNBRIDGE_RUNBOOKS_SOURCE: "github",
        RUNBRIDGE_RUNBOOKS_REF: "main",
        RUNBRIDGE_RUNBOOKS_PATH: "ops/runbooks",
        RUNBRIDGE_RECONCILE_INTERVAL: "1h",
      },
    }),
  );
});
afterAll(async () => {
  await bridge?.close();
  expect(gh.violations).toEqual([]);
  await gh.close();
  rmSync(dir, { recursive: true, force: true });
});

let occurrence = 0;
async function fire(instance: string) {
  occurrence += 1;
  const { executions } = await postWebhook(
    bridge.url,
    webhookBody([
      {
        labels: { alertname: "NginxDown", instance: `${instance}:9113`, severity: "critical" },
        startsAt: new Date(Date.now() - 60_000).toISOString(),
        fingerprint: `a1b2c3d4e5f6000${occurrence}`,
      },
    ]),
  );
  const id = executions[0]?.id as string;
  expect(executions[0]?.state).toBe("pending");
  await waitUntil(async () => (await executionDetail(bridge.url, id)).execution.runId !== null, {
    what: `execution ${id} dispatched`,
  });
  const { execution } = await executionDetail(bridge.url, id);
  const dispatch = gh.dispatches().find((d) => d.runId === execution.runId);
  return { execution: execution as typeof execution & { runbookSha: string | null }, dispatch };
}

describe("runbooks from Git", () => {
  it("loads the set at the commit main points to; executions record and dispatch that commit", async () => {
    expect(await status()).toMatchObject({ runbooks: { commitSha: SHA_A, names: ["nginx-loop"] } });
    expect(await auditEvents(bridge.url, { kind: "runbooks.loaded" })).toMatchObject([
      { message: expect.stringContaining(`acme/infra/ops/runbooks@main at ${SHA_A.slice(0, 12)}`) },
    ]);
    const { execution, dispatch } = await fire("web-1");
    expect(execution.runbookSha).toBe(SHA_A);
    expect(dispatch?.inputs).toMatchObject({ runbook: "nginx-loop", runbook_sha: SHA_A });
  });

  it("an invalid push keeps the last good set and records runbooks.rejected", async () => {
    gh.state.setFile(SHA_BAD, "ops/runbooks/nginx-loop.yml", NGINX.replace("mode: approval", "mode: maybe"));
    const answer = await deliver(
      bridge.url,
      "push",
      pushPayload({ ref: "refs/heads/main", after: SHA_BAD }),
      SECRET,
    );
    expect(answer.status).toBe(200);
    const rejected = await auditEvents(bridge.url, { kind: "runbooks.rejected" });
    expect(rejected).toMatchObject([
      {
        message: expect.stringContaining(`at ${SHA_BAD.slice(0, 12)} rejected`),
        data: expect.objectContaining({ commitSha: SHA_BAD, activeCommitSha: SHA_A }),
      },
    ]);
    const now = await status();
    expect(now.runbooks?.commitSha).toBe(SHA_A);
    expect(now.runbookProblems.join("\n")).toContain("nginx-loop.yml");
  });

  it("pushes to other branches, and deleted branches, change nothing", async () => {
    const before = gh.requests.length;
    await deliver(bridge.url, "push", pushPayload({ ref: "refs/heads/feature", after: SHA_C }), SECRET);
    const deleted = pushPayload({ ref: "refs/heads/main", after: "0".repeat(40) });
    deleted.deleted = true;
    await deliver(bridge.url, "push", deleted, SECRET);
    expect(gh.requests.slice(before)).toEqual([]);
    expect((await status()).runbooks?.commitSha).toBe(SHA_A);
  });

  it("a valid push to main reloads at that commit; new executions record and dispatch it", async () => {
    gh.state.setFile(
      SHA_C,
      "ops/runbooks/nginx-loop.yml",
      NGINX.replace("approvalTimeout: 30m", "approvalTimeout: 20m"),
    );
    gh.state.setRef("main", SHA_C);
    const answer = await deliver(
      bridge.url,
      "push",
      pushPayload({ ref: "refs/heads/main", after: SHA_C }),
      SECRET,
    );
    expect(answer.status).toBe(200);
    expect(await status()).toMatchObject({ runbooks: { commitSha: SHA_C }, runbookProblems: [] });
    expect((await auditEvents(bridge.url, { kind: "runbooks.loaded" }))[0]?.message).toContain(
      SHA_C.slice(0, 12),
    );
    const { execution, dispatch } = await fire("web-2");
    expect(execution.runbookSha).toBe(SHA_C);
    expect(dispatch?.inputs).toMatchObject({ runbook_sha: SHA_C });
  });

  it("pushes arriving close together end with the later commit active, even when the earlier loads slower", async () => {
    const SHA_D = "4".repeat(40);
    const SHA_E = "5".repeat(40);
    gh.state.setFile(
      SHA_D,
      "ops/runbooks/nginx-loop.yml",
      NGINX.replace("approvalTimeout: 30m", "approvalTimeout: 40m"),
    );
    gh.state.setFile(
      SHA_E,
      "ops/runbooks/nginx-loop.yml",
      NGINX.replace("approvalTimeout: 30m", "approvalTimeout: 50m"),
    );
    gh.faults.push({ operationId: "repos/get-content", times: 1, delayMs: 800 });
    const first = deliver(bridge.url, "push", pushPayload({ ref: "refs/heads/main", after: SHA_D }), SECRET);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = deliver(bridge.url, "push", pushPayload({ ref: "refs/heads/main", after: SHA_E }), SECRET);
    expect((await Promise.all([first, second])).map((answer) => answer.status)).toEqual([200, 200]);
    expect((await status()).runbooks?.commitSha).toBe(SHA_E);
  });
});
