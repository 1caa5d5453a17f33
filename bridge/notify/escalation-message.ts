/**
 * @module
 * The words that tell people a remediation has waited for approval too long. The reconciler
 * queues them through the notification outbox (executions/approval.ts `escalateApprovalWait`)
 * to the runbook's own channels, rendered for Slack and issues like every other message.
 */
import type { ResolvedRunbook } from "../runbooks/resolved-runbook.js";
import type { Execution } from "../store/executions.js";
import { alertValue, type Message } from "./message.js";

/** The target, alert name and severity come from alert labels: untrusted, kept to one line. */
export function escalationMessage(execution: Execution, runbook: ResolvedRunbook, waitedMs: number): Message {
  const minutes = Math.round(waitedMs / 60_000);
  const on = execution.target ? ` on ${alertValue(execution.target)}` : "";
  const alert = `${alertValue(execution.alertname)}, ${alertValue(execution.severity)}`;
  if (execution.approvalHeldAt !== null) {
    const where = execution.approvalIssue !== null ? ` in issue #${execution.approvalIssue}` : "";
    return {
      headline: `${runbook.name}${on} (${alert}) has waited ${minutes}m for approval held by Runbridge; comment /approve or /reject <why>${where}`,
      details: [],
    };
  }
  return {
    headline: `${runbook.name}${on} (${alert}) has waited ${minutes}m for approval in environment ${runbook.environment ?? "?"}; approve or reject it`,
    details: execution.runUrl ? [`Run: ${execution.runUrl}`] : [],
  };
}
