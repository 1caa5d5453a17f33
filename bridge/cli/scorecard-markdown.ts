/**
 * @module
 * Renders the runbook scorecard (GET /api/runbooks) for one window as GitHub-flavoured
 * markdown, fit for a weekly issue or a job summary (`$GITHUB_STEP_SUMMARY`): one table row
 * per runbook, then each runbook's last failure with its run link. Failure reasons can carry
 * alert-derived text, so they go through `alertValue` (inert inline code), and only https
 * links are made.
 */
import type { RunbooksAnswer, ScorecardWindow, ScorecardWindowJson } from "../http/api-types.js";
import { alertValue } from "../notify/message.js";

/** Pipes end a table cell even inside a code span: escape them. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

/** A duration people read at a glance: 45s, 3m 40s, 2h 5m. */
export function humanDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 ? `${minutes}m ${seconds % 60}s` : `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours}h ${minutes % 60}m` : `${hours}h`;
}

function rate(window: ScorecardWindowJson): string {
  if (window.verifiedRate === null) return "—";
  const judged =
    window.outcomes.verified +
    window.outcomes.not_cleared +
    window.outcomes.rolled_back +
    window.outcomes.failed;
  return `${Math.round(window.verifiedRate * 100)}% (${window.outcomes.verified}/${judged})`;
}

function resolution(window: ScorecardWindowJson): string {
  const { fromStart, fromDispatch } = window.timeToResolution;
  if (!fromStart || !fromDispatch) return "—";
  return `${humanDuration(fromStart.medianMs)} / ${humanDuration(fromStart.p90Ms)} (dispatch: ${humanDuration(fromDispatch.medianMs)} / ${humanDuration(fromDispatch.p90Ms)})`;
}

function suppressions(window: ScorecardWindowJson): string {
  const entries = Object.entries(window.suppressedBy).sort(([a], [b]) => a.localeCompare(b));
  return entries.length ? entries.map(([guard, n]) => `${guard} ${n}`).join(", ") : "0";
}

/**
 * The report for one window, ending in a newline.
 * @param source where the scorecard came from (the bridge's URL), shown under the heading
 */
export function renderScorecardMarkdown(
  answer: RunbooksAnswer,
  window: ScorecardWindow,
  source: string,
): string {
  const out: string[] = [`## Runbook scorecard: last ${window}`, ""];
  out.push(
    `From ${source} at ${new Date(answer.generatedAt).toISOString()}; ${answer.runbooks.length} runbook${answer.runbooks.length === 1 ? "" : "s"}.`,
    "",
  );
  if (answer.runbooks.length === 0) {
    out.push("No runbook is loaded and none ran in the last 30 days.");
    return `${out.join("\n")}\n`;
  }
  out.push(
    "| Runbook | Executions | Dispatched | Verified rate | Not cleared | Rolled back | Failed | Time to resolution, median / p90 | Relapses | Suppressed | Breaker |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- |",
  );
  for (const card of answer.runbooks) {
    const w = card.windows[window];
    const name = `${cell(alertValue(card.runbook))}${card.loaded ? "" : " (not loaded)"}`;
    const breaker =
      card.breaker.state === "closed"
        ? "closed"
        : `**${card.breaker.state.replace("_", "-")}** (${card.breaker.notClosed.map((b) => cell(alertValue(b.key))).join(", ")})`;
    out.push(
      `| ${[
        name,
        w.executions,
        w.dispatched,
        rate(w),
        w.outcomes.not_cleared,
        w.outcomes.rolled_back,
        w.outcomes.failed,
        resolution(w),
        w.relapses,
        cell(suppressions(w)),
        breaker,
      ].join(" | ")} |`,
    );
  }
  const failures = answer.runbooks.filter((card) => card.lastFailure !== null);
  out.push("", "### Last failures (30 days)", "");
  if (failures.length === 0) out.push("None.");
  for (const card of failures) {
    const failure = card.lastFailure;
    if (!failure) continue;
    const link = /^https:\/\//.test(failure.runUrl ?? "") ? ` · [run](${failure.runUrl})` : "";
    out.push(
      `- ${alertValue(card.runbook)}: ${failure.state} at ${new Date(failure.at).toISOString()}, execution ${alertValue(failure.executionId)}${link}: ${alertValue(failure.reason, 200)}`,
    );
  }
  out.push(
    "",
    "Verified rate: verified / (verified + not cleared + rolled back + failed). Time to resolution: from the alert's start (and from the dispatch) to the bridge seeing it resolve.",
  );
  return `${out.join("\n")}\n`;
}
