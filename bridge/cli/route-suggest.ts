/**
 * @module
 * "Did you mean HighCpuUsage?": when an alert's name matches no runbook at all, the runbooks
 * whose alertname differs from it only in case or punctuation (HighCPUUsage, high_cpu_usage).
 * Rule sets spell the same alert differently, and a runbook that silently misses an alert
 * over one letter's case is the most common routing mistake.
 */

import { minimatch } from "minimatch";
import { compileGlobs, globList, isLiteral } from "../runbooks/globs.js";
import type { MatchIndex } from "../runbooks/match-index.js";

export interface AlertnameSuggestion {
  /** The alertname (or glob) as the runbook writes it. */
  alertname: string;
  runbook: string;
}

/** A glob whose only special characters are `*` and `?`, so its literal parts can be folded. */
const SIMPLE_PATTERN = /^[^[\]{}()!+@\\]*$/;
const OPTIONS = { dot: true, nonegate: true, nocomment: true } as const;

/** Case and punctuation folded away: `HighCPUUsage`, `high_cpu_usage` → `highcpuusage`. */
export function foldAlertname(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/**
 * Runbook alertnames that equal `alertname` once case and punctuation are ignored; none when
 * some runbook's alertname matches it as it is (then near misses say why it was not taken).
 */
export function suggestAlertnames(index: MatchIndex, alertname: string): AlertnameSuggestion[] {
  const folded = foldAlertname(alertname);
  if (folded === "") return [];
  const runbooks = [...index.byName.values()];
  if (runbooks.some((loaded) => compileGlobs(loaded.runbook.match.alertname)(alertname))) return [];
  const suggestions: AlertnameSuggestion[] = [];
  for (const loaded of runbooks) {
    for (const glob of globList(loaded.runbook.match.alertname)) {
      if (glob.startsWith("!")) continue;
      const close = isLiteral(glob)
        ? foldAlertname(glob) === folded
        : SIMPLE_PATTERN.test(glob)
          ? // "NginxDown*" → "nginxdown*": fold the literal parts, keep the wildcards.
            minimatch(folded, glob.toLowerCase().replace(/[^a-z0-9*?]/g, ""), OPTIONS)
          : // Character classes and the like cannot be folded: forgive case only.
            minimatch(alertname, glob, { ...OPTIONS, nocase: true });
      if (close) suggestions.push({ alertname: glob, runbook: loaded.runbook.name });
    }
  }
  return suggestions.sort(
    (a, b) => a.alertname.localeCompare(b.alertname) || a.runbook.localeCompare(b.runbook),
  );
}
