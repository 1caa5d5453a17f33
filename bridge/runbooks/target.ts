/**
 * @module
 * The target: the thing a runbook remediates, named by one alert label and optionally
 * narrowed by a regex (instance is often host:port; `^([^:]+)` keeps the host).
 */
import { compileGlobs } from "./globs.js";
import type { ResolvedRunbook } from "./resolved-runbook.js";

/** Only the target rule matters here; the Action and the CLI pass the same runbooks. */
type WithTarget = Pick<ResolvedRunbook, "target">;

const patterns = new Map<string, RegExp>();

function compiled(pattern: string): RegExp {
  let regex = patterns.get(pattern);
  if (!regex) {
    regex = new RegExp(pattern);
    patterns.set(pattern, regex);
  }
  return regex;
}

/**
 * The target for an alert, or undefined when the runbook names none or the label is
 * missing or does not match the pattern.
 */
export function extractTarget(
  runbook: WithTarget,
  labels: Readonly<Record<string, string>>,
): string | undefined {
  const spec = runbook.target;
  if (!spec) return undefined;
  const value = labels[spec.label];
  if (value === undefined || value === "") return undefined;
  if (!spec.pattern) return value;
  const match = compiled(spec.pattern).exec(value);
  if (!match) return undefined;
  return match.groups?.target ?? match[1] ?? match[0];
}

const allowLists = new WeakMap<WithTarget, (value: string) => boolean>();

/** Whether the runbook's allow-list lets it touch this target (no list: any target). */
export function isTargetAllowed(runbook: WithTarget, target: string | undefined): boolean {
  const allow = runbook.target?.allow;
  if (!allow) return true;
  if (target === undefined) return false;
  let matcher = allowLists.get(runbook);
  if (!matcher) {
    matcher = compileGlobs(allow);
    allowLists.set(runbook, matcher);
  }
  return matcher(target);
}
