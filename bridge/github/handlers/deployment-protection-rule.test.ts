import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { blackoutWindow, runbook as resolvedRunbook } from "../../../test/fixtures/guards/context.js";
import { STORE_ENGINES, useEngineStore } from "../../../test/fixtures/store/engine-store.js";
import { deliver, deploymentProtectionRulePayload } from "../../../test/loop/github-webhooks.js";
import { type LoopHarness, postResolved, SECRET, startLoopHarness } from "../../../test/loop/harness.js";
import { countFailure } from "../../executions/breaker-changes.js";
import { createLogger } from "../../logger.js";
import type { ResolvedRunbook } from "../../runbooks/resolved-runbook.js";
import { updateExecution } from "../../store/execution-writes.js";
import { setEnabled } from "../../store/settings.js";
import { createReconciler } from "../reconciler.js";

const ENVIRONMENT = "remediation-production";
// A Saturday, 02:30 UTC.
const NOW = Date.parse("2025-06-07T02:30:00Z");

let h: LoopHarness;

const runbook = () => h.runbooks.set?.index.byName.get("nginx-loop")?.runbook as ResolvedRunbook;

async function askGate(runId: number) {
  const payload = deploymentProtectionRulePayload({ runId, environment: ENVIRONMENT, apiUrl: h.gh.url });
  return deliver(h.url, "deployment_protection_rule", payload, SECRET);
}

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const store = useEngineStore(engine, "deployment_gate");

  beforeEach(async () => {
    h = await startLoopHarness({ now: NOW, store: store.db });
  });
  afterEach(async () => {
    expect(h.gh.violations).toEqual([]);
    await h.close();
  });

  /** The audit events of a kind, newest first, with their data parsed from its JSON text. */
  async function auditEvents(kind: string) {
    const events = await store.rows<{
      executionId: string | null;
      runbook: string | null;
      message: string;
      data: string | null;
    }>(
      'select execution_id as "executionId", runbook, message, data from audit_events where kind = ? order by id desc',
      kind,
    );
    return events.map((event) => ({ ...event, data: event.data === null ? null : JSON.parse(event.data) }));
  }

  /** What the gate and the resolved alert change on an execution. */
  const gateColumns = (id: string) =>
    store.row<{ reason: string; cancelRequestedAt: number | null; gatePendingEnvironment: string | null }>(
      'select reason, cancel_requested_at as "cancelRequestedAt", gate_pending_environment as "gatePendingEnvironment" from executions where id = ?',
      id,
    );

  describe("deployment_protection_rule: the approval-time safety gate", () => {
    it("approves when the alert fires, automation is on, no breaker is open and no blackout is active", async () => {
      const execution = await h.dispatched();
      expect((await askGate(execution.runId)).status).toBe(200);
      expect(h.gh.gateReviews()).toEqual([
        {
          runId: execution.runId,
          environmentName: ENVIRONMENT,
          state: "approved",
          comment: expect.stringContaining(`Runbridge: execution ${execution.id} checked at`),
          time: expect.any(Date),
        },
      ]);
      expect(await auditEvents("gate.approved")).toMatchObject([
        {
          executionId: execution.id,
          runbook: "nginx-loop",
          message: expect.stringMatching(
            new RegExp(`^approved run ${execution.runId} for environment ${ENVIRONMENT}`),
          ),
          data: { runId: execution.runId, environment: ENVIRONMENT, delivered: true },
        },
      ]);
    });

    it('rejects with "alert resolved at …" once the alert resolved', async () => {
      const execution = await h.dispatched({ state: "awaiting_approval", awaitingSince: NOW });
      h.clock.now = NOW + 60_000;
      const resolved = await postResolved(h.url, execution, "2025-06-07T02:31:00Z");
      expect(resolved.status).toBe(200);
      expect(resolved.body.executions[0]?.reason).toContain("its run will be cancelled on GitHub");
      expect((await gateColumns(execution.id))?.cancelRequestedAt).toBe(NOW + 60_000);

      h.clock.now = NOW + 120_000;
      expect((await askGate(execution.runId)).status).toBe(200);
      const [review] = h.gh.gateReviews();
      expect(review).toMatchObject({
        runId: execution.runId,
        environmentName: ENVIRONMENT,
        state: "rejected",
      });
      expect(review?.comment).toBe(
        `Runbridge: alert resolved at ${new Date(NOW + 60_000).toISOString()}; nothing left to remediate`,
      );
      expect(await auditEvents("gate.rejected")).toMatchObject([
        { executionId: execution.id, message: expect.stringContaining("alert resolved at") },
      ]);
      expect((await gateColumns(execution.id))?.reason).toContain(
        "approval gate rejected: Runbridge: alert resolved at",
      );
    });

    it("finds an execution not yet linked to its run (repository_dispatch, workflow_run missed) by the run's name", async () => {
      const execution = await h.dispatched();
      await updateExecution(store.db, execution.id, { runId: null, runUrl: null });
      await postResolved(h.url, execution, "2025-06-07T02:30:00Z");
      await askGate(execution.runId);
      expect(h.gh.gateReviews()).toMatchObject([
        { state: "rejected", comment: expect.stringContaining("alert resolved at") },
      ]);
      expect(await auditEvents("gate.rejected")).toMatchObject([{ executionId: execution.id }]);
    });

    it("approves a run the bridge does not know when nothing global forbids it", async () => {
      const execution = await h.dispatched();
      await updateExecution(store.db, execution.id, { runId: null, runUrl: null });
      for (const run of h.gh.runs()) run.displayTitle = "Deploy docs";
      await askGate(execution.runId);
      expect(h.gh.gateReviews()).toMatchObject([
        { state: "approved", comment: expect.stringContaining("a run Runbridge did not start (manual)") },
      ]);
      expect(await auditEvents("gate.approved")).toMatchObject([{ executionId: null }]);
    });

    it("rejects, never approves, when GitHub cannot say which run is asking (fails closed)", async () => {
      const execution = await h.dispatched();
      await updateExecution(store.db, execution.id, { runId: null, runUrl: null });
      await postResolved(h.url, execution, "2025-06-07T02:30:00Z");
      // A status the read is not retried on (a 5xx is retried for 14 s first, then fails the same way).
      h.gh.faults.push({ operationId: "actions/get-workflow-run", times: 10, status: 404 });
      await askGate(execution.runId);
      expect(h.gh.gateReviews()).toMatchObject([
        {
          state: "rejected",
          comment: expect.stringContaining("rejected rather than approved on missing facts"),
        },
      ]);
    });

    it("rejects, never approves, when GitHub rate-limits the run look-up (fails closed, in a storm)", async () => {
      const execution = await h.dispatched();
      await updateExecution(store.db, execution.id, { runId: null, runUrl: null });
      await postResolved(h.url, execution, "2025-06-07T02:30:00Z");
      // The rate limit is handed back, not waited out (dispatch/github-client.ts).
      h.gh.faults.push({
        operationId: "actions/get-workflow-run",
        times: 10,
        status: 403,
        headers: {
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(Math.ceil(NOW / 1_000) + 3_600),
        },
        body: { message: "API rate limit exceeded for installation ID 1." },
      });
      await askGate(execution.runId);
      expect(h.gh.gateReviews()).toMatchObject([
        {
          state: "rejected",
          comment: expect.stringContaining("rejected rather than approved on missing facts"),
        },
      ]);
    });

    it("rejects with the kill switch off", async () => {
      const execution = await h.dispatched();
      await setEnabled(store.db, false, NOW);
      await askGate(execution.runId);
      expect(h.gh.gateReviews()).toMatchObject([
        { state: "rejected", comment: expect.stringContaining("automation is switched off (kill switch)") },
      ]);
      expect(await auditEvents("gate.rejected")).toHaveLength(1);
    });

    it("rejects while the runbook's breaker is open", async () => {
      const execution = await h.dispatched();
      for (const id of ["ex_a", "ex_b", "ex_c"]) {
        await countFailure(store.db, {
          runbook: "nginx-loop",
          target: "web-9",
          executionId: id,
          config: runbook().guards.breaker,
          now: NOW - 60_000,
          why: "run failed",
        });
      }
      await askGate(execution.runId);
      expect(h.gh.gateReviews()).toMatchObject([
        { state: "rejected", comment: expect.stringContaining("circuit breaker runbook:nginx-loop is open") },
      ]);
    });

    it("ignores open breakers of other runbooks", async () => {
      const execution = await h.dispatched();
      await countFailure(store.db, {
        runbook: "other",
        target: undefined,
        executionId: "ex_other",
        config: resolvedRunbook({ guards: { breaker: { failures: 1, within: "1h", openFor: "1h" } } }).guards
          .breaker,
        now: NOW - 60_000,
        why: "run failed",
      });
      await askGate(execution.runId);
      expect(h.gh.gateReviews()).toMatchObject([{ state: "approved" }]);
    });

    it("rejects inside a blackout window", async () => {
      const execution = await h.dispatched();
      runbook().guards = {
        ...runbook().guards,
        blackout: [blackoutWindow({ cron: "0 2 * * 6", duration: "2h", reason: "maintenance" })],
      };
      await askGate(execution.runId);
      expect(h.gh.gateReviews()).toMatchObject([
        {
          state: "rejected",
          comment: expect.stringMatching(/blackout window "0 2 \* \* 6" UTC is active .*: maintenance$/),
        },
      ]);
    });

    it("answers 500 (GitHub may redeliver) when the callback fails, and audits the undelivered verdict", async () => {
      const execution = await h.dispatched();
      h.gh.faults.push({ operationId: "actions/review-custom-gates-for-run", times: 1, status: 422 });
      const answer = await askGate(execution.runId);
      expect(answer.status).toBe(500);
      expect(answer.body.error).toContain("could not answer the deployment protection rule");
      expect(await auditEvents("gate.approved")).toMatchObject([
        { data: { delivered: false }, message: expect.stringContaining("(callback failed:") },
      ]);
      expect((await gateColumns(execution.id))?.gatePendingEnvironment).toBe(ENVIRONMENT);
      // The redelivery is answered.
      expect((await askGate(execution.runId)).status).toBe(200);
      expect(h.gh.gateReviews()).toMatchObject([{ state: "approved" }]);
      expect((await gateColumns(execution.id))?.gatePendingEnvironment).toBeNull();
    });

    it("without a redelivery, the reconciler judges again and delivers the answer GitHub never got", async () => {
      const execution = await h.dispatched({ state: "awaiting_approval", awaitingSince: NOW });
      // 422 is not retried by the client; a 5xx is, a few times, before the same thing happens.
      h.gh.faults.push({ operationId: "actions/review-custom-gates-for-run", times: 1, status: 422 });
      expect((await askGate(execution.runId)).status).toBe(500);
      expect(h.gh.gateReviews()).toEqual([]);

      // Meanwhile automation was switched off: the answer delivered later reflects the world then.
      await setEnabled(store.db, false, NOW);
      const reconciler = createReconciler({
        db: store.db,
        api: h.api,
        runbooks: () => h.runbooks.set,
        bus: h.bus,
        log: createLogger("silent"),
        intervalMs: 3_600_000,
        quietForMs: 3_600_000,
        now: () => h.clock.now,
      });
      await reconciler.runOnce();
      await reconciler.stop();
      expect(h.gh.gateReviews()).toMatchObject([{ runId: execution.runId, state: "rejected" }]);
      expect(h.gh.gateReviews()[0]?.comment).toContain("kill switch");
      expect((await gateColumns(execution.id))?.gatePendingEnvironment).toBeNull();
    });
  });
});
