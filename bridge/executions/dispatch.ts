/**
 * @module
 * Transitions of a committed dispatch, as the outbox worker meets GitHub: each attempt,
 * each retry, the run GitHub started, the dispatch given up. Each writes the outbox row,
 * the execution row and their audit events in one transaction and returns the events.
 */
import type { AuditEvent } from "../store/audit.js";
import { appendAudit, executionEvent } from "../store/audit.js";
import type { Execution } from "../store/executions.js";
import { finishDispatch, retryDispatchLater } from "../store/outbox.js";
import { inTransaction } from "../store/transaction.js";
import type { ExecutionDeps } from "./deps.js";
import { enterState } from "./enter-state.js";

/** The outbox is about to call GitHub: audited before the call, so a crash mid-call shows. */
export async function recordDispatchAttempt(
  deps: ExecutionDeps,
  execution: Execution,
  attempt: number,
  what: string,
  now: number,
): Promise<AuditEvent[]> {
  return [
    await appendAudit(
      deps.db,
      executionEvent(execution, now, "dispatch.attempt", `attempt ${attempt}: ${what}`),
    ),
  ];
}

/**
 * GitHub started (or, found on look-up, had already started) the run.
 * @param recovered the run was found by the look-up after an unanswered attempt
 */
export async function markDispatched(
  deps: ExecutionDeps,
  execution: Execution,
  attempts: number,
  run: { runId?: number; runUrl?: string },
  now: number,
  recovered = false,
): Promise<AuditEvent[]> {
  return await inTransaction(deps.db, async (tx) => {
    await finishDispatch(tx, execution.id, "done", now);
    const detail = recovered
      ? `an earlier attempt had started run ${run.runId}; not dispatching again`
      : run.runId
        ? `GitHub started run ${run.runId}`
        : "GitHub accepted the dispatch";
    return await enterState(tx, deps, execution, "dispatched", {
      detail,
      now,
      kind: recovered ? "dispatch.recovered" : "dispatch.accepted",
      keepReason: true,
      changes: {
        runId: run.runId ?? null,
        runUrl: run.runUrl ?? null,
        dispatchedAt: now,
        dispatchAttempts: attempts,
      },
      data: { runId: run.runId, runUrl: run.runUrl },
    });
  });
}

/** The dispatch is given up: nothing more will be sent. Counts against the runbook's breaker. */
export async function markDispatchFailed(
  deps: ExecutionDeps,
  execution: Execution,
  attempts: number,
  message: string,
  now: number,
): Promise<AuditEvent[]> {
  return await inTransaction(deps.db, async (tx) => {
    await finishDispatch(tx, execution.id, "failed", now, message);
    return await enterState(tx, deps, execution, "dispatch_failed", {
      detail: message,
      now,
      kind: "dispatch.failed",
      reason: `dispatch failed: ${message}`,
      changes: { dispatchAttempts: attempts },
    });
  });
}

/**
 * An attempt failed and will be tried again at `at`.
 * @param uncertain the call may have reached GitHub: the next attempt looks for its run first
 */
export async function scheduleDispatchRetry(
  deps: ExecutionDeps,
  execution: Execution,
  retry: { attempt: number; message: string; at: number; uncertain: boolean; now: number },
): Promise<AuditEvent[]> {
  return await inTransaction(deps.db, async (tx) => {
    await retryDispatchLater(tx, execution.id, retry.at, retry.now, retry.message, retry.uncertain);
    return [
      await appendAudit(
        tx,
        executionEvent(
          execution,
          retry.now,
          "dispatch.retry",
          `attempt ${retry.attempt} failed (${retry.message}); retrying at ${new Date(retry.at).toISOString()}`,
          { uncertain: retry.uncertain, delayMs: retry.at - retry.now },
        ),
      ),
    ];
  });
}
