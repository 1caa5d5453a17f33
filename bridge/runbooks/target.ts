/**
 * @module
 * The target: the thing a runbook remediates, named by one alert label and optionally
 * narrowed by a regex (instance is often host:port; `^([^:]+)` keeps the host).
 */
import { compileGlobs } from "./globs.js";
import type { Runbook } from "./runbook.types.js";

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
  runbook: Runbook,
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

const allowLists = new WeakMap<Runbook, (value: string) => boolean>();

/** Whether the runbook's allow-list lets it touch this target (no list: any target). */
export function isTargetAllowed(runbook: Runbook, target: string | undefined): boolean {
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
