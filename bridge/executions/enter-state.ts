/**
 * @module
 * What happens when an execution reaches a state, in one place: the row moves (with the
 * timestamps that state implies), an `execution.state` audit event says why, and the
 * circuit breaker hears about a failure or a success as the state table says, and a state
 * that notifies as a failure queues the runbook's notifications; an execution that ran and
 * reached its final state queues its post-incident review (critical ones). Callers
 * run it inside their transition's transaction.
 */

import { type AuditEvent, type AuditKind, appendAudit, executionEvent } from "../store/audit.js";
import type { Db } from "../store/database.js";
import { updateExecution } from "../store/execution-writes.js";
import type { Execution, NewExecution } from "../store/executions.js";
import { type BreakerChange, countFailure, countSuccess } from "./breaker-changes.js";
import { type ExecutionDeps, runbookOf } from "./deps.js";
import { notifyFailure } from "./failure-notice.js";
import { endsRun, queueReviewIssue } from "./review-issue.js";
import { type ExecutionState, traitsOf } from "./states.js";

export interface StateEntry {
  /** Why, for people: becomes the execution's reason (`<state>: <detail>`) and the audit message. */
  detail: string;
  now: number;
  /** Other columns the same step sets (the run it was linked to, dispatch counts, …). */
  changes?: Partial<NewExecution>;
  /** The audit kind, when the step has its own (a dispatch failure is `dispatch.failed`). */
  kind?: AuditKind;
  /** The row's reason, when it is not `<state>: <detail>`. */
  reason?: string;
  /** Keep the row's reason (a dispatch keeps the decision's "dispatching … via …"). */
  keepReason?: boolean;
  data?: Record<string, unknown>;
}

/** The audit event for a breaker that opened or closed because of `execution`. */
export function breakerEvent(execution: Execution, change: BreakerChange, now: number) {
  const opened = change.state === "open";
  return executionEvent(
    execution,
    now,
    opened ? "breaker.opened" : "breaker.closed",
    `breaker ${change.key} ${opened ? "opened" : "closed"}: ${change.reason}`,
  );
}

/**
 * Moves `execution` to `next` inside `tx` and returns the audit events written.
 * It does not judge whether the move is allowed: callers decide that (`advance`).
 */
export async function enterState(
  tx: Db,
  deps: ExecutionDeps,
  execution: Execution,
  next: ExecutionState,
  entry: StateEntry,
): Promise<AuditEvent[]> {
  const { now } = entry;
  const traits = traitsOf(next);
  await updateExecution(tx, execution.id, {
    ...entry.changes,
    state: next,
    ...(entry.keepReason ? {} : { reason: entry.reason ?? `${next}: ${entry.detail}` }),
    updatedAt: now,
    // When the run ended: a verdict on its alert later (verified, not_cleared) keeps that time.
    ...(traits.final || traits.watching ? { finishedAt: execution.finishedAt ?? now } : {}),
    // Each wait for reviewers (remediate, later perhaps rollback) is timed and escalated on its own.
    ...(next === "awaiting_approval" ? { awaitingSince: now, approvalEscalatedAt: null } : {}),
  });
  const written = [
    await appendAudit(
      tx,
      entry.kind
        ? executionEvent(execution, now, entry.kind, entry.reason ?? entry.detail, entry.data)
        : executionEvent(execution, now, "execution.state", `${execution.state} → ${next}: ${entry.detail}`, {
            from: execution.state,
            to: next,
            ...entry.data,
          }),
    ),
  ];

  if (traits.breaker && execution.runbook) {
    const runbook = runbookOf(deps, execution);
    const escalation = { channels: runbook?.notify ?? [], written: [] as AuditEvent[] };
    const outcome = {
      runbook: execution.runbook,
      target: execution.target ?? undefined,
      executionId: execution.id,
      config: runbook?.guards?.breaker,
      now,
      escalation,
    };
    const change =
      traits.breaker === "failure"
        ? await countFailure(tx, { ...outcome, why: entry.detail })
        : await countSuccess(tx, outcome);
    if (change)
      written.push(await appendAudit(tx, breakerEvent(execution, change, now)), ...escalation.written);
  }
  if (traits.notifiesFailure) written.push(...(await notifyFailure(tx, deps, execution, now)));
  // The final state's own event is written above, so the review's timeline ends with it.
  if (endsRun(next, execution)) written.push(...(await queueReviewIssue(tx, deps, execution, now)));
  return written;
}
