import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import { waitUntil } from "../../test/harness/ports.js";
import { startWebhookReceiver, type WebhookReceiver } from "../../test/harness/webhook-receiver.js";
import { deliver, workflowRunPayload } from "../../test/loop/github-webhooks.js";
import {
  type LoopHarness,
  postResolved,
  REPOSITORY,
  SECRET,
  startLoopHarness,
} from "../../test/loop/harness.js";
import { seedExecution } from "../../test/loop/seed.js";
import { createDispatcher } from "../dispatch/github-dispatcher.js";
import { createNotificationWorker, type NotificationWorker } from "../dispatch/notification-worker.js";
import { holdForApproval, recordRejected } from "../executions/approval.js";
import { createLogger } from "../logger.js";
import type { ResolvedRunbook } from "../runbooks/resolved-runbook.js";
import { queryAudit } from "../store/audit.js";
import { updateExecution } from "../store/execution-writes.js";
import { type Execution, findExecution } from "../store/executions.js";
import { claimNextDispatch, enqueueDispatch } from "../store/outbox.js";
import { announceHeldApproval } from "./held-approvals.js";
import { createReconciler, type Reconciler } from "./reconciler.js";

const T0 = Date.parse("2025-06-02T12:00:00Z");
const MINUTE = 60_000;

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const store = useEngineStore(engine, "reconciler");
  let h: LoopHarness;
  let slack: WebhookReceiver;
  let reconciler: Reconciler;
  let secrets: Record<string, string>;
  let notifier: NotificationWorker;

  /** Waits until the notification worker has sent (or given up) everything queued. */
  const drained = () =>
    waitUntil(async () => (await store.count("notifications", "state IN ('pending', 'in_flight')")) === 0, {
      what: "the notification outbox drained",
      timeoutMs: 10_000,
      intervalMs: 20,
    });

  beforeEach(async () => {
    h = await startLoopHarness({ now: T0, store: store.db });
    slack = await startWebhookReceiver("/services/T000/B000/XXXX");
    secrets = { LOOP_SLACK_WEBHOOK_URL: slack.url };
    // Escalations go out through the notification outbox, as in the bridge.
    notifier = createNotificationWorker({
      db: store.db,
      api: h.api,
      runbooks: () => h.runbooks.set,
      bus: h.bus,
      log: createLogger("silent"),
      secret: (name) => secrets[name],
      pagerDutyUrl: "http://127.0.0.1:9/unused",
      timeoutMs: 5_000,
      maxAttempts: 3,
      clock: () => h.clock.now,
    });
    await notifier.start();
    reconciler = createReconciler({
      db: store.db,
      api: h.api,
      dispatcher: createDispatcher(h.octokit, REPOSITORY),
      runbooks: () => h.runbooks.set,
      bus: h.bus,
      log: createLogger("silent"),
      intervalMs: 60 * MINUTE,
      quietForMs: 2 * MINUTE,
      now: () => h.clock.now,
    });
  });
  afterEach(async () => {
    await reconciler.stop();
    await notifier.stop();
    expect(h.gh.violations).toEqual([]);
    await slack.close();
    await h.close();
  });

  const state = async (execution: Execution) => (await findExecution(store.db, execution.id))?.state;
  const requestsTo = (fragment: string) =>
    h.gh.requests.filter((request) => `${request.method} ${request.path}`.includes(fragment));

  describe("look-ups of quiet executions", () => {
    it("heals a quiet execution from the run's status and jobs, and leaves recent ones alone", async () => {
      const quiet = await h.dispatched();
      h.gh.state.setJobs(quiet.runId, [
        { name: "health-check", status: "completed", conclusion: "success" },
        { name: "remediate", status: "waiting" },
      ]);
      h.gh.setRunStatus(quiet.runId, "waiting");
      h.clock.now = T0 + MINUTE;
      const recent = await h.dispatched();

      h.clock.now = T0 + 2 * MINUTE + 1;
      await reconciler.runOnce();
      expect(await state(quiet)).toBe("awaiting_approval");
      expect((await findExecution(store.db, quiet.id))?.awaitingSince).toBe(h.clock.now);
      expect(await state(recent)).toBe("dispatched");
      expect(requestsTo(`/actions/runs/${recent.runId}`)).toEqual([]);
      expect(await queryAudit(store.db, { executionId: quiet.id, kind: "execution.state" })).toMatchObject([
        { message: expect.stringContaining("dispatched → awaiting_approval") },
      ]);

      // Approved (the same job moves on), then the run completes: healed again, with no webhook at all.
      const jobs = h.gh.state.jobs.get(quiet.runId) ?? [];
      for (const job of jobs) if (job.name === "remediate") job.status = "in_progress";
      h.gh.setRunStatus(quiet.runId, "in_progress");
      h.clock.now += 3 * MINUTE;
      await reconciler.runOnce();
      expect(await state(quiet)).toBe("running");
      h.gh.setRunStatus(quiet.runId, "completed", "failure");
      h.clock.now += 3 * MINUTE;
      await reconciler.runOnce();
      expect(await findExecution(store.db, quiet.id)).toMatchObject({
        state: "failed",
        finishedAt: h.clock.now,
      });
      expect(await store.count("breaker_failures", "key = 'runbook:nginx-loop'")).toBe(1);

      // Final executions are never looked up again.
      const before = h.gh.requests.length;
      h.clock.now += 10 * MINUTE;
      await reconciler.runOnce();
      expect(h.gh.requests.slice(before).filter((r) => r.path.includes(String(quiet.runId)))).toEqual([]);
    });

    it("finds the run of an execution whose dispatch answer was lost (by the [ex_…] marker), jobs included", async () => {
      const execution = await h.dispatched();
      await updateExecution(store.db, execution.id, { runId: null, runUrl: null });
      h.gh.state.setJobs(execution.runId, [{ name: "remediate", status: "waiting" }]);
      h.gh.setRunStatus(execution.runId, "waiting");
      h.clock.now = T0 + 3 * MINUTE;
      await reconciler.runOnce();
      expect(await findExecution(store.db, execution.id)).toMatchObject({
        runId: execution.runId,
        state: "awaiting_approval",
      });
      expect(await store.count("run_jobs" as never)).toBe(1);
    });

    it("marks a run GitHub confirms unchanged as heard of, so the next passes look at the others", async () => {
      const execution = await h.dispatched();
      h.clock.now = T0 + 3 * MINUTE;
      await reconciler.runOnce();
      expect(await state(execution)).toBe("queued");
      const lookUps = () => requestsTo(`/actions/runs/${execution.runId}`).length;

      h.clock.now += 3 * MINUTE;
      await reconciler.runOnce();
      expect(await findExecution(store.db, execution.id)).toMatchObject({
        state: "queued",
        updatedAt: h.clock.now,
      });
      const after = lookUps();

      // Heard of just now: not quiet, not asked about again until it is.
      h.clock.now += MINUTE;
      await reconciler.runOnce();
      expect(lookUps()).toBe(after);
      h.clock.now += 2 * MINUTE;
      await reconciler.runOnce();
      expect(lookUps()).toBeGreaterThan(after);
    });
  });

  describe("cancels when the alert resolved (onResolved: cancel)", () => {
    it.each(["queued", "awaiting_approval"] as const)("cancels the run while %s", async (current) => {
      const execution = await h.dispatched({ state: current });
      h.clock.now = T0 + MINUTE;
      const resolved = await postResolved(h.url, execution, new Date(h.clock.now).toISOString());
      expect(resolved.status).toBe(200);
      expect((await findExecution(store.db, execution.id))?.cancelRequestedAt).toBe(h.clock.now);

      await reconciler.runOnce();
      expect(requestsTo(`POST /repos/acme/infra/actions/runs/${execution.runId}/cancel`)).toHaveLength(1);
      expect(h.gh.runs()[0]).toMatchObject({ status: "completed", conclusion: "cancelled" });
      expect(await queryAudit(store.db, { kind: "run.cancel_requested" })).toMatchObject([
        {
          executionId: execution.id,
          message: expect.stringContaining("the alert resolved (onResolved: cancel)"),
        },
      ]);
      expect((await findExecution(store.db, execution.id))?.cancelRequestedAt).toBeNull();

      // GitHub then reports the cancelled run; a second pass asks nothing more.
      const payload = workflowRunPayload({
        runId: execution.runId,
        status: "completed",
        conclusion: "cancelled",
      });
      expect((await deliver(h.url, "workflow_run", payload, SECRET)).status).toBe(200);
      expect(await state(execution)).toBe("cancelled");
      await reconciler.runOnce();
      expect(requestsTo("/cancel")).toHaveLength(1);
      expect(await store.count("breaker_failures")).toBe(0);
    });

    it("cancels a run whose dispatch was in flight when the alert resolved, once it is dispatched", async () => {
      const execution = await seedExecution(store.db, T0, { state: "pending", dispatchedAt: null });
      await enqueueDispatch(store.db, execution.id, "critical", T0);
      expect((await claimNextDispatch(store.db, T0))?.executionId).toBe(execution.id);
      const resolved = await postResolved(h.url, execution, new Date(T0).toISOString());
      expect(resolved.body.executions[0]?.reason).toContain("its run will be cancelled on GitHub");
      await reconciler.runOnce();
      expect(requestsTo("/cancel")).toEqual([]);

      // The in-flight dispatch lands.
      const runbook = h.runbooks.set?.index.byName.get("nginx-loop")?.runbook as ResolvedRunbook;
      const run = await createDispatcher(h.octokit, REPOSITORY).dispatch(
        execution,
        runbook,
        AbortSignal.timeout(5_000),
      );
      await updateExecution(store.db, execution.id, {
        state: "dispatched",
        runId: run.runId,
        dispatchedAt: T0,
      });
      await reconciler.runOnce();
      expect(requestsTo(`/actions/runs/${run.runId}/cancel`)).toHaveLength(1);
      expect(h.gh.runs()[0]).toMatchObject({ status: "completed", conclusion: "cancelled" });
    });

    it("never cancels a running remediation: the resolve is only recorded", async () => {
      const execution = await h.dispatched({ state: "running" });
      const resolved = await postResolved(h.url, execution, new Date(T0).toISOString());
      expect(resolved.body.executions[0]?.reason).toContain("a running execution is not cut off");
      expect(await findExecution(store.db, execution.id)).toMatchObject({
        cancelRequestedAt: null,
        alertResolvedAt: T0,
      });
      await reconciler.runOnce();
      expect(requestsTo("/cancel")).toEqual([]);
      expect(h.gh.runs()[0]?.status).toBe("queued");
    });

    it("does not cancel once the run started remediating after the resolve was recorded", async () => {
      const execution = await h.dispatched({ state: "awaiting_approval" });
      await postResolved(h.url, execution, new Date(T0).toISOString());
      await updateExecution(store.db, execution.id, { state: "running" });
      await reconciler.runOnce();
      expect(requestsTo("/cancel")).toEqual([]);
    });

    it("records a run that had already completed (409) and stops asking", async () => {
      const execution = await h.dispatched({ state: "queued" });
      await postResolved(h.url, execution, new Date(T0).toISOString());
      h.gh.setRunStatus(execution.runId, "completed", "success");
      await reconciler.runOnce();
      expect(await queryAudit(store.db, { kind: "run.cancel_skipped" })).toHaveLength(1);
      expect((await findExecution(store.db, execution.id))?.cancelRequestedAt).toBeNull();
      await reconciler.runOnce();
      expect(requestsTo("/cancel")).toHaveLength(1);
    });
  });

  describe("approval escalation", () => {
    it("after approvalTimeout, exactly once: Slack (URL from the named secret) and a GitHub issue with the run link", async () => {
      const execution = await h.dispatched({ state: "awaiting_approval", awaitingSince: T0 });
      // Keep it from looking quiet: only escalation is under test here.
      const touch = async () => await updateExecution(store.db, execution.id, { updatedAt: h.clock.now });

      h.clock.now = T0 + 29 * MINUTE;
      await touch();
      await reconciler.runOnce();
      expect(slack.received).toEqual([]);
      expect(h.gh.state.issues).toEqual([]);

      h.clock.now = T0 + 31 * MINUTE;
      await touch();
      await reconciler.runOnce();
      notifier.wake();
      await drained();
      const runUrl = (await findExecution(store.db, execution.id))?.runUrl as string;
      expect(runUrl).toMatch(/\/actions\/runs\/\d+$/);
      expect(slack.received).toHaveLength(1);
      expect(slack.received[0]?.path).toBe("/services/T000/B000/XXXX");
      const text = (slack.received[0]?.body as unknown as { text: string } | undefined)?.text ?? "";
      expect(text).toContain("nginx-loop on `web-1`");
      expect(text).toContain("has waited 31m for approval in environment remediation-production");
      expect(text).toContain(runUrl);
      expect(h.gh.state.issues).toMatchObject([
        {
          title: "Approval waiting: nginx-loop on web-1",
          labels: ["incident", "approval"],
          body: expect.stringMatching(
            new RegExp(`has waited 31m for approval in environment remediation-production[^]*${runUrl}`),
          ),
        },
      ]);
      expect(await queryAudit(store.db, { kind: "approval.escalated" })).toMatchObject([
        { executionId: execution.id, message: "waited 31m for approval; notifying slack, issue" },
      ]);
      expect((await findExecution(store.db, execution.id))?.approvalEscalatedAt).toBe(T0 + 31 * MINUTE);

      for (const later of [40, 90, 600]) {
        h.clock.now = T0 + later * MINUTE;
        await touch();
        await reconciler.runOnce();
      }
      await drained();
      expect(slack.received).toHaveLength(1);
      expect(h.gh.state.issues).toHaveLength(1);
      expect(await queryAudit(store.db, { kind: "approval.escalated" })).toHaveLength(1);
    });

    it("does not ask people to approve a remediation whose alert already resolved", async () => {
      const execution = await h.dispatched({ state: "awaiting_approval", awaitingSince: T0 });
      h.clock.now = T0 + 40 * MINUTE;
      await updateExecution(store.db, execution.id, { alertResolvedAt: T0 + MINUTE, updatedAt: h.clock.now });
      await reconciler.runOnce();
      expect(slack.received).toEqual([]);
      expect(h.gh.state.issues).toEqual([]);
      expect(await queryAudit(store.db, { kind: "approval.escalated" })).toEqual([]);
    });

    it("a channel that cannot be reached is reported in the audit, and still not retried every pass", async () => {
      delete secrets.LOOP_SLACK_WEBHOOK_URL;
      const execution = await h.dispatched({ state: "awaiting_approval", awaitingSince: T0 });
      h.clock.now = T0 + 45 * MINUTE;
      await updateExecution(store.db, execution.id, { updatedAt: h.clock.now });
      await reconciler.runOnce();
      await reconciler.runOnce();
      notifier.wake();
      await drained();
      expect(await queryAudit(store.db, { kind: "approval.escalated" })).toMatchObject([
        { message: "waited 45m for approval; notifying slack, issue" },
      ]);
      expect(await queryAudit(store.db, { kind: "notification.failed" })).toMatchObject([
        {
          executionId: execution.id,
          message:
            "slack gave up: set LOOP_SLACK_WEBHOOK_URL in the bridge's environment (the Slack webhook URL)",
        },
      ]);
      expect(await queryAudit(store.db, { kind: "notification.sent" })).toMatchObject([
        { executionId: execution.id, data: { channel: "issue" } },
      ]);
      expect(h.gh.state.issues).toHaveLength(1);
    });
  });

  describe("a held approval cancelled by its resolved alert", () => {
    async function heldWithIssue(target: string): Promise<Execution> {
      const execution = await seedExecution(store.db, h.clock.now, {
        state: "pending",
        dispatchedAt: null,
        runId: null,
        target,
      });
      await enqueueDispatch(store.db, execution.id, "critical", h.clock.now);
      await claimNextDispatch(store.db, h.clock.now);
      await holdForApproval(h.handlerDeps, execution, "no reviewers", h.clock.now);
      await announceHeldApproval({ ...h.handlerDeps, api: h.api }, execution.id, "no reviewers");
      h.clock.now += MINUTE;
      return (await findExecution(store.db, execution.id)) as Execution;
    }

    it("tells its issue, and closes it when the issue was opened for that execution alone", async () => {
      const execution = await heldWithIssue("web-1");
      const resolved = await postResolved(h.url, execution, new Date(h.clock.now).toISOString());
      expect(resolved.body.executions[0]?.state).toBe("cancelled");
      expect((await findExecution(store.db, execution.id))?.approvalIssueNoticeAt).toBe(h.clock.now);

      await reconciler.runOnce();
      const issue = h.gh.state.issues.find((record) => record.number === execution.approvalIssue);
      expect(issue).toMatchObject({ state: "closed", stateReason: "not_planned" });
      expect(issue?.comments.map((comment) => comment.body)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^Execution ${execution.id} is cancelled: cancelled: alert resolved at .* before anyone approved .*Nothing waits for an answer here any more; closing this issue\\.$`,
          ),
        ),
      ]);
      expect((await findExecution(store.db, execution.id))?.approvalIssueNoticeAt).toBeNull();
      expect(
        (await queryAudit(store.db, { executionId: execution.id })).map((event) => event.kind),
      ).toContain("approval.issue_closed");

      // Told once: the next pass leaves the issue alone.
      await reconciler.runOnce();
      expect(issue?.comments).toHaveLength(1);
    });

    it("leaves an issue open that other executions asked in too, and still tells it", async () => {
      const first = await heldWithIssue("web-2");
      await recordRejected(h.handlerDeps, first, { by: "alice", why: "not now" }, h.clock.now);
      const second = await heldWithIssue("web-2");
      expect(second.approvalIssue).toBe(first.approvalIssue);

      await postResolved(h.url, second, new Date(h.clock.now).toISOString());
      await reconciler.runOnce();
      const issue = h.gh.state.issues.find((record) => record.number === second.approvalIssue);
      expect(issue?.state).toBe("open");
      expect(issue?.comments.at(-1)?.body).toMatch(
        new RegExp(`^Execution ${second.id} is cancelled: .*Nothing waits for an answer here any more\\.$`),
      );
    });

    it("stops trying when the issue is gone", async () => {
      const execution = await heldWithIssue("web-4");
      await postResolved(h.url, execution, new Date(h.clock.now).toISOString());
      h.gh.state.issues = h.gh.state.issues.filter((record) => record.number !== execution.approvalIssue);
      await reconciler.runOnce();
      expect((await findExecution(store.db, execution.id))?.approvalIssueNoticeAt).toBeNull();
      expect(await queryAudit(store.db, { kind: "approval.issue_closed" })).toMatchObject([
        { message: expect.stringContaining("is gone (deleted, or no longer visible to the bridge)") },
      ]);
    });

    it("retries a notice GitHub refused on the next pass", async () => {
      const execution = await heldWithIssue("web-3");
      await postResolved(h.url, execution, new Date(h.clock.now).toISOString());
      h.gh.faults.push({ operationId: "issues/create-comment", times: 1, status: 502 });
      await reconciler.runOnce();
      expect((await findExecution(store.db, execution.id))?.approvalIssueNoticeAt).not.toBeNull();
      await reconciler.runOnce();
      const issue = h.gh.state.issues.find((record) => record.number === execution.approvalIssue);
      expect(issue?.comments).toHaveLength(1);
      expect(issue?.state).toBe("closed");
      expect((await findExecution(store.db, execution.id))?.approvalIssueNoticeAt).toBeNull();
    });
  });
});
