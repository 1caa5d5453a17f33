/**
 * @module
 * Sends committed dispatches to GitHub, most urgent first. Every attempt is an audit
 * event. A call whose fate is unknown (timeout, 5xx, a crash between the call and the
 * commit) is never simply repeated: the next attempt first looks for a run whose name
 * carries the execution id, so each accepted alert starts exactly one run.
 */
import type { AuditBus } from "../audit-bus.js";
import { holdForApproval, suppressUnprotected } from "../executions/approval.js";
import {
  markDispatched,
  markDispatchFailed,
  recordDispatchAttempt,
  scheduleDispatchRetry,
} from "../executions/dispatch.js";
import type { Logger } from "../logger.js";
import type { ResolvedRunbook } from "../runbooks/resolved-runbook.js";
import type { RunbookSet } from "../runbooks/runbook-set.js";
import type { Db } from "../store/database.js";
import { type Execution, findExecution } from "../store/executions.js";
import {
  claimNextDispatch,
  DEFAULT_CLAIM_LEASE_MS,
  finishDispatch,
  nextReadyAt,
  type OutboxRow,
  postponeClaim,
  releaseInFlight,
  renewDispatchLease,
} from "../store/outbox.js";
import type { StorageHealth } from "../store/storage-health.js";
import { backoffMs } from "./backoff.js";
import { createDrainLoop } from "./drain-loop.js";
import type { EnvironmentProtection } from "./environment-protection.js";
import { classifyGitHubError, type Failure } from "./github-client.js";
import type { Dispatcher } from "./github-dispatcher.js";

export interface OutboxWorkerOptions {
  db: Db;
  dispatcher: Dispatcher;
  runbooks: () => RunbookSet;
  bus: AuditBus;
  log: Logger;
  concurrency: number;
  timeoutMs: number;
  maxAttempts: number;
  /** How long after an unanswered call a run may take to show up in GitHub's list. */
  lookupGraceMs: number;
  clock?: () => number;
  /** Told about writes the storage refused (full disk), so /readyz and the metric say so. */
  storage?: StorageHealth;
  /**
   * Other bridges share the database (PostgreSQL): at start only rows whose claim lease ran
   * out are taken back, and that is looked for every half lease while running. Alone, what
   * is in flight at start was left by this bridge's predecessor and is taken back at once.
   */
  sharedDatabase?: boolean;
  /** How long a claim answers for its row unless renewed (tests shorten it). */
  claimLeaseMs?: number;
  /**
   * Approval runbooks: before one is dispatched, whether its environment will hold the run
   * (required reviewers); when it cannot, the bridge holds the approval instead.
   */
  approvals?: {
    protection: EnvironmentProtection;
    /** Asks approvers in GitHub (the issue); called after the hold committed. */
    announce(executionId: string, why: string): Promise<void>;
  };
  /** Called after each processed row (tests and metrics). */
  onSettled?: (
    executionId: string,
    outcome: "dispatched" | "retry" | "failed" | "recovered" | "held" | "suppressed",
  ) => void;
}

export interface OutboxWorker {
  /** Releases what a stopped bridge left in flight, then starts draining. */
  start(): Promise<void>;
  /** Wake up now: new rows were committed. */
  wake(): void;
  /** Stop claiming; resolves when the calls in flight have finished and been recorded. */
  stop(): Promise<void>;
  /** GitHub asked us to wait until then (rate limit); nothing is sent before. */
  pausedUntil(): number;
}

export function createOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const now = options.clock ?? Date.now;
  const { db, log } = options;
  let pauseUntil = 0;

  const deps = { db, runbooks: options.runbooks };
  const publish = (events: Parameters<AuditBus["publish"]>[0]) => options.bus.publish(events);

  async function withTimeout<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const signal = AbortSignal.timeout(options.timeoutMs);
    return call(signal);
  }

  async function process(row: OutboxRow): Promise<void> {
    const execution = await findExecution(db, row.executionId);
    if (!execution) {
      await finishDispatch(db, row.executionId, "failed", now(), "execution row missing");
      return;
    }
    const loaded = execution.runbook ? options.runbooks().index.byName.get(execution.runbook) : undefined;
    if (!loaded) {
      publish(
        await markDispatchFailed(
          deps,
          execution,
          row.attempts,
          `runbook ${execution.runbook} is no longer loaded; nothing was sent`,
          now(),
        ),
      );
      options.onSettled?.(execution.id, "failed");
      return;
    }
    const runbook = loaded.runbook;

    if (row.uncertainSince !== null) {
      const lookAfter = row.uncertainSince + options.lookupGraceMs;
      if (now() < lookAfter) {
        // Too early to look: hand the row back without counting this claim as an attempt
        // (it sent nothing), or every uncertain failure would use up two of maxAttempts.
        await postponeClaim(db, row.executionId, lookAfter, now());
        return;
      }
      let found: Awaited<ReturnType<Dispatcher["findRun"]>>;
      try {
        found = await withTimeout((signal) =>
          options.dispatcher.findRun(execution, runbook, row.uncertainSince ?? row.createdAt, signal),
        );
      } catch (error) {
        const failure = classifyGitHubError(error, now());
        await fail(
          execution,
          row,
          { ...failure, message: `look-up for an earlier run failed (${failure.message})` },
          true,
        );
        return;
      }
      if (found) {
        publish(await markDispatched(deps, execution, row.attempts, found, now(), true));
        options.onSettled?.(execution.id, "recovered");
        return;
      }
    }

    if (await heldBack(execution, row, runbook)) return;

    const what =
      runbook.dispatch === "repository"
        ? "repository_dispatch"
        : `workflow_dispatch ${runbook.workflow}@${runbook.ref}`;
    publish(await recordDispatchAttempt(deps, execution, row.attempts, what, now()));
    let run: Awaited<ReturnType<Dispatcher["dispatch"]>>;
    try {
      run = await withTimeout((signal) => options.dispatcher.dispatch(execution, runbook, signal));
    } catch (error) {
      await fail(execution, row, classifyGitHubError(error, now()), false);
      return;
    }
    publish(await markDispatched(deps, execution, row.attempts, run, now()));
    options.onSettled?.(execution.id, "dispatched");
  }

  /**
   * An approval runbook not yet approved by the bridge: dispatched only when its environment
   * holds the run for required reviewers. Otherwise held in the bridge (approval: bridge or
   * auto) or suppressed (approval: environment) — never sent to run unapproved.
   * @returns true when the row was settled here (held, suppressed, or a failed check)
   */
  async function heldBack(execution: Execution, row: OutboxRow, runbook: ResolvedRunbook): Promise<boolean> {
    const approvals = options.approvals;
    if (runbook.mode !== "approval" || execution.approvedBy !== null || !approvals) return false;
    let why: string;
    if (runbook.approval === "bridge") {
      why = "the runbook says approval: bridge";
    } else {
      let verdict: Awaited<ReturnType<EnvironmentProtection["check"]>>;
      try {
        verdict = await approvals.protection.check(runbook.environment);
      } catch (error) {
        const failure = classifyGitHubError(error, now());
        await fail(
          execution,
          row,
          {
            ...failure,
            message: `cannot read the protection of environment ${runbook.environment} (${failure.message}); nothing was sent`,
          },
          false,
        );
        return true;
      }
      if (verdict.holds) return false;
      if (runbook.approval === "environment") {
        const reason = `approval: environment, but ${verdict.why}. Add required reviewers to environment ${runbook.environment ?? "(none named)"} (Settings → Environments; for a private repository this needs GitHub Enterprise), or set approval: bridge (or auto) with approvers in runbook ${runbook.name}`;
        publish(await suppressUnprotected(deps, execution, reason, now()));
        options.onSettled?.(execution.id, "suppressed");
        return true;
      }
      why = verdict.why;
    }
    publish(await holdForApproval(deps, execution, why, now()));
    options.onSettled?.(execution.id, "held");
    try {
      await approvals.announce(execution.id, why);
    } catch (error) {
      // Held is durable; the reconciler opens the issue on its next pass.
      log.warn(
        { err: error, executionId: execution.id },
        "outbox: could not open the approval issue; the reconciler retries",
      );
    }
    return true;
  }

  /**
   * The one failure path: every failed attempt (a call, a look-up, or the bridge's own
   * error) is classified once, audited, counted against maxAttempts, and either given up
   * or scheduled again — after a look-up whenever the call may have reached GitHub.
   * @param lookingUp the attempt was a look-up, which sent nothing: a new look-up follows
   */
  async function fail(
    execution: Execution,
    row: OutboxRow,
    failure: Failure,
    lookingUp: boolean,
  ): Promise<void> {
    if (failure.kind === "internal") {
      log.error(
        { executionId: execution.id, failure: failure.message },
        "outbox: internal error while dispatching",
      );
    }
    if (failure.kind === "permanent" && !lookingUp) {
      publish(await markDispatchFailed(deps, execution, row.attempts, failure.message, now()));
      options.onSettled?.(execution.id, "failed");
      return;
    }
    if (row.attempts >= options.maxAttempts) {
      publish(
        await markDispatchFailed(
          deps,
          execution,
          row.attempts,
          `gave up after ${row.attempts} attempts; last error: ${failure.message}`,
          now(),
        ),
      );
      options.onSettled?.(execution.id, "failed");
      return;
    }
    if (failure.kind === "rate_limited") {
      // GitHub's limit is per token, not per row: hold every dispatch until it lifts.
      pauseUntil = Math.max(pauseUntil, now() + failure.retryAfterMs);
    }
    const delayMs = failure.kind === "rate_limited" ? failure.retryAfterMs : backoffMs(row.attempts);
    // Whether an unanswered call (or our own error mid-call) reached GitHub is unknown:
    // look before sending again. A look-up that failed stays a look-up.
    const uncertain = lookingUp || failure.kind === "uncertain" || failure.kind === "internal";
    publish(
      await scheduleDispatchRetry(deps, execution, {
        attempt: row.attempts,
        message: failure.message,
        at: now() + delayMs,
        uncertain,
        now: now(),
      }),
    );
    options.onSettled?.(execution.id, "retry");
  }

  /**
   * `process` itself threw (the database, or a bug): the same failure path as a failed
   * call. When even recording fails (the disk is full), the drain loop keeps the row
   * claimed and tries again after a pause, never dropping it nor crashing the process.
   */
  async function recordUnexpected(row: OutboxRow, error: unknown): Promise<void> {
    const execution = await findExecution(db, row.executionId);
    if (execution) await fail(execution, row, { kind: "internal", message: String(error) }, false);
    else await finishDispatch(db, row.executionId, "failed", now(), "execution row missing");
  }

  const shared = options.sharedDatabase ?? false;
  const leaseMs = options.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS;
  const drain = createDrainLoop<OutboxRow>({
    name: "outbox",
    log,
    concurrency: options.concurrency,
    now,
    storage: options.storage,
    claim: (at) => claimNextDispatch(db, at, at + leaseMs),
    nextReadyAt: () => nextReadyAt(db),
    process,
    recordUnexpected,
    pausedUntil: () => pauseUntil,
    lease: {
      ttlMs: leaseMs,
      renew: (row, until) => renewDispatchLease(db, row.executionId, until),
      shared,
      releaseExpired: async (at) => (await releaseInFlight(db, at, "expired")).length,
    },
  });

  let started = false;
  return {
    async start() {
      if (started) return;
      started = true;
      const released = await releaseInFlight(db, now(), shared ? "expired" : "all");
      if (released.length > 0) {
        log.warn(
          { count: released.length },
          "outbox: rows were in flight when the bridge stopped; each will look for its run before dispatching again",
        );
      }
      drain.start();
    },
    wake: drain.wake,
    async stop() {
      started = false;
      await drain.stop();
    },
    pausedUntil: () => pauseUntil,
  };
}
