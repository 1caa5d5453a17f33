/**
 * @module
 * Transitions around a run waiting for reviewers: the approval-time gate's answer (and
 * whether GitHub received it), the escalation of a wait that lasted too long, and the
 * cancel of a run whose alert resolved before anyone approved it.
 */
import { type AuditEvent, appendAudit, executionEvent } from "../store/audit.js";
import { updateExecution } from "../store/execution-writes.js";
import type { Execution } from "../store/executions.js";
import { inTransaction } from "../store/transaction.js";
import type { ExecutionDeps } from "./deps.js";

export interface GateAnswerRecord {
  runId: number;
  environment: string;
  state: "approved" | "rejected";
  comment: string;
  /** Why GitHub did not receive the answer; undefined when it did. */
  failure?: string;
}

/**
 * The gate judged a remediate job. An answer GitHub never received stays on the
 * execution (`gatePendingEnvironment`) for the reconciler to judge again and deliver.
 * @param execution undefined when the run belongs to no execution of ours (judged anyway)
 */
export function recordGateAnswer(
  deps: ExecutionDeps,
  execution: Execution | undefined,
  answer: GateAnswerRecord,
  now: number,
): AuditEvent[] {
  const delivered = answer.failure === undefined;
  const message = `${answer.state} run ${answer.runId} for environment ${answer.environment}: ${answer.comment}${delivered ? "" : ` (callback failed: ${answer.failure}; will retry)`}`;
  const data = { runId: answer.runId, environment: answer.environment, delivered };
  const kind = answer.state === "approved" ? "gate.approved" : "gate.rejected";
  return inTransaction(deps.db, (tx) => {
    if (!execution) {
      return [
        appendAudit(tx, {
          at: now,
          kind,
          executionId: null,
          alertname: null,
          runbook: null,
          target: null,
          message,
          data,
        }),
      ];
    }
    updateExecution(tx, execution.id, {
      ...(answer.state === "rejected" ? { reason: `approval gate rejected: ${answer.comment}` } : {}),
      gatePendingEnvironment: delivered ? null : answer.environment,
      updatedAt: now,
    });
    return [appendAudit(tx, executionEvent(execution, now, kind, message, data))];
  });
}

/**
 * Marks the wait as escalated before anyone is notified: a failing channel must not turn
 * into a notification on every reconciler pass.
 */
export function claimApprovalEscalation(deps: ExecutionDeps, execution: Execution, now: number): void {
  updateExecution(deps.db, execution.id, { approvalEscalatedAt: now });
}

/** Who was told that the approval waited too long (and which channels failed). */
export function recordApprovalEscalated(
  deps: ExecutionDeps,
  execution: Execution,
  waitedMs: number,
  result: { sent: string[]; failed: string[] },
  now: number,
): AuditEvent[] {
  const message = `waited ${Math.round(waitedMs / 60_000)}m for approval; notified ${result.sent.join(", ") || "nobody"}${result.failed.length ? `; failed: ${result.failed.join("; ")}` : ""}`;
  return [appendAudit(deps.db, executionEvent(execution, now, "approval.escalated", message))];
}

/**
 * The reconciler asked GitHub to cancel the run of a resolved alert (or found it already
 * completed): the request is done, in one step with its audit event.
 */
export function recordCancelRequested(
  deps: ExecutionDeps,
  execution: Execution,
  outcome: "requested" | "already_completed",
  now: number,
): AuditEvent[] {
  return inTransaction(deps.db, (tx) => {
    updateExecution(tx, execution.id, { cancelRequestedAt: null, updatedAt: now });
    const event =
      outcome === "requested"
        ? executionEvent(
            execution,
            now,
            "run.cancel_requested",
            `asked GitHub to cancel run ${execution.runId}: the alert resolved (onResolved: cancel)`,
          )
        : executionEvent(
            execution,
            now,
            "run.cancel_skipped",
            `run ${execution.runId} had already completed; nothing to cancel`,
          );
    return [appendAudit(tx, event)];
  });
}
