/**
 * @module
 * Bounded label values. Every metric label comes from a closed set — the loaded runbook
 * names, the execution states, the guards — so a hostile or noisy alert can never create
 * series: alert content (alertname, labels) never reaches a metric label unchecked.
 *
 * @example
 *   runbookLabel("nginx-down", names)  // "nginx-down" when loaded, else "other"
 *   oneOf("cooldown", GUARD_LABELS)    // "cooldown"
 *   oneOf("<script>", GUARD_LABELS)    // "other"
 */
import { ACTIVE_STATES, DECISION_OUTCOMES, executionStates } from "../executions/states.js";
import { auditKinds } from "../store/audit-kinds.js";

/** Any value outside its closed set. */
export const OTHER = "other";
/** An execution that no runbook matched. */
export const NO_RUNBOOK = "none";

/** Why a decision did not dispatch: the guards, plus the identity/routing/mode steps. */
export const GUARD_LABELS = [
  "kill_switch",
  "no_runbook",
  "blackout",
  "target_not_allowed",
  "cooldown",
  "max_per_hour",
  "circuit_breaker",
  "active_execution",
  "storm_limit",
  "mode",
  "dry_run",
] as const;

/** What a decision recorded; `decision.<state>` audit events carry these states. */
export const OUTCOME_LABELS: readonly string[] = [...DECISION_OUTCOMES.values()];

/** How the outbox finished one row's turn. */
export const DISPATCH_RESULTS = ["accepted", "recovered", "retried", "failed"] as const;

export const EXECUTION_STATE_LABELS: readonly string[] = executionStates;

/** States an execution can still be waiting in (their age is exported). */
export const ACTIVE_STATE_LABELS = ACTIVE_STATES;

/** Audit kinds the bridge writes (the table in store/audit-kinds.ts); anything else counts as `other`. */
export const AUDIT_KIND_LABELS: readonly string[] = auditKinds;

export const BREAKER_SCOPES = ["runbook", "target", "global"] as const;

export const RATE_LIMIT_RESOURCES = [
  "core",
  "search",
  "graphql",
  "integration_manifest",
  "code_search",
  "actions_runner_registration",
] as const;

/** The value itself when it is in the closed set, else `other`. */
export function oneOf(value: unknown, allowed: readonly string[]): string {
  return typeof value === "string" && allowed.includes(value) ? value : OTHER;
}

/** A runbook name as a label: only names of the loaded set; no runbook → `none`. */
export function runbookLabel(name: string | null | undefined, isLoaded: (name: string) => boolean): string {
  if (name === null || name === undefined || name === "") return NO_RUNBOOK;
  return isLoaded(name) ? name : OTHER;
}

const MAX_TARGET_CHARS = 64;

/**
 * A remediation target as a label. Targets have passed the runbook's extraction (and its
 * allow-list when it has one); they are still cut to 64 printable characters, and callers
 * only export them while they matter (a running cooldown), which keeps the set small.
 */
export function targetLabel(target: string | null | undefined): string {
  if (!target) return "";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const printable = target.replace(/[\u0000-\u001f\u007f]/g, "?");
  return printable.length > MAX_TARGET_CHARS ? `${printable.slice(0, MAX_TARGET_CHARS - 1)}…` : printable;
}
