// /api/status and runbridge_runbook_approval_unheld show approval runbooks whose approval
// cannot be held, from the environment protection the bridge read (through its cache) from
// the GitHub API emulator; /readyz stays up.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { T0, type TestApp, testApp } from "../../test/fixtures/http/test-app.js";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import { createGitHubEmulator, type GitHubEmulator } from "../../test/github-emulator/index.js";
import { createAuditBus } from "../audit-bus.js";
import { loadConfig } from "../config.js";
import { readApprovalEnvironments } from "../dispatch/approval-environments.js";
import { unheldApprovals } from "../dispatch/approval-readiness.js";
import { createEnvironmentProtection } from "../dispatch/environment-protection.js";
import { createGitHubClient } from "../dispatch/github-client.js";
import { createGitHubApi } from "../github/github-api.js";
import { createLogger } from "../logger.js";
import { createBridgeMetrics } from "../metrics/bridge-metrics.js";
import type { Runbook } from "../runbooks/runbook.types.js";
import { loadRunbookSet, type RunbookSet } from "../runbooks/runbook-set.js";

const log = createLogger("silent");
let gh: GitHubEmulator;
let t: TestApp;

beforeEach(async () => {
  gh = await createGitHubEmulator();
});
afterEach(async () => {
  t?.close();
  expect(gh.violations).toEqual([]);
  await gh.close();
});

/** A runbook set loaded from YAML files, as the bridge loads one. */
function loadedSet(runbooks: Record<string, Partial<Runbook>>): RunbookSet {
  const dir = mkdtempSync(join(tmpdir(), "runbridge-unheld-"));
  try {
    for (const [name, over] of Object.entries(runbooks)) {
      const document = {
        name,
        description: "test",
        owner: "@test",
        match: { alertname: name },
        mode: "approval",
        ...over,
      };
      writeFileSync(join(dir, `${name}.yml`), stringify(document));
    }
    const { set, problems } = loadRunbookSet(dir);
    if (!set) throw new Error(`test runbooks do not load: ${problems.join("; ")}`);
    return set;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const store = useEngineStore(engine, "approvals_unheld");

  describe("approvals that cannot be held", () => {
    it("are listed on /api/status and in the metric, from the cached reads; /readyz stays up", async () => {
      t = testApp({}, {}, store.db);
      gh.state.setEnvironment("reviewed", { reviewers: ["acme/sre"] });
      gh.state.setEnvironment("open-door", { reviewers: [] });
      t.runbooks.set = loadedSet({
        strict: { approval: "environment", environment: "open-door" },
        nowhere: { approval: "environment", environment: "typo-production" },
        orphan: { approval: "auto", environment: "open-door" },
        answered: { approval: "auto", environment: "open-door", approvers: ["alice"] },
        guarded: { approval: "environment", environment: "reviewed" },
      });
      const runbooks = t.runbooks.set.runbooks.map((loaded) => loaded.runbook);
      const config = loadConfig({
        GITHUB_TOKEN: "ghs_test",
        GITHUB_REPOSITORY: "acme/ops",
        GITHUB_API_URL: gh.url,
      });
      const octokit = createGitHubClient(config.github as NonNullable<typeof config.github>, log);
      const api = createGitHubApi(octokit, { owner: "acme", repo: "ops" });
      let reads = 0;
      const protection = createEnvironmentProtection({
        read: (name) => {
          reads += 1;
          return api.getEnvironment(name);
        },
        ttlMs: 300_000,
        now: () => t.clock.now,
      });
      await readApprovalEnvironments(protection, runbooks, log);
      expect(reads).toBe(3);
      const unheld = () => unheldApprovals(runbooks, (environment) => protection.known(environment));
      t.deps.approvalsUnheld = unheld;

      const status = (await (await t.get("/api/status")).json()) as { approvalsUnheld: unknown[] };
      expect(status.approvalsUnheld).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ runbook: "strict", reason: "no_reviewers", severity: "error" }),
          expect.objectContaining({ runbook: "nowhere", reason: "environment_missing", severity: "error" }),
          expect.objectContaining({ runbook: "orphan", reason: "no_approvers", severity: "warning" }),
        ]),
      );
      expect(status.approvalsUnheld).toHaveLength(3);
      expect((await t.get("/readyz")).status).toBe(200);

      const metrics = await createBridgeMetrics({
        db: t.store,
        bus: createAuditBus(),
        runbooks: () => t.runbooks.set,
        runbookProblems: () => [],
        dryRun: false,
        now: () => T0,
        processMetrics: false,
        approvalsUnheld: unheld,
      });
      const text = await metrics.render();
      metrics.close();
      const series = text.split("\n").filter((line) => line.startsWith("runbridge_runbook_approval_unheld{"));
      expect(series.sort()).toEqual([
        'runbridge_runbook_approval_unheld{runbook="nowhere",reason="environment_missing"} 1',
        'runbridge_runbook_approval_unheld{runbook="orphan",reason="no_approvers"} 1',
        'runbridge_runbook_approval_unheld{runbook="strict",reason="no_reviewers"} 1',
      ]);
      // Scrapes and status reads ask GitHub nothing.
      expect(reads).toBe(3);
    });
  });
});
