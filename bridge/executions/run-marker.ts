/**
 * @module
 * How a run on GitHub names the execution it belongs to: the remediate workflow's
 * `run-name:` ends with `[<execution id>]`. Only that last bracket counts — alert text
 * shown earlier in the name must never be able to claim another execution's run — and
 * the alert-derived part of the name is shown without brackets, control characters or
 * excess length, so GitHub cutting a long name short cannot bring a forged marker to the end.
 */

const MARKER_AT_END = /\[(ex_[0-9a-z]{18})\]\s*$/;

/** Longest alert-derived text shown in a run's name. */
export const MAX_RUN_NAME_TARGET = 80;

/** The execution id a run's name ends with, if it ends with one. */
export function executionIdInRunName(runName: string | null | undefined): string | undefined {
  return runName ? MARKER_AT_END.exec(runName)?.[1] : undefined;
}

/** Alert-derived text as a run's name may show it: no brackets, no control characters, bounded. */
export function runNameText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const plain = text.replace(/[[\]\u0000-\u001f\u007f]/g, "_");
  return plain.length > MAX_RUN_NAME_TARGET ? `${plain.slice(0, MAX_RUN_NAME_TARGET - 1)}…` : plain;
}

/** What the run's name says before the marker: `<runbook> on <target>`. */
export function runNameFor(runbook: string, target: string | null | undefined): string {
  return target ? `${runNameText(runbook)} on ${runNameText(target)}` : runNameText(runbook);
}

/**
 * A run someone started by hand (`gh workflow run remediate.yml -f runbook=… -f target=…`)
 * is named `Remediate <runbook> on <target> [manual-<its own run id>]`: the marker must name
 * this very run, so no other run's name can pass for it.
 */
const MANUAL_NAME = /^Remediate ([a-z0-9]+(?:-[a-z0-9]+)*)(?: on(?: (.*?))?)?\s*\[manual-(\d+)\]\s*$/;

/** The runbook and target a manual run's name gives; undefined when it is not a manual run of `runId`. */
export function manualRunInName(
  runName: string | null | undefined,
  runId: number,
): { runbook: string; target: string | null } | undefined {
  const match = runName ? MANUAL_NAME.exec(runName) : null;
  if (!match || Number(match[3]) !== runId) return undefined;
  const target = match[2]?.trim();
  return { runbook: match[1] as string, target: target ? target : null };
}

/** The execution id the bridge records a manual run under. */
export function manualExecutionId(runId: number): string {
  return `manual-${runId}`;
}
