/**
 * @module
 * The notify phase: always runs last, works out the run's outcome from every job's result and
 * tells people through each of the runbook's notifications whose `when` matches. One failing
 * channel does not stop the others; the phase fails afterwards, naming each.
 */
import { notifiesOn, opensIssue } from "../../../bridge/notify/channels.js";
import { commentOnIssue, findOpenIncident, type IssueTarget, openIncident } from "../notify/issues.js";
import { composeMessage } from "../notify/message.js";
import { decideOutcome, parseJobs } from "../notify/outcome.js";
import { postSlack } from "../notify/slack.js";
import { requireSecret } from "../secrets.js";
import { type PhaseContext, type PhaseResult, reportHeader } from "./context.js";

export interface NotifySurroundings {
  /** Where issues go; undefined when no token was given. */
  github: IssueTarget | undefined;
  runUrl: string;
}

export async function notify(context: PhaseContext, surroundings: NotifySurroundings): Promise<PhaseResult> {
  const { execution } = context;
  const jobs = parseJobs(context.inputs.needs);
  const outcome = decideOutcome(jobs);
  const message = composeMessage(execution, jobs, outcome, surroundings.runUrl);
  const key = { runbook: execution.runbook.name, target: execution.target };
  const done: string[] = [];
  const errors: string[] = [];
  for (const [index, entry] of execution.runbook.notify.entries()) {
    if (!notifiesOn(entry.when, outcome.success)) continue;
    try {
      if (entry.slack) {
        const url = requireSecret(execution.secrets, entry.slack.webhookSecret, `notify[${index}].slack`);
        await postSlack(url, message, entry.slack.webhookSecret);
        done.push("slack");
      }
      if (entry.issue) {
        if (!surroundings.github) throw new Error("issue notification needs the github-token input");
        const options = { labels: entry.issue.labels, assignees: entry.issue.assignees };
        const opens = opensIssue(entry.issue, execution.severity);
        let incident = await findOpenIncident(surroundings.github, key);
        if (incident !== undefined) {
          await commentOnIssue(surroundings.github, incident, message);
          done.push(`commented on #${incident}`);
        } else if (opens) {
          incident = await openIncident(surroundings.github, key, message, execution.alert.name, options);
          done.push(`opened #${incident}`);
        }
      }
    } catch (error) {
      errors.push(`notify[${index}]: ${execution.mask((error as Error).message)}`);
    }
  }
  const sent = done.length > 0 ? `; notified: ${done.join(", ")}` : "";
  const verdict =
    errors.length > 0
      ? `notify failed (${outcome.outcome}): ${errors.join("; ")}`
      : `${outcome.outcome}: ${outcome.text}${sent}`;
  await context.report({ ...reportHeader(context, "notify"), verdict, results: [] });
  return {
    status: errors.length > 0 ? "failure" : "success",
    verdict,
    outputs: { outcome: outcome.outcome },
  };
}
