/**
 * @module
 * The words of a notification, shared by Slack and issues.
 */
import type { Execution } from "../execution.js";
import { JOB_ORDER, type Jobs, type RunOutcome } from "./outcome.js";

export interface Message {
  /** One line: "nginx-down on web-1: remediated and verified". */
  headline: string;
  /** Plain lines: execution, severity, alert, job results, run link. */
  details: string[];
  /** Alert labels and annotations, shown only inside code blocks (they are untrusted). */
  alertBlock: string;
}

export function composeMessage(
  execution: Execution,
  jobs: Jobs,
  outcome: RunOutcome,
  runUrl: string,
): Message {
  const jobLine = JOB_ORDER.map((job) => `${job} ${jobs[job]?.result ?? "skipped"}`).join(" · ");
  const alertBlock = JSON.stringify(
    { labels: execution.alert.labels, annotations: execution.alert.annotations },
    null,
    2,
  ).slice(0, 4_000);
  return {
    headline: `${execution.runbook.name} on ${execution.target || "(no target)"}: ${outcome.text}`,
    details: [
      `Execution ${execution.executionId} · severity ${execution.severity} · alert ${oneLine(execution.alert.name) || "(none)"}`,
      `Jobs: ${jobLine}`,
      `Run: ${runUrl}`,
    ],
    alertBlock: execution.mask(alertBlock),
  };
}

/** Untrusted text for a single line: no line breaks, bounded. */
export function oneLine(text: string, max = 120): string {
  const flat = text.replace(/[\r\n\t]+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
