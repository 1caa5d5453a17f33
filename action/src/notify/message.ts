/**
 * @module
 * What a finished run tells people. bridge/notify renders it for Slack and issues, as it does
 * the bridge's own notifications.
 */
import { alertValue, type Message } from "../../../bridge/notify/message.js";
import type { Execution } from "../execution.js";
import { JOB_ORDER, type Jobs, type RunOutcome } from "./outcome.js";

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
    headline: `${execution.runbook.name} on ${execution.target ? alertValue(execution.target) : "(no target)"}: ${outcome.text}`,
    details: [
      `Execution ${execution.executionId} · severity ${alertValue(execution.severity)} · alert ${execution.alert.name ? alertValue(execution.alert.name) : "(none)"}`,
      `Jobs: ${jobLine}`,
      `Run: ${runUrl}`,
    ],
    alertBlock: execution.mask(alertBlock),
  };
}
