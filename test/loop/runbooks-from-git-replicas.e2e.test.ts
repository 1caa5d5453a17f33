// Two bridges on one PostgreSQL database with runbooks from Git (the GitHub emulator): they run
// one commit, recorded in the database. A push delivered to one bridge reloads the other too —
// at that commit, even after main moved on — and an execution decided on the other bridge
// records the pushed commit. A bridge started later joins at the recorded commit when its
// ref's head is rejected.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
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
import { createTestDatabase, type TestDatabase } from "../harness/postgres.js";
import { deliver, pushPayload } from "./github-webhooks.js";
import { LOOP_RUNBOOKS } from "./seed.js";

const SECRET = "shared-commit-secret";
const SHA_A = "a".repeat(40);
const SHA_B = "b".repeat(40);
const SHA_HEAD = "c".repeat(40);
const SHA_BAD = "d".repeat(40);
const NGINX = readFileSync(join(LOOP_RUNBOOKS, "nginx-loop.yml"), "utf8");

let gh: GitHubEmulator;
let database: TestDatabase;
let dir: string;
const bridges: InProcessBridge[] = [];

interface Status {
  runbooks: { commitSha: string | null } | null;
}
const commitOf = async (bridge: InProcessBridge) =>
  (await getJson<Status>(`${bridge.url}/api/status`)).runbooks?.commitSha;

function startBridge(name: string): Promise<InProcessBridge> {
  return startInProcessBridge(
    bridgeEnv({
      port: 0,
      dbFile: join(dir, `${name}.db`),
      runbooks: join(dir, "no-local-runbooks"),
      githubUrl: gh.url,
      extra: {
        RUNBRIDGE_DATABASE_URL: database.url,
        GITHUB_WEBHOOK_SECRET: SECRET,
        RUNBRIDGE_RUNBOOKS_SOURCE: "github",
        RUNBRIDGE_RUNBOOKS_REF: "main",
        RUNBRIDGE_RUNBOOKS_PATH: "ops/runbooks",
        RUNBRIDGE_RECONCILE_INTERVAL: "1h",
      },
    }),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "runbridge-shared-commit-"));
  database = await createTestDatabase("shared_commit");
  gh = await createGitHubEmulator();
  gh.state.setRef("main", SHA_A);
  for (const [sha, timeout] of [
    [SHA_A, "30m"],
    [SHA_B, "20m"],
    [SHA_HEAD, "40m"],
  ] as const) {
    gh.state.setFile(
      sha,
      "ops/runbooks/nginx-loop.yml",
      NGINX.replace("approvalTimeout: 30m", `approvalTimeout: ${timeout}`),
    );
  }
  gh.state.setFile(SHA_BAD, "ops/runbooks/nginx-loop.yml", NGINX.replace("mode: approval", "mode: maybe"));
  gh.state.setEnvironment("remediation-production", { reviewers: ["octocat"] });
  bridges.push(await startBridge("one"), await startBridge("two"));
}, 60_000);

afterAll(async () => {
  for (const bridge of bridges) await bridge.close();
  expect(gh.violations).toEqual([]);
  await gh.close();
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe("runbooks from Git, shared by two bridges on one database", () => {
  it("both start at the commit main points to", async () => {
    expect(await commitOf(bridges[0] as InProcessBridge)).toBe(SHA_A);
    expect(await commitOf(bridges[1] as InProcessBridge)).toBe(SHA_A);
  });

  it("a push delivered to one bridge reloads the other at the pushed commit, not main's later head", async () => {
    const [one, two] = bridges as [InProcessBridge, InProcessBridge];
    // main has already moved past the pushed commit when the other bridge reloads.
    gh.state.setRef("main", SHA_HEAD);
    const answer = await deliver(
      one.url,
      "push",
      pushPayload({ ref: "refs/heads/main", after: SHA_B }),
      SECRET,
    );
    expect(answer.status).toBe(200);
    expect(await commitOf(one)).toBe(SHA_B);
    await waitUntil(async () => (await commitOf(two)) === SHA_B, {
      what: "the other bridge at the pushed commit",
    });

    const { executions } = await postWebhook(
      two.url,
      webhookBody([
        {
          labels: { alertname: "NginxDown", instance: "web-shared:9113", severity: "critical" },
          startsAt: new Date(Date.now() - 60_000).toISOString(),
          fingerprint: "5a5a5a5a5a5a5a5a",
        },
      ]),
    );
    const id = executions[0]?.id as string;
    await waitUntil(async () => (await executionDetail(two.url, id)).execution.runId !== null, {
      what: `execution ${id} dispatched`,
    });
    const { execution } = await executionDetail(two.url, id);
    expect((execution as typeof execution & { runbookSha: string | null }).runbookSha).toBe(SHA_B);
    expect(gh.dispatches().find((d) => d.runId === execution.runId)?.inputs).toMatchObject({
      runbook_sha: SHA_B,
    });
  });

  it("a rejected push is not recorded: the other bridge keeps the good commit", async () => {
    const [one, two] = bridges as [InProcessBridge, InProcessBridge];
    await deliver(one.url, "push", pushPayload({ ref: "refs/heads/main", after: SHA_BAD }), SECRET);
    expect(await commitOf(one)).toBe(SHA_B);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await commitOf(two)).toBe(SHA_B);
  });

  it("a bridge starting later loads main's head and the others follow it", async () => {
    const three = await startBridge("three");
    bridges.push(three);
    expect(await commitOf(three)).toBe(SHA_HEAD);
    for (const bridge of bridges.slice(0, 2)) {
      await waitUntil(async () => (await commitOf(bridge)) === SHA_HEAD, {
        what: "the first bridges at main's head",
      });
    }
  });

  it("a bridge whose head is rejected at start joins at the commit the others run", async () => {
    gh.state.setRef("main", SHA_BAD);
    const four = await startBridge("four");
    bridges.push(four);
    expect(await commitOf(four)).toBe(SHA_HEAD);
  });
});
