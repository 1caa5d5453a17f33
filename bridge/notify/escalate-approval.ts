/**
 * @module
 * Tells people that a remediation has waited for approval too long, through the
 * runbook's own notify channels: a Slack-compatible webhook (its URL read from the
 * bridge's environment variable named by `webhookSecret`) and a GitHub issue.
 */
import type { GitHubApi } from "../github/github-api.js";
import type { Runbook } from "../runbooks/runbook.types.js";
import type { Execution } from "../store/executions.js";

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

export function escalationText(execution: Execution, runbook: Runbook, waitedMs: number): string {
  const minutes = Math.round(waitedMs / 60_000);
  const on = execution.target ? ` on ${execution.target}` : "";
  const link = execution.runUrl ? ` ${execution.runUrl}` : "";
  return `Runbridge: ${runbook.name}${on} (${execution.alertname}, ${execution.severity}) has waited ${minutes}m for approval in environment ${runbook.environment ?? "?"}; approve or reject it:${link}`;
}

export async function escalateApproval(
  deps: EscalationDeps,
  execution: Execution,
  runbook: Runbook,
  waitedMs: number,
): Promise<EscalationResult> {
  const text = escalationText(execution, runbook, waitedMs);
  const result: EscalationResult = { sent: [], failed: [] };
  for (const channel of runbook.notify ?? []) {
    if (channel.when === "success") continue;
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
          body: JSON.stringify({ text }),
          signal: AbortSignal.timeout(10_000),
        });
        if (response.ok) result.sent.push("slack");
        else result.failed.push(`slack: webhook answered ${response.status}`);
      } catch (error) {
        result.failed.push(`slack: ${(error as Error).message}`);
      }
    }
    // an issue channel limited to some severities (`severities: [critical]`) opened
    // escalation issues for every severity.
    const severities = channel.issue?.severities;
    if (channel.issue && (!severities?.length || severities.includes(execution.severity))) {
      if (!deps.api) {
        result.failed.push("issue: no GitHub credentials");
        continue;
      }
      try {
        const issue = await deps.api.createIssue(
          `Approval waiting: ${runbook.name}${execution.target ? ` on ${execution.target}` : ""}`,
          text,
          channel.issue.labels ?? [],
        );
        result.sent.push(`issue #${issue.number}`);
      } catch (error) {
        result.failed.push(`issue: ${(error as Error).message}`);
      }
    }
  }
  return result;
}
