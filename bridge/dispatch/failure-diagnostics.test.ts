// The failure notice with the diagnostics phase's summary: a signed, real workflow_run delivery
// fails an execution, and the notification worker reads the diagnostics job's summary annotation
// and report artifact from the GitHub API emulator (every request and answer checked against
// GitHub's OpenAPI description) before sending to a loopback Slack receiver and an issue.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type NotificationReceivers,
  startNotificationReceivers,
} from "../../test/harness/notification-receivers.js";
import { waitUntil } from "../../test/harness/ports.js";
import { deliver, workflowRunPayload } from "../../test/loop/github-webhooks.js";
import { type LoopHarness, SECRET, startLoopHarness } from "../../test/loop/harness.js";
import { runName } from "../../test/loop/seed.js";
import { FAILURE_TOPIC } from "../executions/failure-notice.js";
import { createLogger } from "../logger.js";
import { DIAGNOSTICS_TITLE } from "../notify/diagnostics-summary.js";
import type { Execution } from "../store/executions.js";
import { createNotificationWorker, type NotificationWorker } from "./notification-worker.js";

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

async function fail(execution: Execution & { runId: number }) {
  const payload = workflowRunPayload({
    runId: execution.runId,
    status: "completed",
    conclusion: "failure",
    displayTitle: runName(execution),
  });
  expect((await deliver(h.url, "workflow_run", payload, SECRET)).status).toBe(200);
  worker.wake();
  await waitUntil(
    () =>
      h.db.count("notifications", `topic = '${FAILURE_TOPIC}' AND state IN ('pending', 'in_flight')`) === 0,
    { what: "the failure notices sent", timeoutMs: 10_000, intervalMs: 20 },
  );
}

const failureIssue = () => h.gh.state.issues.find((issue) => !issue.labels.includes("post-incident-review"));

describe("the failure notice", () => {
  it("carries the diagnostics summary, escaped, and links the report artifact", async () => {
    const execution = await h.dispatched();
    h.gh.state.setJobs(execution.runId, [
      { name: "health-check", status: "completed", conclusion: "success" },
      {
        name: "diagnostics",
        status: "completed",
        conclusion: "success",
        annotations: [
          { level: "warning", title: "other", message: "not this one" },
          {
            title: DIAGNOSTICS_TITLE,
            message: "uname: passed in 12ms — Linux web-1\nnginx: failed in 1s — <!channel> @everyone `x`",
          },
        ],
      },
      { name: "remediate", status: "completed", conclusion: "failure" },
    ]);
    const [artifact] = h.gh.state.setArtifacts(execution.runId, [`diagnostics-${execution.id}`, "other"]);
    await fail(execution);

    const [posted] = receivers.accepted("/slack").map((request) => (request.body as { text: string }).text);
    expect(posted).toContain(
      [
        "Diagnostics summary:",
        "- `uname: passed in 12ms — Linux web-1`",
        // Slack's control characters are escaped: the line pings no one.
        "- `nginx: failed in 1s — &lt;!channel&gt; @everyone 'x'`",
        `Diagnostics report: ${execution.runUrl}/artifacts/${artifact?.id}`,
      ].join("\n"),
    );
    expect(posted).not.toContain("<!channel>");
    const body = failureIssue()?.body ?? "";
    // In the issue, the mention sits inside a code span: inert.
    expect(body).toContain("- `nginx: failed in 1s — <!channel> @everyone 'x'`");
    expect(body).toContain(`Diagnostics report: ${execution.runUrl}/artifacts/${artifact?.id}`);
  });

  it("says why there is no summary when the diagnostics job was skipped", async () => {
    const execution = await h.dispatched();
    h.gh.state.setJobs(execution.runId, [
      { name: "health-check", status: "completed", conclusion: "failure" },
      { name: "diagnostics", status: "completed", conclusion: "skipped" },
    ]);
    await fail(execution);
    expect(failureIssue()?.body).toContain(
      "Diagnostics: the diagnostics job was skipped (the health check found the target healthy, or an earlier job failed)",
    );
  });
});
