/**
 * @module
 * Incident issues: one open issue per runbook + target, found again by a hidden marker, so
 * repeated runs comment on it instead of opening new ones. The post-incident review is not
 * opened here: the bridge opens it once the execution's outcome is final (verified and
 * not_cleared are known only after the run), with the timeline from its audit trail.
 */
import type { getOctokit } from "@actions/github";
import { issueText } from "../../../bridge/notify/issue-text.js";
import { type Message, oneLine } from "../../../bridge/notify/message.js";

export type Octokit = ReturnType<typeof getOctokit>;

export interface IssueTarget {
  octokit: Octokit;
  owner: string;
  repo: string;
}

export interface IncidentKey {
  runbook: string;
  target: string;
}

/** Every issue we open carries this label; it narrows the search for the open incident. */
export const RUNBRIDGE_LABEL = "runbridge";

export function incidentMarker(key: IncidentKey): string {
  // encodeURIComponent: a target cannot end the HTML comment or forge another marker.
  return `<!-- runbridge-incident runbook=${encodeURIComponent(key.runbook)} target=${encodeURIComponent(key.target)} -->`;
}

/** The open incident issue for this runbook + target, if any. */
export async function findOpenIncident(github: IssueTarget, key: IncidentKey): Promise<number | undefined> {
  const marker = incidentMarker(key);
  const issues = await github.octokit.paginate(github.octokit.rest.issues.listForRepo, {
    owner: github.owner,
    repo: github.repo,
    state: "open",
    labels: RUNBRIDGE_LABEL,
    per_page: 100,
  });
  return issues.find((issue) => !issue.pull_request && issue.body?.includes(marker))?.number;
}

export async function commentOnIssue(github: IssueTarget, issue: number, message: Message): Promise<void> {
  await github.octokit.rest.issues.createComment({
    owner: github.owner,
    repo: github.repo,
    issue_number: issue,
    body: issueText(message),
  });
}

export interface NewIssue {
  labels: string[];
  assignees: string[];
}

export async function openIncident(
  github: IssueTarget,
  key: IncidentKey,
  message: Message,
  alertName: string,
  options: NewIssue,
): Promise<number> {
  const title = `Incident: ${key.runbook} on ${oneLine(key.target, 80) || "(no target)"}${alertName ? ` (${oneLine(alertName, 80)})` : ""}`;
  const created = await github.octokit.rest.issues.create({
    owner: github.owner,
    repo: github.repo,
    title,
    body: `${incidentMarker(key)}\n${issueText(message)}`,
    labels: [...new Set([...options.labels, RUNBRIDGE_LABEL])],
    assignees: options.assignees,
  });
  return created.data.number;
}
