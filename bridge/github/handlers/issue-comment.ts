/**
 * @module
 * issue_comment: approvers answer an approval the bridge holds with `/approve` or
 * `/reject <why>` on its issue. Only `created` comments count: an edit or a deletion could
 * rewrite an answer after the fact, so they count for nothing. An answer from anyone but the
 * runbook's approvers gets a reply saying who may answer, and changes nothing. An approval
 * runs the approval-time gate again; only a pass dispatches.
 */
import type { EmitterWebhookEvent } from "@octokit/webhooks";
import { recordApprovalRefused, recordApproved, recordRejected } from "../../executions/approval.js";
import { runbookOf } from "../../executions/deps.js";
import { approversText } from "../../notify/approval-request.js";
import { heldApprovalByIssue, lastExecutionOfIssue } from "../../store/executions.js";
import { judgeNow } from "../answer-gate.js";
import type { GitHubHandlerDeps } from "../handler-deps.js";
import { checkApprover } from "../held-approvals.js";

export type ApprovalCommand = { kind: "approve" } | { kind: "reject"; why: string };

/** The command a comment's first line gives, if any; other comments are conversation. */
export function parseApprovalCommand(body: string): ApprovalCommand | undefined {
  const first = body.trimStart().split(/\r?\n/, 1)[0]?.trim() ?? "";
  if (/^\/approve$/i.test(first)) return { kind: "approve" };
  const reject = /^\/reject(?:\s+(.*))?$/i.exec(first);
  if (reject) return { kind: "reject", why: reject[1]?.trim() || "no reason given" };
  return undefined;
}

export async function onIssueComment(
  deps: GitHubHandlerDeps,
  event: EmitterWebhookEvent<"issue_comment">,
): Promise<void> {
  const { payload } = event;
  if (payload.action !== "created") return;
  const command = parseApprovalCommand(payload.comment.body ?? "");
  if (!command) return;
  const issueNumber = payload.issue.number;
  const execution = await heldApprovalByIssue(deps.db, issueNumber);
  const { api } = deps;
  if (!execution) {
    // Nothing held here: already answered (a second /approve), expired, or cancelled when the
    // alert resolved. The answer changes nothing; say what became of the last one asked here.
    const last = await lastExecutionOfIssue(deps.db, issueNumber);
    if (last && api) {
      await api.commentOnIssue(
        issueNumber,
        `@${payload.comment.user?.login ?? ""}: nothing waits for an answer here; execution ${last.id} is ${last.state} (${last.reason}). This changed nothing.`,
      );
    }
    return;
  }
  if (!api) {
    throw new Error(
      `an answer to the approval in issue #${issueNumber} arrived, but the bridge has no GitHub credentials to check the commenter; configure GITHUB_TOKEN or the GitHub App`,
    );
  }
  const runbook = runbookOf(deps, execution);
  const login = payload.comment.user?.login ?? "";
  const reply = (text: string) => api.commentOnIssue(issueNumber, text);
  if (!runbook) {
    const why = `runbook ${execution.runbook} is no longer loaded, so its approvers are unknown; nothing changed`;
    deps.bus.publish(await recordApprovalRefused(deps, execution, { commenter: login, why }, deps.now()));
    await reply(`@${login}: ${why}.`);
    return;
  }

  const approver = await checkApprover(api, runbook.approvers, login);
  if (!approver.allowed) {
    deps.bus.publish(
      await recordApprovalRefused(deps, execution, { commenter: login, why: approver.why }, deps.now()),
    );
    await reply(
      `@${login}: ${approver.why}; this changed nothing. Who may answer: ${approversText(runbook)}.`,
    );
    return;
  }

  if (command.kind === "reject") {
    const events = await recordRejected(deps, execution, { by: login, why: command.why }, deps.now());
    if (!events) return;
    deps.bus.publish(events);
    await reply(`Rejected by @${login}: ${command.why}. Execution ${execution.id} will not run.`);
    return;
  }

  const verdict = await judgeNow(deps, execution);
  if (verdict.state === "rejected") {
    if (verdict.alertResolved) {
      // Nothing left to remediate, ever: the held execution ends here.
      const events = await recordRejected(deps, execution, { why: verdict.comment }, deps.now());
      if (!events) return;
      deps.bus.publish(events);
      await reply(`@${login}: not dispatched. ${verdict.comment}. Execution ${execution.id} will not run.`);
      return;
    }
    // The kill switch, a breaker or a blackout may pass later: the approval stays held.
    deps.bus.publish(
      await recordApprovalRefused(
        deps,
        execution,
        { commenter: login, why: `approval refused by the gate: ${verdict.comment}` },
        deps.now(),
      ),
    );
    await reply(
      `@${login}: not dispatched. ${verdict.comment}. The approval is still held: comment /approve again once that has changed.`,
    );
    return;
  }
  const events = await recordApproved(
    deps,
    execution,
    { approver: login, gate: verdict.comment },
    deps.now(),
  );
  if (!events) return;
  deps.bus.publish(events);
  deps.onApproved?.();
  await reply(`Approved by ${approver.why}. ${verdict.comment}. Dispatching execution ${execution.id} now.`);
}
