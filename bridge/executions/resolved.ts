/**
 * @module
 * An execution's alert (or its whole group) resolved. With `onResolved: cancel`, a
 * dispatch still waiting in the outbox is cancelled there — nothing reaches GitHub for
 * an alert that cleared by itself — and a run not yet remediating is marked for the
 * reconciler to cancel on GitHub. A running remediation is never cut off, only recorded.
 * A run that already succeeded learns its outcome here (outcome.ts): verified, or not_cleared
 * when the alert ended only after its deadline.
 */
import { type AuditEvent, appendAudit, executionEvent } from "../store/audit.js";
import type { Db } from "../store/database.js";
import { updateExecution } from "../store/execution-writes.js";
import { type Execution, findExecution } from "../store/executions.js";
import { cancelPendingDispatch } from "../store/outbox.js";
import type { ExecutionDeps } from "./deps.js";
import { enterState } from "./enter-state.js";
import { notifyResolved } from "./notifications.js";
import { recordClearedAfterRun } from "./outcome.js";
import { traitsOf } from "./states.js";

export interface ResolvedRecord {
  /** The execution's state afterwards. */
  state: Execution["state"];
  reason: string;
  events: AuditEvent[];
  /** A run on GitHub is to be cancelled (the reconciler does it after commit). */
  cancelOnGitHub: boolean;
  /** A held approval's issue is to be told it ended (the reconciler does it after commit). */
  issueNotice?: boolean;
}

/**
 * @param tx the decision's open transaction
 * @param resolvedAt when Alertmanager says it ended, for people
 * @param cancel the runbook says `onResolved: cancel`
 */
export async function recordAlertResolved(
  tx: Db,
  deps: ExecutionDeps,
  execution: Execution,
  resolution: { resolvedAt: string; cancel: boolean; now: number },
): Promise<ResolvedRecord> {
  const { now, cancel, resolvedAt } = resolution;
  // When the alert ended, as Alertmanager says (its endsAt); a group's episode has only `now`.
  const ended = Date.parse(resolvedAt);
  const clearedAt = Number.isFinite(ended) ? Math.min(ended, now) : now;
  if (execution.alertResolvedAt !== null) {
    return {
      state: execution.state,
      reason: "resolved: already recorded",
      events: [],
      cancelOnGitHub: false,
    };
  }
  if (cancel && execution.state === "pending" && (await cancelPendingDispatch(tx, execution.id, now))) {
    const reason = `cancelled: alert resolved at ${resolvedAt} before dispatch (onResolved: cancel)`;
    const events = await enterState(tx, deps, execution, "cancelled", {
      detail: reason,
      reason,
      kind: "execution.cancelled",
      now,
      changes: { alertResolvedAt: now, clearedAt },
    });
    return { state: "cancelled", reason, events, cancelOnGitHub: false };
  }
  if (cancel && execution.state === "awaiting_approval" && execution.approvalHeldAt !== null) {
    // Held in the bridge: nothing was dispatched, so there is no run to cancel on GitHub.
    const reason = `cancelled: alert resolved at ${resolvedAt} before anyone approved (onResolved: cancel); nothing was dispatched`;
    const events = await enterState(tx, deps, execution, "cancelled", {
      detail: reason,
      reason,
      kind: "execution.cancelled",
      now,
      // Its issue (if open by now) still asks for an answer: the reconciler says it ended there.
      changes: {
        alertResolvedAt: now,
        clearedAt,
        approvalHeldAt: null,
        ...(execution.approvalIssue !== null ? { approvalIssueNoticeAt: now } : {}),
      },
    });
    return {
      state: "cancelled",
      reason,
      events,
      cancelOnGitHub: false,
      issueNotice: execution.approvalIssue !== null,
    };
  }
  // A pending execution gets here only when its dispatch is already in flight (the outbox
  // would not cancel it), so its run is about to exist: the reconciler cancels it once dispatched.
  const cancelOnGitHub = cancel && traitsOf(execution.state).beforeRemediation;
  await updateExecution(tx, execution.id, {
    alertResolvedAt: now,
    clearedAt,
    updatedAt: now,
    ...(cancelOnGitHub ? { cancelRequestedAt: now } : {}),
  });
  const note = cancelOnGitHub
    ? "; its run will be cancelled on GitHub (onResolved: cancel)"
    : cancel
      ? `; a ${execution.state} execution is not cut off`
      : "";
  const reason =
    execution.state === "succeeded"
      ? `resolved at ${resolvedAt}; the run had succeeded: its outcome is judged now`
      : `resolved at ${resolvedAt}; execution stays ${execution.state}${note}`;
  const events = [await appendAudit(tx, executionEvent(execution, now, "alert.resolved", reason))];
  if (execution.state === "succeeded") {
    const judged = { ...execution, alertResolvedAt: now, clearedAt };
    events.push(
      ...(await recordClearedAfterRun(
        tx,
        deps,
        judged,
        { clearedAt, exact: true, how: `Alertmanager reported it resolved at ${resolvedAt}` },
        now,
      )),
    );
    const settled = await findExecution(tx, execution.id);
    return {
      state: settled?.state ?? execution.state,
      reason: settled?.reason ?? reason,
      events,
      cancelOnGitHub,
    };
  }
  // mode: notify: the incident it paged is resolved, and a note goes where the alert went.
  if (execution.mode === "notify") events.push(...(await notifyResolved(tx, execution, resolvedAt, now)));
  return { state: execution.state, reason, events, cancelOnGitHub };
}
