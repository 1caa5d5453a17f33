// The post-incident review end to end inside the bridge: a signed, real workflow_run delivery
// ends an execution, the transition queues the review on the notification outbox, and the
// notification worker opens it on the GitHub API emulator (every request checked against
// GitHub's OpenAPI description). A real SQLite file; Slack goes to a loopback receiver.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type NotificationReceivers,
  startNotificationReceivers,
} from "../../test/harness/notification-receivers.js";
import { waitUntil } from "../../test/harness/ports.js";
import { deliver, workflowJobPayload, workflowRunPayload } from "../../test/loop/github-webhooks.js";
import { type LoopHarness, SECRET, startLoopHarness } from "../../test/loop/harness.js";
import { runName } from "../../test/loop/seed.js";
import { createNotificationWorker, type NotificationWorker } from "../dispatch/notification-worker.js";
import { createLogger } from "../logger.js";
import { REVIEW_TOPIC } from "../notify/review-notice.js";
import { findExecution } from "../store/executions.js";
import { endsRun } from "./review-issue.js";
import { executionStates } from "./states.js";

let h: LoopHarness;
let receivers: NotificationReceivers;
let worker: NotificationWorker;

beforeEach(async () => {
  h = await startLoopHarness();
  receivers = await startNotificationReceivers();
  worker = createNotificationWorker({
    db: h.db.db,
    api: h.api,
    runbooks: () => h.runbooks.set,
    bus: h.bus,
    log: createLogger("silent"),
    secret: (name) => (name === "LOOP_SLACK_WEBHOOK_URL" ? receivers.slackUrl : undefined),
    pagerDutyUrl: receivers.pagerDutyUrl,
    timeoutMs: 5_000,
    maxAttempts: 3,
    clock: () => h.clock.now,
  });
  await worker.start();
});
afterEach(async () => {
  await worker.stop();
  expect(h.gh.violations).toEqual([]);
  await receivers.close();
  await h.close();
});

/** Delivers the run's completion as GitHub would, signed. */
async function runCompleted(execution: {
  runId: number;
  id: string;
  runbook: string | null;
  target: string | null;
}) {
  const payload = workflowRunPayload({
    runId: execution.runId,
    status: "completed",
    conclusion: "failure",
    displayTitle: runName(execution),
  });
  const answer = await deliver(h.url, "workflow_run", payload, SECRET);
  expect(answer.status).toBe(200);
  worker.wake();
}

const settled = () =>
  waitUntil(() => h.db.count("notifications", "state IN ('pending', 'in_flight')") === 0, {
    what: "every notification settled",
    timeoutMs: 10_000,
    intervalMs: 20,
  });

const reviews = () => h.gh.state.issues.filter((issue) => issue.labels.includes("post-incident-review"));

describe("the post-incident review issue", () => {
  it("is opened once for a critical execution that failed, with the timeline of its audit trail", async () => {
    const execution = await h.dispatched({ startsAt: "2025-06-02T11:58:00.000Z" });
    // The run's phases as GitHub reports them: checked, diagnosed, held for a reviewer, approved.
    const phases = [
      { jobId: 501, name: "health-check", status: "completed", conclusion: "success" },
      { jobId: 502, name: "diagnostics", status: "completed", conclusion: "success" },
      { jobId: 503, name: "remediate", status: "waiting" },
      { jobId: 503, name: "remediate", status: "in_progress" },
      { jobId: 503, name: "remediate", status: "completed", conclusion: "failure" },
    ] as const;
    for (const phase of phases) {
      h.clock.now += 60_000;
      const job = workflowJobPayload({ runId: execution.runId, ...phase });
      expect((await deliver(h.url, "workflow_job", job, SECRET)).status).toBe(200);
    }
    h.clock.now += 60_000;
    await runCompleted(execution);
    expect((await findExecution(h.db.db, execution.id))?.state).toBe("failed");
    await settled();

    expect(reviews()).toHaveLength(1);
    const [review] = reviews();
    expect(review).toMatchObject({
      title: "Post-incident review: nginx-loop on web-1 (failed)",
      labels: ["incident", "approval", "runbridge", "post-incident-review"],
      state: "open",
    });
    const body = review?.body ?? "";
    expect(body).toContain(
      `**Post-incident review: nginx-loop on \`web-1\`, \`NginxDown\` (\`critical\`) ended failed**`,
    );
    expect(body).toContain(`Run: ${execution.runUrl}`);
    const timeline = body.slice(body.indexOf("### Timeline"), body.indexOf("### Checklist"));
    // Alert start → decision's run → phases → approval → outcome, from the audit trail and jobs.
    expect(timeline.trim().split("\n").slice(2)).toEqual([
      "- 2025-06-02T11:58:00Z alert started firing",
      '- 2025-06-02T12:01:00Z execution.state: `dispatched → running: job "health-check" is completed (success)`',
      "- 2025-06-02T12:01:00Z job health-check: `completed (success)`",
      "- 2025-06-02T12:02:00Z job diagnostics: `completed (success)`",
      '- 2025-06-02T12:03:00Z execution.state: `running → awaiting_approval: job "remediate" is waiting for approval`',
      '- 2025-06-02T12:04:00Z execution.state: `awaiting_approval → running: job "remediate" is in_progress`',
      "- 2025-06-02T12:05:00Z job remediate: `completed (failure)`",
      `- 2025-06-02T12:06:00Z execution.state: \`running → failed: run ${execution.runId} completed with conclusion failure\``,
    ]);
    // The failure notice is an issue of its own: the review never comments on it.
    expect(h.gh.state.issues).toHaveLength(2);
    expect(h.gh.state.issues.every((issue) => issue.comments.length === 0)).toBe(true);

    // GitHub redelivers the completion: nothing more is queued, no second review is opened.
    const rows = h.db.count("notifications");
    await runCompleted(execution);
    await settled();
    expect(h.db.count("notifications")).toBe(rows);
    expect(reviews()).toHaveLength(1);
    expect(h.db.count("notifications", `topic = '${REVIEW_TOPIC}' AND state = 'sent'`)).toBe(1);
  });

  it("is not opened for an execution whose severity opens no issue", async () => {
    const execution = await h.dispatched({ severity: "warning" });
    await runCompleted(execution);
    expect((await findExecution(h.db.db, execution.id))?.state).toBe("failed");
    await settled();
    expect(reviews()).toEqual([]);
    expect(h.db.count("notifications", `topic = '${REVIEW_TOPIC}'`)).toBe(0);
  });
});

describe("endsRun", () => {
  it("is true for a run's final outcome, and for a cancellation only after the dispatch", () => {
    const dispatched = { dispatchedAt: 1, source: "alert" as const };
    expect(executionStates.filter((state) => endsRun(state, dispatched))).toEqual([
      "verified",
      "not_cleared",
      "failed",
      "rolled_back",
      "cancelled",
    ]);
    expect(
      executionStates.filter((state) => endsRun(state, { dispatchedAt: null, source: "alert" as const })),
    ).toEqual(["verified", "not_cleared", "failed", "rolled_back"]);
    // A manual run's success is as final as it gets: nothing watches its alert.
    expect(executionStates.filter((state) => endsRun(state, { dispatchedAt: 1, source: "manual" }))).toEqual([
      "succeeded",
      "verified",
      "not_cleared",
      "failed",
      "rolled_back",
      "cancelled",
    ]);
  });
});
