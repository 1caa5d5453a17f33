/**
 * @module
 * The words of an approval the bridge holds, as a GitHub issue (or a comment on the open one
 * for the same runbook and target): what fired, the runbook at its commit, the target,
 * exactly which steps would run, who may answer and how. Alert text is untrusted: one line
 * each, and the labels only inside a code fence.
 */
import type { PhaseName, ResolvedRunbook, ResolvedStep } from "../runbooks/resolved-runbook.js";
import { describeStep } from "../runbooks/step-description.js";
import type { Execution } from "../store/executions.js";
import { alertValue, type Message, oneLine } from "./message.js";

const PHASES: [PhaseName, string][] = [
  ["healthCheck", "health check"],
  ["diagnostics", "diagnostics"],
  ["remediate", "remediate"],
  ["verify", "verify"],
  ["rollback", "rollback (only if verify fails)"],
];

/**
 * One step as a Markdown list item, in the words of the Action's dry run (the shared
 * description): its name and what it would do, a script as a fenced block under it.
 */
export function stepItem(step: ResolvedStep): string {
  const { summary, script } = describeStep(step);
  const head = `- ${oneLine(step.name, 200)}: ${oneLine(summary, 300)}`;
  if (script === undefined) return head;
  // A fence longer than any run of backticks in the script, so the script cannot end it.
  const longest = Math.max(0, ...[...script.matchAll(/`+/g)].map((run) => run[0].length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  const indented = script.replace(/\n$/, "").replaceAll("\n", "\n  ");
  return `${head}\n\n  ${fence}\n  ${indented}\n  ${fence}`;
}

/** Who may answer: the runbook's approvers, each also needing write or admin on the repository. */
export function approversText(runbook: ResolvedRunbook): string {
  if (runbook.approvers.length === 0) {
    return "nobody: the runbook lists no `approvers`, so this can only expire. Add `approvers` (GitHub users or org/team slugs) to the runbook.";
  }
  return `${runbook.approvers.map((who) => `@${who}`).join(", ")} (with write or admin permission on this repository)`;
}

export function approvalTitle(execution: Execution, runbook: ResolvedRunbook): string {
  const on = execution.target ? ` on ${oneLine(execution.target, 80)}` : "";
  return `Approval needed: ${runbook.name}${on}`;
}

export function approvalRequest(execution: Execution, runbook: ResolvedRunbook, why: string): Message {
  const on = execution.target ? ` on ${alertValue(execution.target)}` : "";
  const commit = execution.runbookSha ?? execution.runbookHash ?? "(unknown version)";
  const steps = PHASES.flatMap(([phase, label]) => {
    const list = runbook.steps[phase];
    return list.length === 0 ? [] : [`${label}:\n${list.map(stepItem).join("\n")}`];
  });
  return {
    headline: `${runbook.name}${on} is held for approval by Runbridge; nothing has run yet`,
    details: [
      `Fired: ${alertValue(execution.alertname)} (${alertValue(execution.severity)}), execution ${execution.id}`,
      `Runbook: ${runbook.name} at ${commit}, workflow ${runbook.workflow}@${runbook.ref}`,
      `Target: ${execution.target ? alertValue(execution.target) : "(none)"}`,
      `Why the bridge holds it: ${why}.`,
      `Steps that would run:\n\n${steps.join("\n\n") || "(none)"}`,
      `To answer, comment \`/approve\` or \`/reject <why>\`. Who may answer: ${approversText(runbook)}. The alert must still be firing, automation on, no breaker open and no blackout at that moment. Without an answer it expires after ${runbook.approvalExpiry}.`,
    ],
    alertBlock: JSON.stringify(execution.alert, null, 2),
  };
}
