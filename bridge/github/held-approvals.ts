/**
 * @module
 * Approvals the bridge holds, as GitHub sees them: the issue that asks approvers (opened, or a
 * comment on the open one for the same runbook and target), and the answers — who may give
 * one (the runbook's `approvers`, checked against GitHub at that moment) and what an answer
 * does (the approval-time gate runs again; approved → dispatched, else a reply says why).
 */
import { recordApprovalIssue } from "../executions/approval.js";
import { runbookOf } from "../executions/deps.js";
import { approvalRequest, approvalTitle } from "../notify/approval-request.js";
import { issueText } from "../notify/issue-text.js";
import { type Execution, findExecution, lastApprovalIssue } from "../store/executions.js";
import type { GitHubApi } from "./github-api.js";
import type { GitHubHandlerDeps } from "./handler-deps.js";

export type HeldApprovalDeps = Pick<GitHubHandlerDeps, "db" | "runbooks" | "bus" | "log" | "now"> & {
  api: GitHubApi;
};

/**
 * Asks approvers in GitHub about a held execution, once: an execution that already has its
 * issue is left alone (the reconciler calls this again for any whose issue failed to open).
 * @param why why GitHub could not hold it (from the environment-protection check)
 */
export async function announceHeldApproval(
  deps: HeldApprovalDeps,
  executionId: string,
  why: string,
): Promise<void> {
  const execution = await findExecution(deps.db, executionId);
  if (execution?.state !== "awaiting_approval" || execution.approvalHeldAt === null) return;
  if (execution.approvalIssue !== null) return;
  const runbook = runbookOf(deps, execution);
  if (!runbook || !execution.runbook) {
    throw new Error(
      `runbook ${execution.runbook} is no longer loaded; cannot describe what approvers would approve`,
    );
  }
  const body = issueText(approvalRequest(execution, runbook, why));
  const previous = await lastApprovalIssue(deps.db, execution.runbook, execution.target);
  if (previous !== undefined && (await deps.api.issueIsOpen(previous))) {
    const comment = await deps.api.commentOnIssue(previous, body);
    deps.bus.publish(
      await recordApprovalIssue(
        deps,
        execution,
        { number: previous, url: comment.url, reused: true },
        deps.now(),
      ),
    );
    await settledMeanwhile(deps, executionId, previous);
    return;
  }
  const labels = runbook.notify.flatMap((channel) => channel.issue?.labels ?? []);
  const issue = await deps.api.createIssue(approvalTitle(execution, runbook), body, [
    ...new Set(["runbridge-approval", ...labels]),
  ]);
  deps.bus.publish(await recordApprovalIssue(deps, execution, { ...issue, reused: false }, deps.now()));
  await settledMeanwhile(deps, executionId, issue.number);
}

/**
 * The execution may have moved while GitHub opened the issue (expired, or its alert resolved
 * with onResolved: cancel): nobody was told there, so the issue says it now, instead of asking
 * for an answer that would count for nothing.
 */
async function settledMeanwhile(
  deps: HeldApprovalDeps,
  executionId: string,
  issueNumber: number,
): Promise<void> {
  const now = await findExecution(deps.db, executionId);
  // A notice pending on the execution: the reconciler tells the issue (and closes it), once.
  if (!now || now.state === "awaiting_approval" || now.approvalIssueNoticeAt !== null) return;
  await deps.api.commentOnIssue(
    issueNumber,
    `Execution ${executionId} is ${now.state} already (${now.reason}); nothing here waits for an answer any more.`,
  );
}

export interface ApproverCheck {
  allowed: boolean;
  /** For the reply and the audit trail. */
  why: string;
}

/**
 * Whether `login` may answer for `approvers` now: listed by login or through an active team
 * membership, and holding write or admin permission on the repository. Asked at the moment
 * of the answer, never cached: a removed member or a lowered permission counts at once.
 */
export async function checkApprover(
  api: GitHubApi,
  approvers: readonly string[],
  login: string,
): Promise<ApproverCheck> {
  const lower = login.toLowerCase();
  let listed = approvers.some((entry) => !entry.includes("/") && entry.toLowerCase() === lower);
  let through = listed ? "listed" : "";
  if (!listed) {
    for (const entry of approvers.filter((candidate) => candidate.includes("/"))) {
      const [org, team] = entry.split("/") as [string, string];
      if (await api.isActiveTeamMember(org, team, login)) {
        listed = true;
        through = `member of ${entry}`;
        break;
      }
    }
  }
  if (!listed) return { allowed: false, why: `@${login} is not among the runbook's approvers` };
  const permission = await api.repositoryPermission(login);
  if (permission !== "admin" && permission !== "write" && permission !== "maintain") {
    return {
      allowed: false,
      why: `@${login} is ${through} but has ${permission} permission on the repository; approving needs write or admin`,
    };
  }
  return { allowed: true, why: `@${login} (${through}, ${permission} permission)` };
}

export type { Execution };
