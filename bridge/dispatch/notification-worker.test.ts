// The notification worker on both store engines, with real HTTP receivers on loopback and the
// GitHub API emulator (every request checked against GitHub's OpenAPI description). The loop
// harness holds a SQLite file only, so the GitHub side is put together here.
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import { createGitHubEmulator, type GitHubEmulator } from "../../test/github-emulator/index.js";
import {
  type NotificationReceivers,
  startNotificationReceivers,
} from "../../test/harness/notification-receivers.js";
import { waitUntil } from "../../test/harness/ports.js";
import { loopRunbooks } from "../../test/loop/seed.js";
import { type AuditBus, createAuditBus } from "../audit-bus.js";
import { queueNotifications } from "../executions/queue-notifications.js";
import { createGitHubApi, type GitHubApi } from "../github/github-api.js";
import { createLogger } from "../logger.js";
import { type Occasion, planFollowUps, planNotifications } from "../notify/plan.js";
import type { ResolvedNotification } from "../runbooks/resolved-runbook.js";
import type { RunbookSet } from "../runbooks/runbook-set.js";
import { queryAudit } from "../store/audit.js";
import { insertExecution } from "../store/execution-writes.js";
import { type Execution, findExecution } from "../store/executions.js";
import { newExecutionId } from "../store/ids.js";
import type { NotificationRow } from "../store/notifications.js";
import { notifications } from "../store/schema.js";
import { inTransaction } from "../store/transaction.js";
import { createGitHubClient } from "./github-client.js";
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

const REPOSITORY = { owner: "acme", repo: "infra" };
const log = createLogger("silent");

let gh: GitHubEmulator;
let api: GitHubApi;
let bus: AuditBus;
let clock: { now: number };
let runbooks: RunbookSet;
let receivers: NotificationReceivers;
let worker: NotificationWorker | undefined;
let settled: [NotificationRow, string][];

beforeEach(async () => {
  gh = await createGitHubEmulator();
  // Issues go through the bridge's own client (throttling and retry plugins).
  const client = createGitHubClient(
    { apiUrl: gh.url, ...REPOSITORY, auth: { kind: "token", token: "ghs_loop" } },
    log,
  );
  api = createGitHubApi(client, REPOSITORY);
  bus = createAuditBus();
  clock = { now: Date.parse("2025-06-02T12:00:00Z") };
  runbooks = loopRunbooks();
  receivers = await startNotificationReceivers();
  settled = [];
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  expect(gh.violations).toEqual([]);
  await receivers.close();
  await gh.close();
});

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const db = useEngineStore(engine, "notification_worker");

  async function startWorker(options: { maxAttempts?: number; secrets?: Record<string, string> } = {}) {
    const secrets: Record<string, string> = options.secrets ?? {
      TEST_SLACK_URL: receivers.slackUrl,
      TEST_PD_KEY: ROUTING_KEY,
    };
    worker = createNotificationWorker({
      db: db.db,
      api,
      runbooks: () => runbooks,
      bus,
      log,
      secret: (name) => secrets[name],
      pagerDutyUrl: receivers.pagerDutyUrl,
      timeoutMs: 5_000,
      maxAttempts: options.maxAttempts ?? 5,
      clock: () => clock.now,
      onSettled: (row, outcome) => {
        settled.push([row, outcome]);
        // A retry is due at once: the test clock jumps past its backoff.
        if (outcome === "retry") clock.now += 10 * 60_000;
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

  /**
   * Queues in one transaction, as the transition that causes them does: the worker, already
   * running, must not take the first row before the last is written (on PostgreSQL it claims
   * on a connection of its own, and a notify-mode execution would be settled on one channel).
   */
  async function queue(channels: ResolvedNotification[], over: Partial<Occasion> = {}) {
    const planned = planNotifications(channels, occasion(over));
    const events = await inTransaction(db.db, (tx) => queueNotifications(tx, planned, clock.now));
    bus.publish(events);
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
      expect(await db.count("notifications", "state = 'sent'")).toBe(2);
      const kinds = (await queryAudit(db.db, { n: 20 }))
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
      expect(await db.count("notifications")).toBe(1);
    });

    it("retries a receiver answering 500, then 429, and delivers once when it answers 202", async () => {
      receivers.failNext("/v2/enqueue", 500, 429);
      await startWorker();
      await queue([PAGER]);
      await finished(1);
      expect(receivers.received.map((request) => request.status)).toEqual([500, 429, 202]);
      expect(receivers.accepted("/v2/enqueue")).toHaveLength(1);
      expect(settled.map(([, outcome]) => outcome)).toEqual(["retry", "retry", "sent"]);
      expect((await queryAudit(db.db, { kind: "notification.retry" })).map((event) => event.message)).toEqual(
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
        (await queryAudit(db.db, { kind: "notification.failed" })).map((event) => event.message).reverse(),
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
      expect((await queryAudit(db.db, { kind: "notification.failed" }))[0]?.message).toMatch(
        /^slack gave up: gave up after 2 attempts; last error: Slack webhook answered 503/,
      );
    });

    it("opens one issue per thread, comments on it while open, then comments and closes it", async () => {
      await startWorker();
      await queue([ISSUE], { key: "breaker:x@1:opened" });
      await finished(1);
      await queue([ISSUE], { key: "breaker:x@2:opened", message: { headline: "opened again", details: [] } });
      await finished(2);
      expect(gh.state.issues).toHaveLength(1);
      expect(gh.state.issues[0]).toMatchObject({
        title: "nginx-loop broke",
        labels: ["breaker"],
        state: "open",
      });
      expect(gh.state.issues[0]?.comments.map((comment) => comment.body)).toEqual(["**opened again**"]);

      const opened = await db.db
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
      bus.publish(await queueNotifications(db.db, closing, clock.now));
      worker?.wake();
      await finished(3);
      expect(gh.state.issues[0]?.state).toBe("closed");
      expect(gh.state.issues[0]?.comments.map((comment) => comment.body)).toEqual([
        "**opened again**",
        "**closed**",
      ]);

      // Closed: a comment has nothing to go to, and a new opening opens a new issue.
      bus.publish(
        await queueNotifications(
          db.db,
          closing.map((row) => ({ ...row, dedupKey: "again" })),
          clock.now,
        ),
      );
      worker?.wake();
      await finished(4);
      expect(settled.at(-1)?.[1]).toBe("skipped");
      await queue([ISSUE], { key: "breaker:x@3:opened" });
      await finished(5);
      expect(gh.state.issues.map((issue) => issue.state)).toEqual(["closed", "open"]);
    });
  });

  describe("a notify-mode execution", () => {
    /**
     * A notify-mode nginx-loop execution on web-1, as the decision leaves it while it notifies.
     * Not the loop's seedExecution: it writes its alert row without awaiting it, which only
     * SQLite's synchronous driver makes safe (and the worker reads no alert row).
     */
    async function notifying(): Promise<Execution> {
      const id = newExecutionId(clock.now);
      const startsAt = new Date(clock.now - 60_000).toISOString();
      await insertExecution(db.db, {
        id,
        occurrenceKey: `${id}@${startsAt}`,
        fingerprint: id,
        startsAt,
        alertname: "NginxDown",
        severity: "critical",
        runbook: "nginx-loop",
        target: "web-1",
        mode: "notify",
        state: "notifying",
        reason: "notifying",
        alert: { labels: { alertname: "NginxDown", instance: "web-1:9113", severity: "critical" } },
        createdAt: clock.now,
        updatedAt: clock.now,
        committedAt: clock.now,
      });
      return (await findExecution(db.db, id)) as Execution;
    }

    it("is notified once a channel took it, even when another failed", async () => {
      const execution = await notifying();
      await startWorker({ secrets: { TEST_PD_KEY: ROUTING_KEY } });
      await queue([SLACK, PAGER], {
        topic: "execution.notify",
        about: { executionId: execution.id, runbook: "nginx-loop" },
      });
      await finished(2);
      expect(await findExecution(db.db, execution.id)).toMatchObject({
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
      expect(await findExecution(db.db, execution.id)).toMatchObject({
        state: "notify_failed",
        reason:
          "notify_failed: no channel took it (slack: set TEST_SLACK_URL in the bridge's environment (the Slack webhook URL); pagerduty: set TEST_PD_KEY in the bridge's environment (the PagerDuty routing key))",
      });
    });
  });
});
