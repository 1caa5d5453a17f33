/**
 * @module
 * Checks the schema cannot express: globs, regexes, cron expressions and time zones
 * must compile, approval needs an environment (and, held by the bridge, approvers), and no phase
 * names more secrets than the workflow passes it. All of it is caught when a runbook is loaded,
 * never when an alert arrives.
 */
import { Cron } from "croner";
import { checkGlobs } from "./globs.js";
import { SECRET_PHASES, secretSlotProblems } from "./phase-secrets.js";
import type { ResolvedRunbook } from "./resolved-runbook.js";
import type { Globs } from "./runbook.types.js";

export interface SemanticError {
  segments: (string | number)[];
  message: string;
}

/**
 * ICU's canonical zone names. Looking a name up here leaves ICU's formatting data unloaded;
 * creating an `Intl.DateTimeFormat` with a time zone loads it, ~8 MB of resident memory that
 * an idle bridge would otherwise carry for validating two blackout windows (measured on
 * Node 24: 45.9 → 54.1 MB for one DateTimeFormat, 46.4 MB for this list). A window is
 * evaluated, and the data loaded, only when an alert for its runbook is decided.
 */
let canonicalZones: Set<string> | undefined;

export function isTimeZone(zone: string): boolean {
  canonicalZones ??= new Set(Intl.supportedValuesOf("timeZone"));
  if (canonicalZones.has(zone)) return true;
  // Aliases and other spellings ICU accepts (UTC, US/Eastern, Asia/Kolkata): ask ICU itself.
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function cronProblem(expression: string, timezone: string): string | undefined {
  if (expression.trim().split(/\s+/).length !== 5) {
    return `"${expression}" is not a five-field cron expression (minute hour day-of-month month day-of-week, e.g. "0 2 * * 6")`;
  }
  try {
    new Cron(expression, { timezone, paused: true });
    return undefined;
  } catch (error) {
    return `"${expression}" is not a valid cron expression: ${(error as Error).message}`;
  }
}

function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (error) {
    return `"${pattern}" is not a valid regular expression: ${(error as Error).message}`;
  }
}

export function checkSemantics(runbook: ResolvedRunbook): SemanticError[] {
  const errors: SemanticError[] = [];
  const globs = (segments: (string | number)[], value: Globs | undefined) => {
    const problem = value === undefined ? undefined : checkGlobs(value);
    if (problem) errors.push({ segments, message: problem });
  };

  globs(["match", "alertname"], runbook.match.alertname);
  for (const [name, value] of Object.entries(runbook.match.labels ?? {}))
    globs(["match", "labels", name], value);
  for (const [name, value] of Object.entries(runbook.match.annotations ?? {}))
    globs(["match", "annotations", name], value);
  globs(["target", "allow"], runbook.target?.allow);

  const pattern = runbook.target?.pattern;
  const patternProblem = pattern === undefined ? undefined : regexProblem(pattern);
  if (patternProblem) errors.push({ segments: ["target", "pattern"], message: patternProblem });

  runbook.guards.blackout.forEach((window, index) => {
    const zone = window.timezone;
    if (!isTimeZone(zone)) {
      errors.push({
        segments: ["guards", "blackout", index, "timezone"],
        message: `"${zone}" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)`,
      });
      return;
    }
    const problem = cronProblem(window.cron, zone);
    if (problem) errors.push({ segments: ["guards", "blackout", index, "cron"], message: problem });
  });

  if (runbook.mode === "approval" && !runbook.environment) {
    errors.push({
      segments: ["environment"],
      message:
        "mode approval needs an environment: name the GitHub environment whose required reviewers approve the remediate job",
    });
  }
  if (runbook.mode === "approval" && runbook.approval === "bridge" && runbook.approvers.length === 0) {
    errors.push({
      segments: ["approvers"],
      message:
        "approval: bridge needs approvers: list the GitHub users or org/team slugs who may answer /approve, or every execution can only expire",
    });
  }
  for (const { phase, message } of secretSlotProblems(runbook)) {
    const part = SECRET_PHASES[phase];
    errors.push({ segments: part === "notify" ? ["notify"] : ["steps", part], message });
  }
  return errors;
}
