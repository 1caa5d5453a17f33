/**
 * @module
 * Transitions around a run waiting for reviewers: the approval-time gate's answer (and
 * whether GitHub received it), the escalation of a wait that lasted too long, and the
 * cancel of a run whose alert resolved before anyone approved it. And the approvals the
 * bridge holds itself (no reviewers on the environment): held, answered (approved,
 * rejected), refused, expired.
 */
import { escalationMessage } from "../notify/escalation-message.js";
import { oneLine } from "../notify/message.js";
import { planNotifications } from "../notify/plan.js";
import type { ResolvedRunbook } from "../runbooks/resolved-runbook.js";
import { type AuditEvent, appendAudit, executionEvent } from "../store/audit.js";
import type { Db } from "../store/database.js";
import { updateExecution } from "../store/execution-writes.js";
import { type Execution, findExecution } from "../store/executions.js";
import { finishDispatch, requeueDispatch } from "../store/outbox.js";
import { inTransaction } from "../store/transaction.js";
import type { ExecutionDeps } from "./deps.js";
import { enterState } from "./enter-state.js";
import { queueNotifications } from "./queue-notifications.js";

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
export async function recordGateAnswer(
  deps: ExecutionDeps,
  execution: Execution | undefined,
  answer: GateAnswerRecord,
  now: number,
): Promise<AuditEvent[]> {
  const delivered = answer.failure === undefined;
  const message = `${answer.state} run ${answer.runId} for environment ${answer.environment}: ${answer.comment}${delivered ? "" : ` (callback failed: ${answer.failure}; will retry)`}`;
  const data = { runId: answer.runId, environment: answer.environment, delivered };
  const kind = answer.state === "approved" ? "gate.approved" : "gate.rejected";
  return await inTransaction(deps.db, async (tx) => {
    if (!execution) {
      return [
        await appendAudit(tx, {
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
    await updateExecution(tx, execution.id, {
      ...(answer.state === "rejected" ? { reason: `approval gate rejected: ${answer.comment}` } : {}),
      gatePendingEnvironment: delivered ? null : answer.environment,
      updatedAt: now,
    });
    return [await appendAudit(tx, executionEvent(execution, now, kind, message, data))];
  });
}

/**
 * An approval waited longer than the runbook's approvalTimeout: the wait is marked escalated
 * and the runbook's channels are queued in one transaction (the notification worker sends
 * them, retried and audited), so a failing channel never turns into a notification on every
 * reconciler pass and a crash never loses one. Once per wait: the dedup key carries its start.
 */
export async function escalateApprovalWait(
  deps: ExecutionDeps,
  execution: Execution,
  runbook: ResolvedRunbook,
  waitedMs: number,
  now: number,
): Promise<AuditEvent[]> {
  return await inTransaction(deps.db, async (tx) => {
    await updateExecution(tx, execution.id, { approvalEscalatedAt: now });
    const planned = planNotifications(runbook.notify, {
      key: `execution:${execution.id}:approval@${execution.awaitingSince ?? execution.approvalHeldAt ?? now}`,
      topic: "approval.escalated",
      about: { executionId: execution.id, runbook: runbook.name },
      thread: `execution:${execution.id}`,
      // A remediation stuck before approval is a problem, not a success.
      success: false,
      severity: execution.severity,
      message: escalationMessage(execution, runbook, waitedMs),
      issueTitle: `Approval waiting: ${runbook.name}${execution.target ? ` on ${oneLine(execution.target, 80)}` : ""}`,
      pagerduty: {
        dedupKey: `runbridge/approval/${execution.id}`,
        source: execution.target ?? runbook.name,
        component: runbook.name,
        class: "approval-waiting",
        ...(execution.runUrl ? { links: [{ href: execution.runUrl, text: "Workflow run" }] } : {}),
      },
    });
    const channels = planned.map((row) => row.channel);
    const message = `waited ${Math.round(waitedMs / 60_000)}m for approval; ${channels.length ? `notifying ${channels.join(", ")}` : "no notify channel applies"}`;
    return [
      await appendAudit(tx, executionEvent(execution, now, "approval.escalated", message)),
      ...(await queueNotifications(tx, planned, now)),
    ];
  });
}

/**
 * The reconciler asked GitHub to cancel the run of a resolved alert (or found it already
 * completed): the request is done, in one step with its audit event.
 */
export async function recordCancelRequested(
  deps: ExecutionDeps,
  execution: Execution,
  outcome: "requested" | "already_completed",
  now: number,
): Promise<AuditEvent[]> {
  return await inTransaction(deps.db, async (tx) => {
    await updateExecution(tx, execution.id, { cancelRequestedAt: null, updatedAt: now });
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
    return [await appendAudit(tx, event)];
  });
}

/**
 * The environment of an approval runbook cannot hold the run (no required reviewers, or no
 * such environment): the bridge holds it, before anything is dispatched. The outbox row is
 * finished; an approval enqueues it again (`recordApproved`).
 */
export async function holdForApproval(
  deps: ExecutionDeps,
  execution: Execution,
  why: string,
  now: number,
): Promise<AuditEvent[]> {
  return await inTransaction(deps.db, async (tx) => {
    await finishDispatch(tx, execution.id, "done", now, `held for approval in the bridge: ${why}`);
    return await enterState(tx, deps, execution, "awaiting_approval", {
      detail: `held for approval in the bridge: ${why}`,
      now,
      kind: "approval.held",
      changes: { approvalHeldAt: now },
    });
  });
}

/**
 * `approval: environment`, and the environment cannot hold the run: never run unapproved.
 * @param reason names the environment and what to configure
 */
export async function suppressUnprotected(
  deps: ExecutionDeps,
  execution: Execution,
  reason: string,
  now: number,
): Promise<AuditEvent[]> {
  return await inTransaction(deps.db, async (tx) => {
    await finishDispatch(tx, execution.id, "cancelled", now, reason);
    return await enterState(tx, deps, execution, "suppressed", {
      detail: reason,
      now,
      kind: "approval.unprotected",
      reason: `suppressed: ${reason}`,
      changes: { guard: "approval" },
    });
  });
}

/** The issue approvers answer in was opened (or commented on) for a held execution. */
export async function recordApprovalIssue(
  deps: ExecutionDeps,
  execution: Execution,
  issue: { number: number; url: string; reused: boolean },
  now: number,
): Promise<AuditEvent[]> {
  return await inTransaction(deps.db, async (tx) => {
    await updateExecution(tx, execution.id, { approvalIssue: issue.number, updatedAt: now });
    const what = issue.reused ? "commented on" : "opened";
    return [
      await appendAudit(
        tx,
        executionEvent(
          execution,
          now,
          "approval.issue",
          `${what} issue #${issue.number} for approvers: ${issue.url}`,
          {
            issue: issue.number,
            url: issue.url,
          },
        ),
      ),
    ];
  });
}

/**
 * Re-reads the execution inside the transition's transaction: only an execution the bridge
 * still holds moves (a second /approve, or a redelivered comment, finds it moved already).
 */
async function stillHeld(tx: Db, id: string): Promise<Execution | undefined> {
  const current = await findExecution(tx, id);
  return current?.state === "awaiting_approval" && current.approvalHeldAt !== null ? current : undefined;
}

/**
 * An approver approved and the gate passed: the execution is dispatched now, through its
 * outbox row, with the approver recorded on it.
 * @returns undefined when the execution is no longer held (already answered): nothing changed
 */
export async function recordApproved(
  deps: ExecutionDeps,
  execution: Execution,
  answer: { approver: string; gate: string },
  now: number,
): Promise<AuditEvent[] | undefined> {
  return await inTransaction(deps.db, async (tx) => {
    const held = await stillHeld(tx, execution.id);
    if (!held) return undefined;
    await requeueDispatch(tx, held.id, now);
    return await enterState(tx, deps, held, "pending", {
      detail: `approved by @${answer.approver}; ${answer.gate}`,
      now,
      kind: "approval.approved",
      reason: `approved by @${answer.approver}: dispatching`,
      changes: { approvedBy: answer.approver, approvalHeldAt: null },
      data: { approver: answer.approver },
    });
  });
}

/**
 * A held approval was rejected: by an approver (`/reject <why>`), or by the gate when the
 * alert resolved before anyone approved. Nothing is dispatched.
 * @returns undefined when the execution is no longer held
 */
export async function recordRejected(
  deps: ExecutionDeps,
  execution: Execution,
  answer: { by?: string; why: string },
  now: number,
): Promise<AuditEvent[] | undefined> {
  return await inTransaction(deps.db, async (tx) => {
    const held = await stillHeld(tx, execution.id);
    if (!held) return undefined;
    const reason = answer.by ? `rejected by @${answer.by}: ${answer.why}` : `rejected: ${answer.why}`;
    return await enterState(tx, deps, held, "cancelled", {
      detail: reason,
      now,
      kind: "approval.rejected",
      reason,
      changes: { approvalHeldAt: null },
      data: answer.by ? { by: answer.by } : {},
    });
  });
}

/** An answer that changed nothing (not an approver; the gate said no for now): audited, with why. */
export async function recordApprovalRefused(
  deps: ExecutionDeps,
  execution: Execution,
  refusal: { commenter: string; why: string },
  now: number,
): Promise<AuditEvent[]> {
  return [
    await appendAudit(
      deps.db,
      executionEvent(execution, now, "approval.refused", `@${refusal.commenter}: ${refusal.why}`, {
        commenter: refusal.commenter,
      }),
    ),
  ];
}

/**
 * Nobody answered a held approval within the runbook's approvalExpiry: `expired`, nothing ran.
 * @returns undefined when the execution is no longer held
 */
export async function expireApproval(
  deps: ExecutionDeps,
  execution: Execution,
  expiry: string,
  now: number,
): Promise<AuditEvent[] | undefined> {
  return await inTransaction(deps.db, async (tx) => {
    const held = await stillHeld(tx, execution.id);
    if (!held) return undefined;
    const reason = `expired: no approval within ${expiry}; nothing was dispatched`;
    return await enterState(tx, deps, held, "expired", {
      detail: reason,
      now,
      kind: "approval.expired",
      reason,
      changes: { approvalHeldAt: null },
    });
  });
}

/**
 * The issue of a held approval that ended unanswered (its alert resolved) was told so, and
 * closed when it had been opened for this execution alone: nothing there waits any more.
 */
export async function recordIssueNoticed(
  deps: ExecutionDeps,
  execution: Execution,
  notice: { issue: number; closed: boolean; url: string },
  now: number,
): Promise<AuditEvent[]> {
  return await inTransaction(deps.db, async (tx) => {
    await updateExecution(tx, execution.id, { approvalIssueNoticeAt: null, updatedAt: now });
    const what =
      notice.url === ""
        ? "is gone (deleted, or no longer visible to the bridge); nothing left to tell"
        : notice.closed
          ? "told and closed"
          : "told (other executions asked there too; left open)";
    return [
      await appendAudit(
        tx,
        executionEvent(
          execution,
          now,
          "approval.issue_closed",
          `issue #${notice.issue} ${what}: ${execution.reason}`,
          { issue: notice.issue, closed: notice.closed, url: notice.url },
        ),
      ),
    ];
  });
}
