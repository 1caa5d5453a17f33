// The whole feedback loop on loopback: startBridge against the GitHub API emulator, alerts POSTed
// as Alertmanager posts them, and GitHub's side played by signed deliveries of real webhook
// payloads. alert → dispatch → workflow_run/workflow_job → awaiting_approval → the alert resolves
// → the approval-time gate rejects ("alert resolved at …") and the run is cancelled on GitHub;
// then three failed runs open the runbook's breaker and the next alert is suppressed by it.
// On both stores: the SQLite file, and PostgreSQL (RUNBRIDGE_DATABASE_URL).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditEvents,
  bridgeEnv,
  bridgeStatus,
  executionDetail,
  type InProcessBridge,
  postWebhook,
  startInProcessBridge,
  webhookBody,
} from "../e2e/support.js";
import { STORE_ENGINES } from "../fixtures/store/engine-store.js";
import { createGitHubEmulator, type GitHubEmulator } from "../github-emulator/index.js";
import { waitUntil } from "../harness/ports.js";
import { createTestDatabase, type TestDatabase } from "../harness/postgres.js";
import {
  deliver,
  deploymentProtectionRulePayload,
  workflowJobPayload,
  workflowRunPayload,
} from "./github-webhooks.js";
import { LOOP_RUNBOOKS } from "./seed.js";

const SECRET = "loop-e2e-webhook-secret";
const ENVIRONMENT = "remediation-production";

describe.each(STORE_ENGINES)("on %s", (engine) => {
  let gh: GitHubEmulator;
  let bridge: InProcessBridge;
  let dir: string;
  let postgres: TestDatabase | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "runbridge-loop-"));
    gh = await createGitHubEmulator();
    // The environment has required reviewers (GitHub Enterprise, or a public repository): GitHub
    // holds the approval, so the bridge dispatches at once (test/loop/approval-held.e2e.test.ts
    // covers an environment without them).
    gh.state.setEnvironment(ENVIRONMENT, { reviewers: ["octocat"] });
    postgres = engine === "postgres" ? await createTestDatabase("loop") : undefined;
    bridge = await startInProcessBridge(
      bridgeEnv({
        port: 0,
        dbFile: join(dir, "bridge.db"),
        runbooks: LOOP_RUNBOOKS,
        githubUrl: gh.url,
        extra: {
          GITHUB_WEBHOOK_SECRET: SECRET,
          RUNBRIDGE_RECONCILE_INTERVAL: "1h",
          ...(postgres ? { RUNBRIDGE_DATABASE_URL: postgres.url } : {}),
        },
      }),
    );
  });
  afterAll(async () => {
    await bridge?.close();
    expect(gh.violations).toEqual([]);
    await gh.close();
    await postgres?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  // Alertmanager fingerprints are hex: web-3 → e2e1000000000003.
  const fingerprint = (instance: string) => `e2e1${instance.replace(/\D/g, "").padStart(12, "0")}`;
  const startsAt = new Date(Date.now() - 120_000).toISOString();
  const alert = (instance: string, status: "firing" | "resolved" = "firing") => ({
    labels: { alertname: "NginxDown", instance: `${instance}:9113`, severity: "critical", job: "nginx" },
    startsAt,
    fingerprint: fingerprint(instance),
    status,
    ...(status === "resolved" ? { endsAt: new Date().toISOString() } : {}),
  });

  async function state(id: string): Promise<string> {
    return (await executionDetail(bridge.url, id)).execution.state;
  }
  async function until(id: string, wanted: string): Promise<void> {
    await waitUntil(async () => (await state(id)) === wanted, { what: `execution ${id} ${wanted}` });
  }

  /** Fires an alert and waits until the outbox dispatched it; returns its execution and run. */
  async function fireAndDispatch(instance: string) {
    const { executions } = await postWebhook(bridge.url, webhookBody([alert(instance)]));
    expect(executions).toMatchObject([{ runbook: "nginx-loop", state: "pending" }]);
    const id = executions[0]?.id as string;
    await until(id, "dispatched");
    const { execution } = await executionDetail(bridge.url, id);
    const run = gh.runs().find((candidate) => candidate.id === execution.runId);
    if (!run) throw new Error(`no emulator run ${execution.runId} for ${id}`);
    expect(run.displayTitle).toBe(`Remediate nginx-loop on ${instance} [${id}]`);
    return { id, runId: run.id, displayTitle: run.displayTitle };
  }

  async function github(event: string, payload: Record<string, unknown>): Promise<void> {
    const answer = await deliver(bridge.url, event, payload, SECRET);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  }

  describe("the loop, end to end on loopback", () => {
    it("awaiting approval, the alert resolves: the gate rejects and the run is cancelled on GitHub", async () => {
      const { id, runId, displayTitle } = await fireAndDispatch("web-1");

      await github("workflow_run", workflowRunPayload({ runId, status: "queued", displayTitle }));
      expect(await state(id)).toBe("queued");
      gh.setRunStatus(runId, "in_progress");
      await github("workflow_run", workflowRunPayload({ runId, status: "in_progress", displayTitle }));
      await github(
        "workflow_job",
        workflowJobPayload({ runId, jobId: 501, name: "health-check", status: "completed" }),
      );
      await github(
        "workflow_job",
        workflowJobPayload({ runId, jobId: 502, name: "remediate", status: "waiting" }),
      );
      expect(await state(id)).toBe("awaiting_approval");
      // A redelivered in_progress of the run changes nothing.
      await github("workflow_run", workflowRunPayload({ runId, status: "in_progress", displayTitle }));
      expect(await state(id)).toBe("awaiting_approval");

      const resolved = await postWebhook(bridge.url, webhookBody([alert("web-1", "resolved")]));
      expect(resolved.executions).toMatchObject([
        {
          id,
          state: "awaiting_approval",
          reason: expect.stringContaining("its run will be cancelled on GitHub"),
        },
      ]);

      // GitHub asks the gate before the remediate job may deploy.
      await github(
        "deployment_protection_rule",
        deploymentProtectionRulePayload({ runId, environment: ENVIRONMENT, apiUrl: gh.url }),
      );
      expect(gh.gateReviews()).toMatchObject([
        {
          runId,
          environmentName: ENVIRONMENT,
          state: "rejected",
          comment: expect.stringMatching(
            /^Runbridge: alert resolved at \d{4}-\d\d-\d\dT.*; nothing left to remediate$/,
          ),
        },
      ]);
      expect(await auditEvents(bridge.url, { kind: "gate.rejected" })).toMatchObject([
        { executionId: id, message: expect.stringContaining("alert resolved at") },
      ]);

      // The resolve woke the reconciler, which cancelled the run on GitHub.
      await waitUntil(() => gh.runs().find((run) => run.id === runId)?.conclusion === "cancelled", {
        what: `run ${runId} cancelled on the emulator`,
      });
      const cancels = gh.requests.filter(
        (r) => r.method === "POST" && r.path.endsWith(`/runs/${runId}/cancel`),
      );
      expect(cancels).toHaveLength(1);
      expect(await auditEvents(bridge.url, { kind: "run.cancel_requested" })).toMatchObject([
        { executionId: id },
      ]);

      await github(
        "workflow_run",
        workflowRunPayload({ runId, status: "completed", conclusion: "cancelled", displayTitle }),
      );
      expect(await state(id)).toBe("cancelled");
      expect((await bridgeStatus(bridge.url)).openBreakers).toEqual([]);
    });

    it("three failed runs open the runbook's breaker; the next alert is suppressed with its reason", async () => {
      for (const [n, instance] of ["web-2", "web-3", "web-4"].entries()) {
        const { id, runId, displayTitle } = await fireAndDispatch(instance);
        await github("workflow_run", workflowRunPayload({ runId, status: "in_progress", displayTitle }));
        await github(
          "workflow_job",
          workflowJobPayload({
            runId,
            jobId: 600 + n,
            name: "verify",
            status: "completed",
            conclusion: "failure",
          }),
        );
        gh.setRunStatus(runId, "completed", "failure");
        await github(
          "workflow_run",
          workflowRunPayload({ runId, status: "completed", conclusion: "failure", displayTitle }),
        );
        expect(await state(id)).toBe("failed");
        // Redelivered: counted once.
        await github(
          "workflow_run",
          workflowRunPayload({ runId, status: "completed", conclusion: "failure", displayTitle }),
        );
      }
      const status = await bridgeStatus(bridge.url);
      expect(status.openBreakers).toMatchObject([{ key: "runbook:nginx-loop", state: "open" }]);
      expect(await auditEvents(bridge.url, { kind: "breaker.opened" })).toHaveLength(1);

      const { executions } = await postWebhook(bridge.url, webhookBody([alert("web-5")]));
      expect(executions).toMatchObject([
        {
          runbook: "nginx-loop",
          state: "suppressed",
          reason: expect.stringContaining(
            "circuit breaker: breaker runbook:nginx-loop is open (3 failures within 1h",
          ),
        },
      ]);
      const { execution } = await executionDetail(bridge.url, executions[0]?.id as string);
      expect(execution).toMatchObject({ guard: "circuit_breaker", runId: null });
      expect(gh.dispatches()).toHaveLength(4);
    });

    it("rejects unsigned deliveries without changing anything", async () => {
      const before = (await bridgeStatus(bridge.url)).executionsByState;
      const answer = await deliver(
        bridge.url,
        "workflow_run",
        workflowRunPayload({ runId: gh.runs()[0]?.id ?? 1, status: "completed", conclusion: "success" }),
        "wrong-secret",
      );
      expect(answer.status).toBe(401);
      expect((await bridgeStatus(bridge.url)).executionsByState).toEqual(before);
    });
  });
});
