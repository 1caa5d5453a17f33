/**
 * @module
 * A resolved alert is recorded on its executions. When the runbook says
 * `onResolved: cancel` and the dispatch is still waiting in the outbox, it is cancelled
 * there: nothing reaches GitHub for an alert that cleared by itself.
 */
import type { NormalizedAlert } from "../alerts/types.js";
import {
  type Execution,
  executionsForAlert,
  openGroupExecutions,
  updateExecution,
} from "../store/executions.js";
import { cancelPendingDispatch } from "../store/outbox.js";
import type { ExecutionState } from "../store/schema.js";
import { audit, type DecisionContext, type DecisionOutcome } from "./context.js";

// Runs that a resolved alert cancels on GitHub. "pending" too: a pending execution gets here only when its dispatch is already
// in flight (cancelPendingDispatch failed), so its run is about to exist; the reconciler cancels
// it once dispatched.
const CANCELLABLE_ON_GITHUB: readonly ExecutionState[] = [
  "pending",
  "dispatched",
  "queued",
  "awaiting_approval",
];

export function decideResolved(context: DecisionContext, alert: NormalizedAlert): DecisionOutcome[] {
  const resolvedAt = alert.endsAt ?? new Date(context.now).toISOString();
  // A group runbook's execution resolves with its whole group (decideGroupResolved), not with one alert.
  const found = executionsForAlert(context.db, alert.fingerprint, alert.startsAt).filter(
    (execution) => !execution.occurrenceKey.startsWith("group:"),
  );
  if (found.length === 0) {
    const reason = `resolved: no execution for this occurrence (${alert.alertname} since ${alert.startsAt})`;
    audit(context, {
      kind: "alert.resolved",
      alertname: alert.alertname,
      message: reason,
      data: { fingerprint: alert.fingerprint },
    });
    return [{ id: null, runbook: null, state: "resolved", reason }];
  }
  return found.map((execution) => resolveExecution(context, execution, resolvedAt, alert.alertname));
}

/** Records that an execution's alert (or whole group) resolved, cancelling what may still be cancelled. */
function resolveExecution(
  context: DecisionContext,
  execution: Execution,
  resolvedAt: string,
  alertname: string,
): DecisionOutcome {
  const base = {
    executionId: execution.id,
    alertname,
    runbook: execution.runbook,
    target: execution.target,
  };
  if (execution.alertResolvedAt !== null) {
    return {
      id: execution.id,
      runbook: execution.runbook,
      state: execution.state,
      reason: `resolved: already recorded`,
    };
  }
  const runbook = execution.runbook
    ? context.runbooks.index.byName.get(execution.runbook)?.runbook
    : undefined;
  const wantsCancel = runbook?.guards?.onResolved === "cancel";
  if (
    wantsCancel &&
    execution.state === "pending" &&
    cancelPendingDispatch(context.db, execution.id, context.now)
  ) {
    const reason = `cancelled: alert resolved at ${resolvedAt} before dispatch (onResolved: cancel)`;
    updateExecution(context.db, execution.id, {
      state: "cancelled",
      reason,
      alertResolvedAt: context.now,
      updatedAt: context.now,
      finishedAt: context.now,
    });
    audit(context, { kind: "execution.cancelled", ...base, message: reason });
    return { id: execution.id, runbook: execution.runbook, state: "cancelled", reason };
  }
  // On GitHub, only a run not yet remediating is cancelled (by the reconciler, after commit);
  // a running remediation is never cut off, only recorded.
  const cancelOnGitHub = wantsCancel && CANCELLABLE_ON_GITHUB.includes(execution.state);
  updateExecution(context.db, execution.id, {
    alertResolvedAt: context.now,
    updatedAt: context.now,
    ...(cancelOnGitHub ? { cancelRequestedAt: context.now } : {}),
  });
  if (cancelOnGitHub) context.cancelRequested = true;
  const note = cancelOnGitHub
    ? "; its run will be cancelled on GitHub (onResolved: cancel)"
    : wantsCancel
      ? `; a ${execution.state} execution is not cut off`
      : "";
  const reason = `resolved at ${resolvedAt}; execution stays ${execution.state}${note}`;
  audit(context, { kind: "alert.resolved", ...base, message: reason });
  return { id: execution.id, runbook: execution.runbook, state: execution.state, reason };
}

/** Alertmanager says the whole group resolved: close the episodes of its group runbooks. */
export function decideGroupResolved(context: DecisionContext, groupKey: string): DecisionOutcome[] {
  if (!groupKey) return [];
  const resolvedAt = new Date(context.now).toISOString();
  return openGroupExecutions(context.db, groupKey).map((execution) =>
    resolveExecution(context, execution, resolvedAt, execution.alertname),
  );
}
