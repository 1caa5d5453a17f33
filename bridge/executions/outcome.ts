/**
 * @module
 * What a succeeded run achieved. The run's steps passing says nothing about the alert, so a
 * `succeeded` execution waits for it: a resolved notification that shows the alert ended by the
 * runbook's deadline (`outcome.within` after the run) makes it `verified`, with the time from the
 * alert's start and from the dispatch to its end; the outcome watcher's check at the deadline
 * makes it `verified` (Alertmanager no longer lists it: the notification was lost) or
 * `not_cleared`. Each is one transition: the row, an `execution.outcome` audit event and the
 * breaker's bookkeeping (verified is a success, not_cleared a failure) in one transaction.
 */
import { runbookOutcome } from "../runbooks/resolve.js";
import type { ResolvedOutcome } from "../runbooks/resolved-runbook.js";
import type { AuditEvent } from "../store/audit.js";
import type { Db } from "../store/database.js";
import { type Execution, findExecution, type NewExecution } from "../store/executions.js";
import { inTransaction } from "../store/transaction.js";
import { type ExecutionDeps, runbookOf } from "./deps.js";
import { enterState } from "./enter-state.js";

/** When and how the bridge learned that the alert ended. */
export interface Clearing {
  /** When the alert ended (Alertmanager's endsAt), or when the bridge saw it gone. */
  clearedAt: number;
  /** False when only an upper bound is known (the API check found it gone; when exactly is lost). */
  exact: boolean;
  /** How the bridge knows, for people. */
  how: string;
}

/** What the deadline check found out about the alert. */
export type AlertCheck =
  | { kind: "inactive"; source: string }
  | { kind: "active"; source: string }
  | { kind: "unknown"; why: string };

/** The runbook's outcome settings, or the schema's defaults when it is no longer loaded. */
export function outcomeOf(deps: ExecutionDeps, execution: Pick<Execution, "runbook">): ResolvedOutcome {
  return runbookOf(deps, execution)?.outcome ?? runbookOutcome(undefined);
}

/** "3m40s" — whole seconds, for reasons people read. */
export function spoken(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours > 0) return `${hours}h${minutes ? `${minutes}m` : ""}`;
  if (minutes > 0) return `${minutes}m${rest ? `${rest}s` : ""}`;
  return `${rest}s`;
}

/** Milliseconds from the alert's start and from the dispatch to its end (undefined when unknown). */
export function resolutionTimes(
  execution: Pick<Execution, "startsAt" | "dispatchedAt">,
  clearedAt: number,
): { sinceStartMs?: number; sinceDispatchMs?: number } {
  const started = Date.parse(execution.startsAt);
  return {
    ...(Number.isFinite(started) && { sinceStartMs: Math.max(0, clearedAt - started) }),
    ...(execution.dispatchedAt !== null && {
      sinceDispatchMs: Math.max(0, clearedAt - execution.dispatchedAt),
    }),
  };
}

async function enterVerified(
  tx: Db,
  deps: ExecutionDeps,
  execution: Execution,
  clearing: Clearing,
  now: number,
): Promise<AuditEvent[]> {
  const times = resolutionTimes(execution, clearing.clearedAt);
  const bound = clearing.exact ? "" : "at most ";
  const parts = [
    times.sinceStartMs !== undefined && `${bound}${spoken(times.sinceStartMs)} after it started`,
    times.sinceDispatchMs !== undefined && `${bound}${spoken(times.sinceDispatchMs)} after dispatch`,
  ].filter(Boolean);
  const detail = `alert cleared${parts.length ? ` ${parts.join(", ")}` : ""}; ${clearing.how}`;
  return await enterState(tx, deps, execution, "verified", {
    detail,
    reason: `verified: ${detail}`,
    kind: "execution.outcome",
    now,
    changes: { clearedAt: clearing.clearedAt },
    data: {
      from: execution.state,
      to: "verified",
      clearedAt: clearing.clearedAt,
      exact: clearing.exact,
      ...times,
    },
  });
}

async function enterNotCleared(tx: Db, deps: ExecutionDeps, execution: Execution, why: string, now: number) {
  return await enterState(tx, deps, execution, "not_cleared", {
    detail: why,
    reason: `not_cleared: ${why}`,
    kind: "execution.outcome",
    now,
    data: { from: execution.state, to: "not_cleared" },
  });
}

/**
 * The columns a run that just succeeded sets: the deadline by which its alert must clear.
 * @param now when the run ended
 */
export function watchFrom(deps: ExecutionDeps, execution: Execution, now: number): Partial<NewExecution> {
  // A manual run (gh workflow run) answers no alert: there is nothing to watch, and asking
  // Alertmanager about no labels would make up a verdict. It stays `succeeded`: its steps passed,
  // whether it fixed anything is not known.
  if (execution.source === "manual") return { verifyBy: null };
  return { verifyBy: now + outcomeOf(deps, execution).withinMs };
}

/**
 * Right after a run succeeded (inside its transaction): an alert that already resolved while the
 * run was going makes it `verified` at once; otherwise it stays `succeeded`, watched.
 * @param execution the row as it is now (state `succeeded`)
 */
export async function settleIfCleared(
  tx: Db,
  deps: ExecutionDeps,
  execution: Execution,
  now: number,
): Promise<AuditEvent[]> {
  if (execution.state !== "succeeded" || execution.alertResolvedAt === null) return [];
  return await enterVerified(
    tx,
    deps,
    execution,
    {
      clearedAt: execution.clearedAt ?? execution.alertResolvedAt,
      exact: execution.clearedAt !== null,
      how: "it resolved before the run ended",
    },
    now,
  );
}

/**
 * A resolved notification for a `succeeded` execution (inside the webhook's transaction):
 * verified when the alert ended by the deadline, not_cleared when it ended only after it.
 */
export async function recordClearedAfterRun(
  tx: Db,
  deps: ExecutionDeps,
  execution: Execution,
  clearing: Clearing,
  now: number,
): Promise<AuditEvent[]> {
  if (execution.state !== "succeeded") return [];
  const deadline = execution.verifyBy;
  if (deadline !== null && clearing.clearedAt > deadline) {
    const within = outcomeOf(deps, execution).within;
    return await enterNotCleared(
      tx,
      deps,
      execution,
      `the alert ended at ${new Date(clearing.clearedAt).toISOString()}, after the deadline ${new Date(deadline).toISOString()} (outcome.within ${within} after the run)`,
      now,
    );
  }
  return await enterVerified(tx, deps, execution, clearing, now);
}

/**
 * The outcome watcher's verdict at the deadline, in its own transaction. The execution is read
 * again: a resolved notification committed meanwhile has already settled it.
 * @returns the audit events written (none when it was no longer waiting)
 */
export async function judgeAtDeadline(
  deps: ExecutionDeps,
  executionId: string,
  check: AlertCheck,
  now: number,
): Promise<AuditEvent[]> {
  return await inTransaction(deps.db, async (tx) => {
    const execution = await findExecution(tx, executionId);
    if (execution?.state !== "succeeded") return [];
    const within = outcomeOf(deps, execution).within;
    if (execution.alertResolvedAt !== null) return await settleIfCleared(tx, deps, execution, now);
    if (check.kind === "inactive") {
      return await enterVerified(
        tx,
        deps,
        execution,
        {
          clearedAt: now,
          exact: false,
          how: `Alertmanager (${check.source}) no longer lists it active at the deadline; its resolved notification never reached the bridge`,
        },
        now,
      );
    }
    const why =
      check.kind === "active"
        ? `still firing ${within} after the run succeeded (outcome.within): Alertmanager (${check.source}) lists it active since ${execution.startsAt}`
        : `no resolved notification within ${within} after the run succeeded (outcome.within); ${check.why}`;
    return await enterNotCleared(tx, deps, execution, why, now);
  });
}
