/**
 * @module
 * The slow loop that heals what webhooks missed: asks GitHub about executions stuck in a
 * non-final state, cancels runs whose alert resolved (onResolved: cancel), and escalates
 * approvals that waited longer than the runbook's approvalTimeout — once. Approvals the bridge
 * holds: asks approvers where the issue failed to open, and expires those unanswered past the
 * runbook's approvalExpiry.
 */
import type { AuditBus } from "../audit-bus.js";
import type { Dispatcher } from "../dispatch/github-dispatcher.js";
import {
  escalateApprovalWait,
  expireApproval,
  recordCancelRequested,
  recordIssueNoticed,
} from "../executions/approval.js";
import { linkRun, markHeardOf, recordJobStates, recordRunState } from "../executions/run.js";
import { CANCELLABLE_ON_GITHUB_STATES } from "../executions/states.js";
import type { Logger } from "../logger.js";
import type { RunbookSet } from "../runbooks/runbook-set.js";
import { asBackgroundWork } from "../store/background-work.js";
import type { Db } from "../store/database.js";
import {
  approvalsNotEscalated,
  type Execution,
  executionsAskedInIssue,
  executionsToCancel,
  findExecution,
  gateAnswersUndelivered,
  heldApprovals,
  issueNoticesDue,
  quietExecutions,
} from "../store/executions.js";
import type { StorageHealth } from "../store/storage-health.js";
import { answerGate } from "./answer-gate.js";
import type { GitHubApi } from "./github-api.js";
import { announceHeldApproval } from "./held-approvals.js";

export interface ReconcilerOptions {
  /** Whether this bridge runs the timed passes (the one holding the timers lease, leadership.ts); always, when absent. */
  leads?: () => Promise<boolean>;
  db: Db;
  api: GitHubApi;
  dispatcher?: Dispatcher;
  runbooks: () => RunbookSet | undefined;
  bus: AuditBus;
  log: Logger;
  intervalMs: number;
  /** An execution not heard of for this long is looked up. */
  quietForMs: number;
  /** Told about writes the storage refused (full disk). */
  storage?: StorageHealth;
  now?: () => number;
}

export interface Reconciler {
  start(): void;
  /** Run a pass soon (e.g. a resolved alert asked for a cancel). */
  kick(): void;
  /** One pass, awaited (tests). */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/** Executions taken per kind of work in one pass; the rest wait for the next. */
const PER_PASS = 50;
/** How long the outbox worker has to open a held approval's issue before the reconciler tries. */
const ANNOUNCE_GRACE_MS = 60_000;

export function createReconciler(options: ReconcilerOptions): Reconciler {
  const now = options.now ?? Date.now;
  const { db, api, log } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const deps = { db, runbooks: options.runbooks };

  async function refresh(execution: Execution): Promise<void> {
    const tracking = { ...deps, now: now() };
    let runId = execution.runId;
    if (runId === null) {
      const loaded = execution.runbook ? options.runbooks()?.index.byName.get(execution.runbook) : undefined;
      if (!options.dispatcher || !loaded) return;
      const found = await options.dispatcher.findRun(
        execution,
        loaded.runbook,
        execution.dispatchedAt ?? execution.createdAt,
        AbortSignal.timeout(15_000),
      );
      // Not on GitHub (yet). It is not marked as heard of: left quiet, it stops blocking its
      // target after RUNBRIDGE_STALE_AFTER, as an execution nobody can account for should.
      if (!found?.runId) return;
      runId = found.runId;
      options.bus.publish(await linkRun(deps, execution, { runId, runUrl: found.runUrl }, now()));
    }
    const run = await api.getRun(runId);
    if (run.status !== "completed") {
      const jobs = (await api.listJobs(runId)).map((job) => ({
        runId: runId as number,
        jobId: job.id,
        name: job.name,
        status: job.status,
        conclusion: job.conclusion,
      }));
      // All jobs at once: one by one, a finished early job would record a `running` that never held.
      options.bus.publish((await recordJobStates(tracking, runId, jobs)).events);
    }
    const observed = await recordRunState(
      { ...deps, now: now() },
      {
        runId,
        runUrl: run.htmlUrl,
        status: run.status,
        conclusion: run.conclusion,
        displayTitle: run.displayTitle,
      },
    );
    options.bus.publish(observed.events);
    if (observed.events.length === 0) {
      await markHeardOf(deps, execution, now());
    }
  }

  /** A gate answer GitHub never received: judged again now, and delivered. */
  async function answerAgain(execution: Execution): Promise<void> {
    if (execution.runId === null || execution.gatePendingEnvironment === null) return;
    const gateDeps = { db, runbooks: options.runbooks, bus: options.bus, api, now };
    const answer = await answerGate(gateDeps, execution.runId, execution.gatePendingEnvironment, execution);
    if (!answer.delivered) throw new Error(`still cannot answer the approval gate: ${answer.failure}`);
  }

  async function cancel(listed: Execution): Promise<void> {
    // re-read before cancelling; a webhook handled earlier in this pass may have moved
    // the execution to running (approved), and a running remediation is never cut off.
    const execution = await findExecution(db, listed.id);
    if (!execution || execution.runId === null || !CANCELLABLE_ON_GITHUB_STATES.includes(execution.state))
      return;
    let outcome: "requested" | "already_completed" = "requested";
    try {
      await api.cancelRun(execution.runId);
    } catch (error) {
      const status = (error as { status?: number }).status;
      // 409: the run already completed; nothing to cancel.
      if (status !== 409) throw error;
      outcome = "already_completed";
    }
    options.bus.publish(await recordCancelRequested(deps, execution, outcome, now()));
  }

  async function escalate(execution: Execution): Promise<void> {
    const runbook = execution.runbook
      ? options.runbooks()?.index.byName.get(execution.runbook)?.runbook
      : undefined;
    // an alert that already resolved is not escalated — the approval gate rejects any
    // approval of it ("alert resolved at …"), so asking people to approve was noise.
    if (!runbook || execution.awaitingSince === null || execution.alertResolvedAt !== null) return;
    const waited = now() - execution.awaitingSince;
    if (waited < runbook.approvalTimeoutMs) return;
    options.bus.publish(await escalateApprovalWait(deps, execution, runbook, waited, now()));
  }

  /** An approval the bridge holds: its issue opened if that failed before; expired when unanswered too long. */
  async function tendHeld(listed: Execution): Promise<void> {
    // Re-read: the outbox worker may have recorded the issue since the pass listed it.
    const execution = await findExecution(db, listed.id);
    if (!execution) return;
    const runbook = execution.runbook
      ? options.runbooks()?.index.byName.get(execution.runbook)?.runbook
      : undefined;
    if (!runbook || execution.approvalHeldAt === null) return;
    if (now() - execution.approvalHeldAt >= runbook.approvalExpiryMs) {
      const events = await expireApproval(deps, execution, runbook.approvalExpiry, now());
      if (!events) return;
      options.bus.publish(events);
      if (execution.approvalIssue !== null) {
        await api.commentOnIssue(
          execution.approvalIssue,
          `Expired: nobody approved execution ${execution.id} within ${runbook.approvalExpiry} (approvalExpiry of runbook ${runbook.name}). Nothing was dispatched; answers here no longer count for it.`,
        );
      }
      return;
    }
    // The outbox worker asks approvers right after holding; only one still without its issue
    // a minute later (GitHub failed then) is asked here, so the two never open an issue each.
    if (execution.approvalIssue === null && now() - execution.approvalHeldAt >= ANNOUNCE_GRACE_MS) {
      await announceHeldApproval(
        { db, runbooks: options.runbooks, bus: options.bus, log, now, api },
        execution.id,
        execution.reason.replace(/^awaiting_approval: held for approval in the bridge: /, ""),
      );
    }
  }

  /**
   * A held approval ended unanswered (its alert resolved, onResolved: cancel): its issue says
   * so, and is closed when it was opened for this execution alone. Closed first: closing is
   * idempotent, so a comment that fails is retried without closing twice or commenting twice.
   */
  async function noticeIssue(listed: Execution): Promise<void> {
    const execution = await findExecution(db, listed.id);
    if (execution?.approvalIssue == null || execution.approvalIssueNoticeAt === null) return;
    const issue = execution.approvalIssue;
    const alone = (await executionsAskedInIssue(db, issue)) === 1;
    let url = "";
    try {
      if (alone) await api.closeIssue(issue, "not_planned");
      url = (
        await api.commentOnIssue(
          issue,
          `Execution ${execution.id} is ${execution.state}: ${execution.reason}. Nothing waits for an answer here any more${alone ? "; closing this issue" : ""}.`,
        )
      ).url;
    } catch (error) {
      // Deleted (410) or gone (404): nobody can read it there any more, so asking again is pointless.
      const status = (error as { status?: number }).status;
      if (status !== 404 && status !== 410) throw error;
    }
    options.bus.publish(
      await recordIssueNoticed(deps, execution, { issue, closed: alone && url !== "", url }, now()),
    );
  }

  async function pass(): Promise<void> {
    const current = now();
    const toCancel = await executionsToCancel(db, PER_PASS);
    const quiet = await quietExecutions(db, current - options.quietForMs, PER_PASS);
    const waiting = await approvalsNotEscalated(db, PER_PASS * 4);
    const gatesUnanswered = await gateAnswersUndelivered(db, PER_PASS);
    const held = await heldApprovals(db, PER_PASS * 4);
    const notices = await issueNoticesDue(db, PER_PASS);
    for (const [list, work, what] of [
      [gatesUnanswered, answerAgain, "approval gate answer"],
      [toCancel, cancel, "cancel"],
      [quiet, refresh, "look-up"],
      [waiting, escalate, "escalation"],
      [held, tendHeld, "held approval"],
      [notices, noticeIssue, "held approval's issue notice"],
    ] as const) {
      for (const execution of list) {
        if (stopped) return;
        try {
          await work(execution);
        } catch (error) {
          log.warn(
            { err: error, executionId: execution.id },
            `reconciler: ${what} failed; will retry next pass`,
          );
        }
      }
    }
  }

  function runOnce(): Promise<void> {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  }

  /** Whether this bridge runs the timed passes (the one holding the timers lease, leadership.ts). */
  const leads = options.leads ?? (async () => true);

  /** A timed pass: its failure (the database unreadable, the disk full) waits for the next, never ends the process. */
  function runInBackground(): void {
    leads()
      .then((leading) => (leading ? runOnce() : undefined))
      .catch((error: unknown) => {
        options.storage?.failed(error, now());
        log.error({ err: error }, "reconciler: pass failed; will retry next pass");
      });
  }

  return {
    start() {
      timer = setInterval(runInBackground, options.intervalMs);
      timer.unref();
    },
    kick() {
      // Kicked from a request (a cancel), the pass is still background work: it must not
      // hold the event loop in a long wait for another process's lock.
      asBackgroundWork(() => setImmediate(runInBackground));
    },
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
