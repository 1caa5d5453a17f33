/**
 * @module
 * A resolved alert is recorded on its executions (what that does to each is
 * executions/resolved.ts); an occurrence nobody decided is only audited.
 */
import type { NormalizedAlert } from "../alerts/types.js";
import { recordAlertResolved } from "../executions/resolved.js";
import { type Execution, executionsForAlert, openGroupExecutions } from "../store/executions.js";
import { audit, type DecisionContext, type DecisionOutcome } from "./context.js";

export async function decideResolved(
  context: DecisionContext,
  alert: NormalizedAlert,
): Promise<DecisionOutcome[]> {
  const resolvedAt = alert.endsAt ?? new Date(context.now).toISOString();
  // A group runbook's execution resolves with its whole group (decideGroupResolved), not with one alert.
  const found = (await executionsForAlert(context.db, alert.fingerprint, alert.startsAt)).filter(
    (execution) => !execution.occurrenceKey.startsWith("group:"),
  );
  if (found.length === 0) {
    const reason = `resolved: no execution for this occurrence (${alert.alertname} since ${alert.startsAt})`;
    await audit(context, {
      kind: "alert.resolved",
      alertname: alert.alertname,
      message: reason,
      data: { fingerprint: alert.fingerprint },
    });
    return [{ id: null, runbook: null, state: "resolved", reason }];
  }
  return resolveEach(context, found, resolvedAt);
}

/** Records that an execution's alert (or whole group) resolved, cancelling what may still be cancelled. */
async function resolveExecution(
  context: DecisionContext,
  execution: Execution,
  resolvedAt: string,
): Promise<DecisionOutcome> {
  const runbook = execution.runbook
    ? context.runbooks.index.byName.get(execution.runbook)?.runbook
    : undefined;
  const resolved = await recordAlertResolved(
    context.db,
    { db: context.db, runbooks: () => context.runbooks },
    execution,
    { resolvedAt, cancel: runbook?.guards?.onResolved === "cancel", now: context.now },
  );
  context.written.push(...resolved.events);
  // Either is work for the reconciler on GitHub, which the webhook's answer asks to start soon.
  if (resolved.cancelOnGitHub || resolved.issueNotice) context.cancelRequested = true;
  return { id: execution.id, runbook: execution.runbook, state: resolved.state, reason: resolved.reason };
}

/** Alertmanager says the whole group resolved: close the episodes of its group runbooks. */
export async function decideGroupResolved(
  context: DecisionContext,
  groupKey: string,
): Promise<DecisionOutcome[]> {
  if (!groupKey) return [];
  const resolvedAt = new Date(context.now).toISOString();
  return resolveEach(context, await openGroupExecutions(context.db, groupKey), resolvedAt);
}

/** One after the other: each is written in the webhook's one transaction. */
async function resolveEach(
  context: DecisionContext,
  found: Execution[],
  resolvedAt: string,
): Promise<DecisionOutcome[]> {
  const outcomes: DecisionOutcome[] = [];
  for (const execution of found) outcomes.push(await resolveExecution(context, execution, resolvedAt));
  return outcomes;
}
