// @ts-check
// The execution detail view (GET /api/executions/:id): what the alert was, what the bridge
// decided and why, the approval, the run's phases (its jobs), the outcome, links to the run
// and the approval issue, and the whole audit trail. Every value is text.

/** @import { ExecutionDetailAnswer, ExecutionJson } from "../api-types.js" */

import { dateTime, el, externalLink } from "./dom.js";

/**
 * @param {string} term
 * @param {Node | string} value
 */
function entry(term, value) {
  return [el("dt", { text: term }), el("dd", {}, [value])];
}

/**
 * The approval issue's URL: GitHub's web origin (from the run's URL when there is one) and
 * the repository the bridge dispatches to.
 * @param {ExecutionJson} execution
 * @param {string | null} repository owner/repo
 */
function issueUrl(execution, repository) {
  if (execution.approvalIssue === null || !repository) return undefined;
  let origin = "https://github.com";
  try {
    if (execution.runUrl) origin = new URL(execution.runUrl).origin;
  } catch {
    // keep github.com
  }
  return `${origin}/${repository}/issues/${execution.approvalIssue}`;
}

/**
 * @param {ExecutionJson} execution
 * @param {string | null} repository
 */
function approval(execution, repository) {
  if (execution.mode !== "approval")
    return el("span", { className: "muted", text: `not needed (mode ${execution.mode ?? "none"})` });
  /** @type {(Node | string)[]} */
  const parts = [];
  if (execution.approvedBy) parts.push(`approved by ${execution.approvedBy}`);
  else if (execution.approvalHeldAt)
    parts.push(`held by the bridge since ${dateTime(execution.approvalHeldAt)}`);
  else if (execution.awaitingSince)
    parts.push(`waiting for reviewers on GitHub since ${dateTime(execution.awaitingSince)}`);
  else parts.push("through the environment's reviewers on GitHub");
  const issue = issueUrl(execution, repository);
  if (issue) parts.push(" · ", externalLink(issue, `issue #${execution.approvalIssue}`));
  return el("span", {}, parts);
}

/** @param {ExecutionDetailAnswer} detail */
function phases(detail) {
  if (detail.jobs.length === 0) {
    return el("p", {
      className: "muted",
      text: detail.execution.runId ? "No job reported yet." : "No run on GitHub.",
    });
  }
  return el("table", { className: "table" }, [
    el("thead", {}, [
      el("tr", {}, [
        el("th", { text: "Phase (job)" }),
        el("th", { text: "Status" }),
        el("th", { text: "Conclusion" }),
        el("th", { text: "Updated" }),
      ]),
    ]),
    el(
      "tbody",
      {},
      detail.jobs.map((job) =>
        el("tr", { data: { job: String(job.jobId) } }, [
          el("td", { text: job.name }),
          el("td", { text: job.status }),
          el("td", { text: job.conclusion ?? "" }),
          el("td", { className: "nowrap", text: dateTime(job.updatedAt) }),
        ]),
      ),
    ),
  ]);
}

/** @param {ExecutionDetailAnswer} detail */
function auditTrail(detail) {
  return el(
    "ol",
    { className: "trail" },
    detail.events.map((event) =>
      el("li", { data: { kind: event.kind } }, [
        el("time", { className: "nowrap", text: dateTime(event.at) }),
        " ",
        el("span", { className: `kind kind-${event.kind.split(".")[0]}`, text: event.kind }),
        " ",
        el("span", { className: "text", text: event.message }),
      ]),
    ),
  );
}

/**
 * The detail view's content.
 * @param {ExecutionDetailAnswer} detail
 * @param {string | null} repository owner/repo the bridge dispatches to (for the issue link)
 * @returns {Node[]}
 */
export function executionDetail(detail, repository) {
  const { execution } = detail;
  const outcome = el("span", {}, [
    el("span", { className: `state state-${execution.state}`, text: execution.state }),
    execution.finishedAt ? ` at ${dateTime(execution.finishedAt)}` : "",
    execution.alertResolvedAt ? ` · alert resolved ${dateTime(execution.alertResolvedAt)}` : "",
  ]);
  return [
    el("h2", { text: `Execution ${execution.id}` }),
    el("dl", { className: "facts" }, [
      ...entry("Alert", execution.alertname),
      ...entry("Started", execution.startsAt),
      ...entry("Runbook", execution.runbook ?? "none matched"),
      ...entry("Target", execution.target ?? ""),
      ...entry("Decided", dateTime(execution.createdAt)),
      ...entry("Reason", execution.reason),
      ...entry("Approval", approval(execution, repository)),
      ...entry("Dispatched", execution.dispatchedAt ? dateTime(execution.dispatchedAt) : "no"),
      ...entry(
        "Run",
        externalLink(execution.runUrl, execution.runUrl ? `run ${execution.runId ?? ""}`.trim() : "none"),
      ),
      ...entry("Outcome", outcome),
    ]),
    el("h3", { text: "Run phases" }),
    phases(detail),
    el("h3", { text: `Audit trail (${detail.events.length})` }),
    auditTrail(detail),
  ];
}
