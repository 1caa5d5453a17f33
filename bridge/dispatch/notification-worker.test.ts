// The notification worker against a real SQLite file, real HTTP receivers on loopback and the
// GitHub API emulator (every request checked against GitHub's OpenAPI description).
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type NotificationReceivers,
  startNotificationReceivers,
} from "../../test/harness/notification-receivers.js";
import { waitUntil } from "../../test/harness/ports.js";
import { type LoopHarness, startLoopHarness } from "../../test/loop/harness.js";
import { seedExecution } from "../../test/loop/seed.js";
import { queueNotifications } from "../executions/queue-notifications.js";
import { createLogger } from "../logger.js";
import { type Occasion, planFollowUps, planNotifications } from "../notify/plan.js";
import type { ResolvedNotification } from "../runbooks/resolved-runbook.js";
import { queryAudit } from "../store/audit.js";
import { findExecution } from "../store/executions.js";
import type { NotificationRow } from "../store/notifications.js";
import { notifications } from "../store/schema.js";
import { createNotificationWorker, type NotificationWorker } from "./notification-worker.js";

const ROUTING_KEY = "R0UTINGKEY0123456789abcdefABCDEF";
const SLACK: ResolvedNotification = { when: "always", slack: { webhookSecret: "TEST_SLACK_URL" } };
const PAGER: ResolvedNotification = {
  when: "always",
  pagerduty: { routingKeySecret: "TEST_PD_KEY", severities: ["critical"] },
};
const ISSUE: ResolvedNotification = {
  when: "always",
  issue: { labels: ["breaker"], assignees: [], severities: ["critical"] },
};

let h: LoopHarness;
let receivers: NotificationReceivers;
let worker: NotificationWorker | undefined;
let settled: [NotificationRow, string][];

beforeEach(async () => {
  h = await startLoopHarness();
  receivers = await startNotificationReceivers();
  settled = [];
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  expect(h.gh.violations).toEqual([]);
  await receivers.close();
  await h.close();
});

async function startWorker(options: { maxAttempts?: number; secrets?: Record<string, string> } = {}) {
  const secrets: Record<string, string> = options.secrets ?? {
    TEST_SLACK_URL: receivers.slackUrl,
    TEST_PD_KEY: ROUTING_KEY,
  };
  worker = createNotificationWorker({
    db: h.db.db,
    api: h.api,
    runbooks: () => h.runbooks.set,
    bus: h.bus,
    log: createLogger("silent"),
    secret: (name) => secrets[name],
    pagerDutyUrl: receivers.pagerDutyUrl,
    timeoutMs: 5_000,
    maxAttempts: options.maxAttempts ?? 5,
    clock: () => h.clock.now,
    onSettled: (row, outcome) => {
      settled.push([row, outcome]);
      // A retry is due at once: the test clock jumps past its backoff.
      if (outcome === "retry") h.clock.now += 10 * 60_000;
    },
  });
  await worker.start();
  return worker;
}

function occasion(over: Partial<Occasion> = {}): Occasion {
  return {
    key: "test:one",
    topic: "test",
    about: { runbook: "nginx-loop" },
    thread: "test:one",
    success: false,
    severity: "critical",
    message: { headline: "nginx-loop on `web-1`: it broke", details: ["Why: it did"] },
    issueTitle: "nginx-loop broke",
    pagerduty: { dedupKey: "runbridge/test/one", source: "web-1", component: "nginx-loop" },
    ...over,
  };
}

async function queue(channels: ResolvedNotification[], over: Partial<Occasion> = {}) {
  const events = await queueNotifications(h.db.db, planNotifications(channels, occasion(over)), h.clock.now);
  h.bus.publish(events);
  worker?.wake();
  return events;
}

const finished = (n: number) =>
  waitUntil(() => settled.filter(([, outcome]) => outcome !== "retry").length >= n, {
    what: `${n} notifications settled`,
    timeoutMs: 10_000,
    intervalMs: 20,
  });

describe("the notification worker", () => {
  it("sends a Slack post and a PagerDuty trigger once each, and audits attempt and outcome", async () => {
    await startWorker();
    await queue([SLACK, PAGER]);
    await finished(2);
    expect(receivers.accepted("/slack").map((request) => request.body)).toEqual([
      { text: "*Runbridge:* nginx-loop on `web-1`: it broke\nWhy: it did" },
    ]);
    const [trigger] = receivers.accepted("/v2/enqueue");
    expect(trigger?.problems).toEqual([]);
    expect(trigger?.body).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: "trigger",
      dedup_key: "runbridge/test/one",
      payload: { summary: "nginx-loop on web-1: it broke", source: "web-1", severity: "critical" },
      client: "Runbridge",
    });
    expect(h.db.count("notifications", "state = 'sent'")).toBe(2);
    const kinds = (await queryAudit(h.db.db, { n: 20 }))
      .map((event) => `${event.kind} ${String(event.data?.channel)}`)
      .reverse();
    expect(kinds).toEqual([
      "notification.queued slack",
      "notification.queued pagerduty",
      "notification.attempt slack",
      "notification.sent slack",
      "notification.attempt pagerduty",
      "notification.sent pagerduty",
    ]);
  });

  it("queuing the same notification again sends nothing more", async () => {
    await startWorker();
    expect(await queue([SLACK])).toHaveLength(1);
    await finished(1);
    expect(await queue([SLACK])).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receivers.accepted("/slack")).toHaveLength(1);
    expect(h.db.count("notifications")).toBe(1);
  });

  it("retries a receiver answering 500, then 429, and delivers once when it answers 202", async () => {
    receivers.failNext("/v2/enqueue", 500, 429);
    await startWorker();
    await queue([PAGER]);
    await finished(1);
    expect(receivers.received.map((request) => request.status)).toEqual([500, 429, 202]);
    expect(receivers.accepted("/v2/enqueue")).toHaveLength(1);
    expect(settled.map(([, outcome]) => outcome)).toEqual(["retry", "retry", "sent"]);
    expect((await queryAudit(h.db.db, { kind: "notification.retry" })).map((event) => event.message)).toEqual(
      [
        expect.stringMatching(/^pagerduty attempt 2 failed \(PagerDuty Events API answered 429/),
        expect.stringMatching(/^pagerduty attempt 1 failed \(PagerDuty Events API answered 500/),
      ],
    );
  });

  it("gives up at once when trying again cannot help: a missing secret, an invalid event (400)", async () => {
    await startWorker({ secrets: { TEST_PD_KEY: "too-short" } });
    await queue([SLACK, PAGER]);
    await finished(2);
    expect(settled.map(([row, outcome]) => [row.channel, outcome])).toEqual([
      ["slack", "failed"],
      ["pagerduty", "failed"],
    ]);
    expect(
      (await queryAudit(h.db.db, { kind: "notification.failed" })).map((event) => event.message).reverse(),
    ).toEqual([
      "slack gave up: set TEST_SLACK_URL in the bridge's environment (the Slack webhook URL)",
      expect.stringMatching(/^pagerduty gave up: PagerDuty Events API answered 400: .*routing_key/),
    ]);
  });

  it("gives up after maxAttempts, saying what failed last", async () => {
    receivers.failNext("/slack", 503, 503, 503);
    await startWorker({ maxAttempts: 2 });
    await queue([SLACK]);
    await finished(1);
    expect(receivers.accepted("/slack")).toEqual([]);
    expect((await queryAudit(h.db.db, { kind: "notification.failed" }))[0]?.message).toMatch(
      /^slack gave up: gave up after 2 attempts; last error: Slack webhook answered 503/,
    );
  });

  it("opens one issue per thread, comments on it while open, then comments and closes it", async () => {
    await startWorker();
    await queue([ISSUE], { key: "breaker:x@1:opened" });
    await finished(1);
    await queue([ISSUE], { key: "breaker:x@2:opened", message: { headline: "opened again", details: [] } });
    await finished(2);
    expect(h.gh.state.issues).toHaveLength(1);
    expect(h.gh.state.issues[0]).toMatchObject({
      title: "nginx-loop broke",
      labels: ["breaker"],
      state: "open",
    });
    expect(h.gh.state.issues[0]?.comments.map((comment) => comment.body)).toEqual(["**opened again**"]);

    const opened = h.db.db
      .select()
      .from(notifications)
      .where(eq(notifications.dedupKey, "breaker:x@2:opened/issue#0"))
      .all();
    const closing = planFollowUps(opened, {
      key: "breaker:x@2:closed",
      topic: "test",
      message: { headline: "closed", details: [] },
      issueAction: "close",
    });
    h.bus.publish(await queueNotifications(h.db.db, closing, h.clock.now));
    worker?.wake();
    await finished(3);
    expect(h.gh.state.issues[0]?.state).toBe("closed");
    expect(h.gh.state.issues[0]?.comments.map((comment) => comment.body)).toEqual([
      "**opened again**",
      "**closed**",
    ]);

    // Closed: a comment has nothing to go to, and a new opening opens a new issue.
    h.bus.publish(
      await queueNotifications(
        h.db.db,
        closing.map((row) => ({ ...row, dedupKey: "again" })),
        h.clock.now,
      ),
    );
    worker?.wake();
    await finished(4);
    expect(settled.at(-1)?.[1]).toBe("skipped");
    await queue([ISSUE], { key: "breaker:x@3:opened" });
    await finished(5);
    expect(h.gh.state.issues.map((issue) => issue.state)).toEqual(["closed", "open"]);
  });
});

describe("a notify-mode execution", () => {
  const notifying = async () =>
    await seedExecution(h.db.db, h.clock.now, {
      state: "notifying",
      mode: "notify",
      runId: null,
      runUrl: null,
    });

  it("is notified once a channel took it, even when another failed", async () => {
    const execution = await notifying();
    await startWorker({ secrets: { TEST_PD_KEY: ROUTING_KEY } });
    await queue([SLACK, PAGER], {
      topic: "execution.notify",
      about: { executionId: execution.id, runbook: "nginx-loop" },
    });
    await finished(2);
    expect(await findExecution(h.db.db, execution.id)).toMatchObject({
      state: "notified",
      reason: expect.stringMatching(/^notified: pagerduty took it/),
    });
  });

  it("is notify_failed with every channel's reason when none took it", async () => {
    const execution = await notifying();
    await startWorker({ secrets: {} });
    await queue([SLACK, PAGER], {
      topic: "execution.notify",
      about: { executionId: execution.id, runbook: "nginx-loop" },
    });
    await finished(2);
    expect(await findExecution(h.db.db, execution.id)).toMatchObject({
      state: "notify_failed",
      reason:
        "notify_failed: no channel took it (slack: set TEST_SLACK_URL in the bridge's environment (the Slack webhook URL); pagerduty: set TEST_PD_KEY in the bridge's environment (the PagerDuty routing key))",
    });
  });
});
