/**
 * @module
 * Tells people that a remediation has waited for approval too long, through the
 * runbook's own notify channels: a Slack-compatible webhook (its URL read from the
 * bridge's environment variable named by `webhookSecret`) and a GitHub issue. Who is told
 * and what they read follow the same rules as the Action's notifications (`channels.ts`,
 * `slack-text.ts`, `issue-text.ts`).
 */
import type { GitHubApi } from "../github/github-api.js";
import type { ResolvedRunbook } from "../runbooks/resolved-runbook.js";
import type { Execution } from "../store/executions.js";
import { notifiesOn, opensIssue } from "./channels.js";
import { issueText } from "./issue-text.js";
import { alertValue, type Message, oneLine } from "./message.js";
import { slackText } from "./slack-text.js";

export interface EscalationDeps {
  api?: GitHubApi;
  /** Reads a secret by name (the bridge's environment). */
  secret: (name: string) => string | undefined;
  fetch?: typeof fetch;
}

export interface EscalationResult {
  sent: string[];
  failed: string[];
}

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

export async function escalateApproval(
  deps: EscalationDeps,
  execution: Execution,
  runbook: ResolvedRunbook,
  waitedMs: number,
): Promise<EscalationResult> {
  const message = escalationMessage(execution, runbook, waitedMs);
  const result: EscalationResult = { sent: [], failed: [] };
  for (const channel of runbook.notify) {
    // A remediation stuck before approval is a problem, not a success.
    if (!notifiesOn(channel.when, false)) continue;
    if (channel.slack) {
      const url = deps.secret(channel.slack.webhookSecret);
      if (!url) {
        result.failed.push(`slack: set ${channel.slack.webhookSecret} in the bridge's environment`);
        continue;
      }
      try {
        const response = await (deps.fetch ?? fetch)(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text: slackText(message) }),
          signal: AbortSignal.timeout(10_000),
        });
        if (response.ok) result.sent.push("slack");
        else result.failed.push(`slack: webhook answered ${response.status}`);
      } catch (error) {
        result.failed.push(`slack: ${(error as Error).message}`);
      }
    }
    if (channel.issue && opensIssue(channel.issue, execution.severity)) {
      if (!deps.api) {
        result.failed.push("issue: no GitHub credentials");
        continue;
      }
      try {
        const issue = await deps.api.createIssue(
          `Approval waiting: ${runbook.name}${execution.target ? ` on ${oneLine(execution.target, 80)}` : ""}`,
          issueText(message),
          channel.issue.labels,
        );
        result.sent.push(`issue #${issue.number}`);
      } catch (error) {
        result.failed.push(`issue: ${(error as Error).message}`);
      }
    }
  }
  return result;
}
