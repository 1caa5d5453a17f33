/**
 * @module
 * Sends the bridge's own notifications from the notification outbox (store/notifications.ts):
 * Slack-compatible webhooks, PagerDuty Events API v2, GitHub issues. Every attempt is an
 * audit event before the call and its outcome one after (with the metric the audit bus
 * feeds); a failure that may pass is retried with the dispatch outbox's backoff, one that
 * cannot (a missing secret, a 4xx) is given up at once. Runs beside the dispatch outbox on
 * the same drain loop.
 */
import type { AuditBus } from "../audit-bus.js";
import { FAILURE_TOPIC } from "../executions/failure-notice.js";
import {
  type NotificationOutcome,
  recordNotificationAttempt,
  settleNotification,
} from "../executions/notifications.js";
import type { GitHubApi } from "../github/github-api.js";
import type { Logger } from "../logger.js";
import { withDiagnostics } from "../notify/diagnostics-summary.js";
import { NotificationError, type PostDeps, postPagerDuty, postSlack } from "../notify/post-json.js";
import type { IssueRequest, NotificationRequest } from "../notify/request.js";
import type { RunbookSet } from "../runbooks/runbook-set.js";
import type { Db } from "../store/database.js";
import { findExecution } from "../store/executions.js";
import {
  claimNextNotification,
  type NotificationRow,
  type NotificationThread,
  nextNotificationReadyAt,
  readNotificationThread,
  releaseInFlightNotifications,
  renewNotificationLease,
} from "../store/notifications.js";
import { DEFAULT_CLAIM_LEASE_MS } from "../store/outbox.js";
import type { StorageHealth } from "../store/storage-health.js";
import { backoffMs } from "./backoff.js";
import { findDiagnostics } from "./diagnostics-lookup.js";
import { createDrainLoop } from "./drain-loop.js";
import { classifyGitHubError } from "./github-client.js";

export interface NotificationWorkerOptions extends PostDeps {
  db: Db;
  /** Issues need GitHub; without credentials an issue notification fails, saying so. */
  api?: GitHubApi;
  runbooks: () => RunbookSet | undefined;
  bus: AuditBus;
  log: Logger;
  maxAttempts: number;
  concurrency?: number;
  clock?: () => number;
  storage?: StorageHealth;
  /**
   * Other bridges share the database (PostgreSQL): at start only rows whose claim lease ran
   * out are taken back, and that is looked for every half lease while running. Alone, what
   * is in flight at start was left by this bridge's predecessor and is taken back at once.
   */
  sharedDatabase?: boolean;
  /** How long a claim answers for its row unless renewed (tests shorten it). */
  claimLeaseMs?: number;
  /** Called after each processed row (tests). */
  onSettled?: (row: NotificationRow, outcome: NotificationOutcome["kind"]) => void;
}

export interface NotificationWorker {
  /** Releases what a stopped bridge left in flight, then starts draining. */
  start(): Promise<void>;
  /** Wake up now: new rows were committed. */
  wake(): void;
  stop(): Promise<void>;
}

/** What sending a row did, and for an issue the thread's issue afterwards. */
interface Sent {
  kind: "sent" | "skipped";
  text: string;
  thread?: Omit<NotificationThread, "thread" | "updatedAt">;
}

export function createNotificationWorker(options: NotificationWorkerOptions): NotificationWorker {
  const now = options.clock ?? Date.now;
  const { db, log } = options;
  const deps = { db, runbooks: options.runbooks };

  async function sendIssue(row: NotificationRow, request: IssueRequest): Promise<Sent> {
    const api = options.api;
    if (!api) throw new NotificationError("no GitHub credentials: set GITHUB_TOKEN or a GitHub App", false);
    const thread = row.thread ? await readNotificationThread(db, row.thread) : undefined;
    // An issue someone closed by hand is not written to again: a new one is opened instead.
    const open = thread?.open && (await api.issueIsOpen(thread.issueNumber)) ? thread : undefined;
    if (request.action === "open") {
      if (open) {
        const comment = await api.commentOnIssue(open.issueNumber, request.body);
        return { kind: "sent", text: comment.url, thread: { ...open } };
      }
      if (!request.mayOpen) return { kind: "skipped", text: "no open issue to comment on" };
      const created = await api.createIssue(request.title, request.body, request.labels, request.assignees);
      return {
        kind: "sent",
        text: created.url,
        thread: { issueNumber: created.number, issueUrl: created.url, open: true },
      };
    }
    if (!open) return { kind: "skipped", text: `no open issue to ${request.action}` };
    const comment = await api.commentOnIssue(open.issueNumber, request.body);
    if (request.action === "comment") return { kind: "sent", text: comment.url, thread: { ...open } };
    await api.closeIssue(open.issueNumber);
    return { kind: "sent", text: `closed ${open.issueUrl}`, thread: { ...open, open: false } };
  }

  /**
   * A failure notice gets its run's diagnostics summary now: it is on GitHub once the run is
   * over, after the notice was queued. Read at each attempt; what a retry sends may then differ
   * from the first attempt only by diagnostics that appeared meanwhile.
   */
  async function requestOf(row: NotificationRow): Promise<NotificationRequest> {
    if (row.topic !== FAILURE_TOPIC || !row.executionId || !options.api) return row.request;
    const execution = await findExecution(db, row.executionId);
    if (execution?.runId == null) return row.request;
    const found = await findDiagnostics(
      options.api,
      { executionId: execution.id, runId: execution.runId, runUrl: execution.runUrl },
      now(),
    );
    return withDiagnostics(row.request, found);
  }

  async function send(row: NotificationRow): Promise<Sent> {
    const request = await requestOf(row);
    switch (request.channel) {
      case "slack":
        return { kind: "sent", text: await postSlack(options, request) };
      case "pagerduty":
        return { kind: "sent", text: await postPagerDuty(options, request) };
      case "issue":
        return sendIssue(row, request);
    }
  }

  /** A failure as the outcome to record: retried with backoff while it may pass, else given up. */
  function failureOutcome(row: NotificationRow, error: unknown): NotificationOutcome {
    let message: string;
    let retry: boolean;
    let waitMs: number | undefined;
    if (error instanceof NotificationError) {
      ({ message, retry } = error);
      waitMs = error.retryAfterMs;
    } else {
      const failure = classifyGitHubError(error, now());
      message = `GitHub: ${failure.message}`;
      // An unanswered issue call may have gone through: sent again, it may show twice
      // (at least once is what a person needs here).
      retry = failure.kind !== "permanent";
      if (failure.kind === "rate_limited") waitMs = failure.retryAfterMs;
    }
    if (!retry) return { kind: "failed", error: message };
    if (row.attempts >= options.maxAttempts) {
      return { kind: "failed", error: `gave up after ${row.attempts} attempts; last error: ${message}` };
    }
    return { kind: "retry", error: message, at: now() + (waitMs ?? backoffMs(row.attempts)) };
  }

  async function settle(
    row: NotificationRow,
    outcome: NotificationOutcome,
    thread?: Sent["thread"],
  ): Promise<void> {
    options.bus.publish(await settleNotification(deps, row, outcome, now(), thread));
    options.onSettled?.(row, outcome.kind);
  }

  async function process(row: NotificationRow): Promise<void> {
    options.bus.publish(await recordNotificationAttempt(db, row, now()));
    let sent: Sent;
    try {
      sent = await send(row);
    } catch (error) {
      const outcome = failureOutcome(row, error);
      if (outcome.kind === "failed") {
        log.warn(
          { notification: row.id, channel: row.channel, error: outcome.error },
          "notification given up",
        );
      }
      await settle(row, outcome);
      return;
    }
    await settle(
      row,
      sent.kind === "sent" ? { kind: "sent", result: sent.text } : { kind: "skipped", why: sent.text },
      sent.thread,
    );
  }

  const shared = options.sharedDatabase ?? false;
  const leaseMs = options.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS;
  const drain = createDrainLoop<NotificationRow>({
    name: "notifications",
    log,
    concurrency: options.concurrency ?? 1,
    now,
    storage: options.storage,
    claim: (at) => claimNextNotification(db, at, at + leaseMs),
    nextReadyAt: () => nextNotificationReadyAt(db),
    process,
    recordUnexpected: (row, error) => settle(row, failureOutcome(row, error)),
    lease: {
      ttlMs: leaseMs,
      renew: (row, until) => renewNotificationLease(db, row.id, until),
      shared,
      releaseExpired: (at) => releaseInFlightNotifications(db, at, "expired"),
    },
  });

  let started = false;
  return {
    async start() {
      if (started) return;
      started = true;
      const released = await releaseInFlightNotifications(db, now(), shared ? "expired" : "all");
      if (released > 0) {
        log.warn(
          { count: released },
          "notifications: rows were in flight when the bridge stopped; sending them again",
        );
      }
      drain.start();
    },
    wake: drain.wake,
    async stop() {
      started = false;
      await drain.stop();
    },
  };
}
