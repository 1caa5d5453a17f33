/**
 * @module
 * Sends committed dispatches to GitHub, most urgent first. Every attempt is an audit
 * event. A call whose fate is unknown (timeout, 5xx, a crash between the call and the
 * commit) is never simply repeated: the next attempt first looks for a run whose name
 * carries the execution id, so each accepted alert starts exactly one run.
 */
import type { AuditBus } from "../audit-bus.js";
import type { Logger } from "../logger.js";
import type { RunbookSet } from "../runbooks/runbook-set.js";
import { type AuditEvent, appendAudit, executionEvent, type NewAuditEvent } from "../store/audit.js";
import { recordBreakerFailure } from "../store/breakers.js";
import type { Db } from "../store/database.js";
import { type Execution, findExecution, updateExecution } from "../store/executions.js";
import {
  claimNextDispatch,
  finishDispatch,
  nextReadyAt,
  type OutboxRow,
  postponeClaim,
  releaseInFlight,
  retryDispatchLater,
} from "../store/outbox.js";
import { inTransaction } from "../store/transaction.js";
import { backoffMs } from "./backoff.js";
import { classifyGitHubError } from "./github-client.js";
import type { DispatchedRun, Dispatcher } from "./github-dispatcher.js";

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
  /** Called after each processed row (tests and metrics). */
  onSettled?: (executionId: string, outcome: "dispatched" | "retry" | "failed" | "recovered") => void;
}

export interface OutboxWorker {
  start(): void;
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
  let running = false;
  let pauseUntil = 0;
  const sleepers = new Set<() => void>();
  const loops: Promise<void>[] = [];

  function record(events: NewAuditEvent[]): void {
    const written: AuditEvent[] = [];
    inTransaction(db, (tx) => {
      for (const event of events) written.push(appendAudit(tx, event));
    });
    options.bus.publish(written);
  }

  function eventFor(
    execution: Execution,
    kind: string,
    message: string,
    data?: Record<string, unknown>,
  ): NewAuditEvent {
    return executionEvent(execution, now(), kind, message, data);
  }

  function markDispatched(
    execution: Execution,
    row: OutboxRow,
    run: DispatchedRun,
    kind: string,
    message: string,
  ): void {
    const at = now();
    const written: AuditEvent[] = [];
    inTransaction(db, (tx) => {
      finishDispatch(tx, execution.id, "done", at);
      updateExecution(tx, execution.id, {
        state: "dispatched",
        runId: run.runId ?? null,
        runUrl: run.runUrl ?? null,
        dispatchedAt: at,
        dispatchAttempts: row.attempts,
        updatedAt: at,
      });
      written.push(
        appendAudit(tx, {
          ...eventFor(execution, kind, message, { runId: run.runId, runUrl: run.runUrl }),
          at,
        }),
      );
    });
    options.bus.publish(written);
  }

  function markFailed(execution: Execution, row: OutboxRow, message: string): void {
    const at = now();
    const written: AuditEvent[] = [];
    inTransaction(db, (tx) => {
      finishDispatch(tx, execution.id, "failed", at, message);
      const reason = `dispatch failed: ${message}`;
      updateExecution(tx, execution.id, {
        state: "dispatch_failed",
        reason,
        dispatchAttempts: row.attempts,
        updatedAt: at,
        finishedAt: at,
      });
      written.push(appendAudit(tx, { ...eventFor(execution, "dispatch.failed", reason), at }));
      const runbook = execution.runbook
        ? options.runbooks().index.byName.get(execution.runbook)?.runbook
        : undefined;
      const opened = recordBreakerFailure(tx, {
        runbook: execution.runbook ?? "",
        target: execution.target ?? undefined,
        executionId: execution.id,
        config: runbook?.guards?.breaker,
        now: at,
        why: message,
      });
      if (opened) {
        written.push(
          appendAudit(tx, {
            ...eventFor(execution, "breaker.opened", `breaker ${opened.key} opened: ${opened.reason}`),
            at,
          }),
        );
      }
    });
    options.bus.publish(written);
  }

  async function withTimeout<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const signal = AbortSignal.timeout(options.timeoutMs);
    return call(signal);
  }

  async function process(row: OutboxRow): Promise<void> {
    const execution = findExecution(db, row.executionId);
    if (!execution) {
      finishDispatch(db, row.executionId, "failed", now(), "execution row missing");
      return;
    }
    const loaded = execution.runbook ? options.runbooks().index.byName.get(execution.runbook) : undefined;
    if (!loaded) {
      markFailed(execution, row, `runbook ${execution.runbook} is no longer loaded; nothing was sent`);
      options.onSettled?.(execution.id, "failed");
      return;
    }
    const runbook = loaded.runbook;

    if (row.uncertainSince !== null) {
      const lookAfter = row.uncertainSince + options.lookupGraceMs;
      if (now() < lookAfter) {
        // Too early to look: hand the row back without counting this claim as an attempt
        // (it sent nothing), or every uncertain failure would use up two of maxAttempts.
        postponeClaim(db, row.executionId, lookAfter, now());
        return;
      }
      try {
        const found = await withTimeout((signal) =>
          options.dispatcher.findRun(execution, runbook, row.uncertainSince ?? row.createdAt, signal),
        );
        if (found) {
          markDispatched(
            execution,
            row,
            found,
            "dispatch.recovered",
            `an earlier attempt had started run ${found.runId}; not dispatching again`,
          );
          options.onSettled?.(execution.id, "recovered");
          return;
        }
      } catch (error) {
        const failure = classifyGitHubError(error, now());
        schedule(
          execution,
          row,
          `look-up for an earlier run failed (${failure.message})`,
          failure.kind === "rate_limited" ? failure.retryAfterMs : backoffMs(row.attempts),
          true,
        );
        return;
      }
    }

    record([
      eventFor(
        execution,
        "dispatch.attempt",
        `attempt ${row.attempts}: ${runbook.dispatch === "repository" ? "repository_dispatch" : `workflow_dispatch ${runbook.workflow}@${runbook.ref}`}`,
      ),
    ]);
    try {
      const run = await withTimeout((signal) => options.dispatcher.dispatch(execution, runbook, signal));
      markDispatched(
        execution,
        row,
        run,
        "dispatch.accepted",
        run.runId ? `GitHub started run ${run.runId}` : "GitHub accepted the dispatch",
      );
      options.onSettled?.(execution.id, "dispatched");
    } catch (error) {
      const failure = classifyGitHubError(error, now());
      if (failure.kind === "permanent") {
        markFailed(execution, row, failure.message);
        options.onSettled?.(execution.id, "failed");
        return;
      }
      if (failure.kind === "rate_limited") {
        // GitHub's limit is per token, not per row: hold every dispatch until it lifts.
        pauseUntil = Math.max(pauseUntil, now() + failure.retryAfterMs);
      }
      const delay = failure.kind === "rate_limited" ? failure.retryAfterMs : backoffMs(row.attempts);
      schedule(execution, row, failure.message, delay, failure.kind === "uncertain");
    }
  }

  function schedule(
    execution: Execution,
    row: OutboxRow,
    message: string,
    delayMs: number,
    uncertain: boolean,
  ): void {
    if (row.attempts >= options.maxAttempts) {
      markFailed(execution, row, `gave up after ${row.attempts} attempts; last error: ${message}`);
      options.onSettled?.(execution.id, "failed");
      return;
    }
    const at = now() + delayMs;
    retryDispatchLater(db, execution.id, at, now(), message, uncertain);
    record([
      eventFor(
        execution,
        "dispatch.retry",
        `attempt ${row.attempts} failed (${message}); retrying at ${new Date(at).toISOString()}`,
        {
          uncertain,
          delayMs,
        },
      ),
    ]);
    options.onSettled?.(execution.id, "retry");
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        sleepers.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      sleepers.add(finish);
    });
  }

  function wakeAll(): void {
    for (const finish of [...sleepers]) finish();
  }

  async function loop(): Promise<void> {
    while (running) {
      const current = now();
      if (current < pauseUntil) {
        await sleep(Math.min(pauseUntil - current, 1_000));
        continue;
      }
      let row: OutboxRow | undefined;
      try {
        row = claimNextDispatch(db, current);
      } catch (error) {
        log.error({ err: error }, "outbox: cannot read the outbox; retrying in 1s");
        await sleep(1_000);
        continue;
      }
      if (!row) {
        const next = nextReadyAt(db);
        await sleep(next === undefined ? 1_000 : Math.max(5, Math.min(next - current, 1_000)));
        continue;
      }
      try {
        await process(row);
      } catch (error) {
        log.error(
          { err: error, executionId: row.executionId },
          "outbox: unexpected error; the row will be retried",
        );
        retryDispatchLater(db, row.executionId, now() + backoffMs(row.attempts), now(), String(error), true);
      }
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      const released = releaseInFlight(db, now());
      if (released.length > 0) {
        log.warn(
          { count: released.length },
          "outbox: rows were in flight when the bridge stopped; each will look for its run before dispatching again",
        );
      }
      for (let index = 0; index < options.concurrency; index++) loops.push(loop());
    },
    wake: wakeAll,
    async stop() {
      running = false;
      wakeAll();
      await Promise.all(loops);
      loops.length = 0;
    },
    pausedUntil: () => pauseUntil,
  };
}
