import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runbook } from "../../test/fixtures/guards/context.js";
import { createGitHubEmulator, type GitHubEmulator } from "../../test/github-emulator/index.js";
import { octokitFor } from "../../test/github-emulator/octokit-for.js";
import type { Execution } from "../store/executions.js";
import type { GitHubClient } from "./github-client.js";
import { createDispatcher } from "./github-dispatcher.js";

const REPO = { owner: "acme", repo: "infra" };
const RUNBOOK = runbook({ name: "web-restart" });

let gh: GitHubEmulator;
beforeEach(async () => {
  gh = await createGitHubEmulator();
});
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

function execution(id: string): Execution {
  return {
    id,
    runbook: RUNBOOK.name,
    runbookSha: null,
    runbookHash: "a".repeat(64),
    target: "web-1",
    severity: "critical",
    alert: { labels: { alertname: "NginxDown" } },
  } as unknown as Execution;
}

const id = (n: number) => `ex_01m8e${String(n).padStart(5, "0")}aaaaaaaa`;

describe("findRun", () => {
  it("finds the run of an unanswered dispatch even when more than a page of runs started since", async () => {
    const dispatcher = createDispatcher(octokitFor(gh) as unknown as GitHubClient, REPO);
    const since = Date.now();
    const signal = AbortSignal.timeout(30_000);
    const first = await dispatcher.dispatch(execution(id(0)), RUNBOOK, signal);
    for (let n = 1; n <= 150; n++) await dispatcher.dispatch(execution(id(n)), RUNBOOK, signal);

    expect(await dispatcher.findRun(execution(id(0)), RUNBOOK, since, signal)).toMatchObject({
      runId: first.runId,
    });
    expect(await dispatcher.findRun(execution(id(999)), RUNBOOK, since, signal)).toBeUndefined();
  });
});
