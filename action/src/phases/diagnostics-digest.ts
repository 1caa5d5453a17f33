/**
 * @module
 * The diagnostics phase's summary: one line per step (its name, how it ended, how long it
 * took, and the first line of its output), short enough for a notification. The bridge's
 * failure notice shows it (bridge/notify/diagnostics-summary.ts); the full output stays in
 * the report files.
 */
import { formatDuration } from "../../../bridge/runbooks/duration.js";
import type { StepResult } from "../steps/runner.js";

const FIRST_LINE_MAX = 160;

function firstLine(output: string): string {
  const line = output.split(/\r?\n/).find((candidate) => candidate.trim() !== "") ?? "";
  const flat = line.trim();
  return flat.length > FIRST_LINE_MAX ? `${flat.slice(0, FIRST_LINE_MAX)}…` : flat;
}

/** The summary of the diagnostics steps' results, one line each. */
export function diagnosticsDigest(results: readonly StepResult[]): string {
  if (results.length === 0) return "the runbook has no diagnostics steps";
  return results
    .map((result) => {
      const how =
        result.status === "failed" ? `failed (${result.reason ?? "no reason given"})` : result.status;
      const output = firstLine(result.output);
      return `${result.name}: ${how} in ${formatDuration(result.durationMs)}${output ? ` — ${output}` : ""}`;
    })
    .join("\n");
}
