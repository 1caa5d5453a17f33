/**
 * @module
 * The words of the notifications the bridge sends itself: an alert a notify-mode runbook
 * tells people about (and its resolution), an execution that failed, a circuit breaker that
 * opened or closed. Alert-derived values (targets, alert names, severities, breaker keys that
 * carry a target) go through `alertValue`; the alert itself only into `alertBlock`.
 */
import type { ResolvedRunbook } from "../runbooks/resolved-runbook.js";
import type { Execution } from "../store/executions.js";
import { stepItem } from "./approval-request.js";
import { alertValue, type Message, oneLine } from "./message.js";

type AlertOf = Pick<Execution, "id" | "alertname" | "severity" | "target" | "alert">;

function on(execution: Pick<Execution, "target">): string {
  return execution.target ? ` on ${alertValue(execution.target)}` : "";
}

/** Where people look at an alert and silence it. */
export interface AlertLinks {
  generatorURL?: string;
  silenceURL?: string;
}

/**
 * A link that opens Alertmanager's "new silence" form with this alert's labels as matchers, or
 * undefined when the Alertmanager's URL is unknown or not http(s). Label values are untrusted:
 * they stay inside the encoded query.
 */
export function silenceLink(
  externalURL: string | undefined,
  labels: Record<string, string>,
): string | undefined {
  if (!externalURL || !/^https?:\/\//.test(externalURL)) return undefined;
  const matchers = Object.entries(labels)
    .filter(([name]) => !name.startsWith("__"))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`);
  return `${externalURL.replace(/\/+$/, "")}/#/silences/new?filter=${encodeURIComponent(`{${matchers.join(",")}}`)}`;
}

/** mode: notify — the alert fired; nothing will run. */
export function alertFiringNotice(
  execution: AlertOf,
  runbook: Pick<ResolvedRunbook, "name" | "description" | "owner">,
  links: AlertLinks,
): Message {
  return {
    headline: `${runbook.name}${on(execution)}: ${alertValue(execution.alertname)} (${alertValue(execution.severity)}) is firing`,
    details: [
      `Runbook: ${runbook.name} (notify only, nothing runs): ${oneLine(runbook.description, 300)}`,
      `Owner: ${oneLine(runbook.owner, 120) || "(none named)"}`,
      `Execution: ${execution.id}`,
      ...(links.generatorURL ? [`Source: ${oneLine(links.generatorURL, 500)}`] : []),
      ...(links.silenceURL ? [`Silence: ${links.silenceURL}`] : []),
    ],
    alertBlock: JSON.stringify(execution.alert, null, 2),
  };
}

/** mode: notify — the alert resolved. */
export function alertResolvedNotice(execution: AlertOf, runbook: string, resolvedAt: string): Message {
  return {
    headline: `${runbook}${on(execution)}: ${alertValue(execution.alertname)} resolved at ${oneLine(resolvedAt, 40)}`,
    details: [`Execution: ${execution.id}`],
  };
}

/** An execution ended in a failing state: the run link and what was tried. */
export function executionFailedNotice(
  execution: AlertOf & Pick<Execution, "state" | "reason" | "runUrl">,
  runbook: ResolvedRunbook | undefined,
  jobs: { name: string; conclusion: string | null }[],
): Message {
  const name = runbook?.name ?? "(runbook no longer loaded)";
  const steps = runbook?.steps.remediate.map((step) => stepItem(step)) ?? [];
  return {
    headline: `${name}${on(execution)} ${execution.state}: remediation of ${alertValue(execution.alertname)} did not fix it`,
    details: [
      `Why: ${oneLine(execution.reason, 500)}`,
      `Run: ${execution.runUrl ?? "(no run on GitHub)"}`,
      `Jobs: ${jobs.map((job) => `${oneLine(job.name, 80)} ${job.conclusion ?? "unfinished"}`).join(", ") || "(none reported)"}`,
      ...(steps.length ? [`Remediation tried:\n${steps.join("\n")}`] : []),
      `Execution: ${execution.id}`,
    ],
    alertBlock: JSON.stringify(execution.alert, null, 2),
  };
}

export interface BreakerFailureLine {
  executionId: string;
  at: number;
  state: string | null;
  reason: string | null;
  runUrl: string | null;
}

/** A breaker opened: the last failures that opened it, and how to reset it. */
export function breakerOpenedNotice(
  key: string,
  reason: string,
  failures: readonly BreakerFailureLine[],
  reset: string,
): Message {
  const lines = failures.map(
    (failure) =>
      // An execution's reason starts with its state ("failed: …"); a pruned one has neither.
      `- ${new Date(failure.at).toISOString()} ${failure.executionId} ${failure.reason ? oneLine(failure.reason, 200) : "(pruned)"}${failure.runUrl ? ` — ${failure.runUrl}` : ""}`,
  );
  return {
    headline: `circuit breaker ${alertValue(key, 200)} opened: automation for it is held back`,
    details: [
      `Why: ${oneLine(reason, 500)}`,
      ...(lines.length ? [`Last failures:\n${lines.join("\n")}`] : []),
      `To reset once the cause is fixed: ${reset}`,
    ],
  };
}

export function breakerClosedNotice(key: string, reason: string): Message {
  return {
    headline: `circuit breaker ${alertValue(key, 200)} closed: automation resumes`,
    details: [`Why: ${oneLine(reason, 500)}`],
  };
}

/** How an operator closes a breaker (the read API's reset, or the console). */
export function resetInstructions(key: string): string {
  return `POST /api/breakers/${encodeURIComponent(key)}/reset on the bridge (with RUNBRIDGE_API_TOKEN), or the console's breakers panel.`;
}
