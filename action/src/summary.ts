/**
 * @module
 * The job summary of a phase: which runbook, target and execution, then a table of steps with
 * result, duration and the tail of their output. Output comes from targets and alerts, so
 * every cell is HTML-escaped.
 */
import * as core from "@actions/core";
import { formatDuration } from "../../bridge/runbooks/duration.js";
import { logText } from "./log-text.js";
import { tail } from "./steps/output.js";
import type { StepResult } from "./steps/runner.js";

export interface PhaseReport {
  phase: string;
  runbook: string;
  target: string;
  executionId: string;
  /** One sentence: "healthy: all 2 checks passed", "failed: step \"restart\" ..." */
  verdict: string;
  results: readonly StepResult[];
  dryRun?: boolean;
}

/** Lines of output shown per step. */
const TAIL_LINES = 10;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function resultText(result: StepResult): string {
  if (result.status === "passed")
    return result.attempts > 1 ? `✅ passed (attempt ${result.attempts})` : "✅ passed";
  if (result.status === "skipped") return `⏭️ ${result.reason ?? "skipped"}`;
  return result.continued ? "⚠️ failed, continued" : "❌ failed";
}

/** The summary as HTML (GitHub renders it as part of the job's Markdown summary). */
export function renderSummary(report: PhaseReport): string {
  const title = `Runbridge ${report.phase}${report.dryRun ? " (dry run)" : ""}: ${report.runbook}`;
  const rows = report.results.map((result) => {
    const detail = [
      result.reason && result.status === "failed" ? result.reason : "",
      tail(result.output, TAIL_LINES),
    ]
      .filter((part) => part !== "")
      .join("\n");
    return (
      `<tr><td>${escapeHtml(result.name)}</td><td>${escapeHtml(resultText(result))}</td>` +
      `<td>${formatDuration(result.durationMs)}</td>` +
      `<td>${detail ? `<pre>${escapeHtml(detail)}</pre>` : ""}</td></tr>`
    );
  });
  const table =
    rows.length > 0
      ? `<table><tr><th>Step</th><th>Result</th><th>Duration</th><th>Output (tail)</th></tr>${rows.join("")}</table>`
      : "<p>This phase has no steps.</p>";
  return [
    `<h3>${escapeHtml(title)}</h3>`,
    `<p>Target <code>${escapeHtml(report.target || "(none)")}</code> · execution <code>${escapeHtml(report.executionId)}</code></p>`,
    `<p><strong>${escapeHtml(report.verdict)}</strong></p>`,
    table,
  ].join("\n");
}

/**
 * Appends the summary to the job summary.
 * @param hasSummaryFile whether the runner gave us one (GITHUB_STEP_SUMMARY); without it (local
 *   runs) the verdict is printed instead
 */
export async function writeSummary(report: PhaseReport, hasSummaryFile: boolean): Promise<void> {
  if (hasSummaryFile) {
    await core.summary.addRaw(renderSummary(report), true).write();
  } else {
    core.info(logText(`summary: ${report.verdict}`));
  }
}
