/**
 * @module
 * The post-incident review issue of a critical execution that ran, opened by the bridge once
 * the execution's outcome is final (verified, not_cleared, rolled_back, failed, cancelled):
 * what happened, the timeline from the audit trail, and the review's checklist. Only issue
 * channels open it (a review is read and ticked off, not paged), and only those whose
 * `severities` include the execution's (the "critical" of docs/runbooks.md), whatever their
 * `when`: a review follows every outcome. Pure: executions/review-issue.ts queues the rows.
 */
import type { ResolvedNotification } from "../runbooks/resolved-runbook.js";
import type { Execution } from "../store/executions.js";
import { opensIssue } from "./channels.js";
import { issueText } from "./issue-text.js";
import { alertValue, type Message, oneLine } from "./message.js";
import type { PlannedNotification } from "./plan.js";

/** The label every review issue carries, besides the channel's own and `runbridge`. */
export const REVIEW_LABEL = "post-incident-review";

/** The topic of the review rows in the outbox. */
export const REVIEW_TOPIC = "execution.review";

const CHECKLIST = [
  "- [ ] Timeline checked: alert start, decision, approval, run phases, outcome",
  "- [ ] Root cause: why did the alert's condition occur?",
  "- [ ] Was the automatic remediation right, and fast enough? If it did not fix it, why not?",
  "- [ ] Follow-ups filed (fix the cause, tune the alert, improve the runbook)",
  "- [ ] Runbook and alert changes merged by pull request",
];

type Reviewed = Pick<
  Execution,
  "id" | "alertname" | "severity" | "target" | "state" | "reason" | "runUrl" | "alert"
>;

export function postIncidentReviewNotice(
  execution: Reviewed,
  runbook: string,
  timeline: readonly string[],
): Message {
  const on = execution.target ? ` on ${alertValue(execution.target)}` : "";
  return {
    headline: `Post-incident review: ${runbook}${on}, ${alertValue(execution.alertname)} (${alertValue(execution.severity)}) ended ${execution.state}`,
    details: [
      `Outcome: ${oneLine(execution.reason, 500)}`,
      `Run: ${execution.runUrl ?? "(no run on GitHub)"}`,
      `Execution: ${execution.id}`,
      `### Timeline\n\n${timeline.join("\n") || "(no audit events kept)"}`,
      `### Checklist\n\n${CHECKLIST.join("\n")}`,
    ],
    alertBlock: JSON.stringify(execution.alert, null, 2),
  };
}

/** The issue title: no Markdown is rendered in titles, but they are kept to one bounded line. */
export function reviewTitle(execution: Pick<Execution, "target" | "state">, runbook: string): string {
  const on = execution.target ? ` on ${oneLine(execution.target, 80)}` : "";
  return `Post-incident review: ${runbook}${on} (${execution.state})`.slice(0, 250);
}

/**
 * One row per issue channel that opens issues for this severity. Its dedup key and thread are
 * the execution's review: queued again (a redelivered webhook, a transition replayed) it adds
 * nothing, and it never comments on the execution's failure issue (another thread).
 */
export function planReviewIssues(
  channels: readonly ResolvedNotification[],
  execution: Reviewed,
  runbook: string,
  message: Message,
): PlannedNotification[] {
  const planned: PlannedNotification[] = [];
  channels.forEach((channel, index) => {
    if (!channel.issue || !opensIssue(channel.issue, execution.severity)) return;
    const place = `execution:${execution.id}:review/issue#${index}`;
    planned.push({
      dedupKey: place,
      channel: "issue",
      topic: REVIEW_TOPIC,
      executionId: execution.id,
      breakerKey: null,
      runbook,
      thread: place,
      request: {
        channel: "issue",
        action: "open",
        title: reviewTitle(execution, runbook),
        body: issueText(message),
        labels: [...new Set([...channel.issue.labels, "runbridge", REVIEW_LABEL])],
        assignees: channel.issue.assignees,
        mayOpen: true,
      },
    });
  });
  return planned;
}
