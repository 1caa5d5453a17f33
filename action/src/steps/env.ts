/**
 * @module
 * The environment of a `run` step: the only way alert data reaches a script. Values are data
 * to the shell (`"$ALERT_LABEL_INSTANCE"`), never script text, whatever they contain.
 */
import type { ResolvedRunStep } from "../../../bridge/runbooks/resolved-runbook.js";
import type { Execution } from "../execution.js";
import { requireSecret } from "../secrets.js";

/**
 * One alert value may be at most this long in the environment: Linux refuses to start a
 * process when a single variable exceeds 128 KiB (E2BIG). Longer values are cut; the whole
 * alert is in ALERT_FILE.
 */
export const MAX_VALUE_BYTES = 32 * 1024;
/** All alert variables together; keeps the environment well under ARG_MAX (2 MiB). */
export const MAX_ALERT_BYTES = 512 * 1024;

/** `instance` → `INSTANCE`, `foo.bar-baz` → `FOO_BAR_BAZ`. */
export function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

function cut(value: string, maxBytes: number): string {
  // NUL cannot be passed in an environment variable at all (spawn throws); drop it.
  const clean = value.replaceAll("\0", "");
  if (Buffer.byteLength(clean) <= maxBytes) return clean;
  return Buffer.from(clean)
    .subarray(0, maxBytes)
    .toString("utf8")
    .replace(/\uFFFD+$/, "");
}

/** ALERT_*, TARGET, EXECUTION_ID, RUNBOOK and ALERT_FILE for an execution. */
export function alertEnv(execution: Execution): Record<string, string> {
  const env: Record<string, string> = {};
  const truncated: string[] = [];
  let budget = MAX_ALERT_BYTES;
  const put = (name: string, value: string) => {
    const limit = Math.max(0, Math.min(MAX_VALUE_BYTES, budget));
    const kept = cut(value, limit);
    if (kept.length < value.replaceAll("\0", "").length) truncated.push(name);
    budget -= Buffer.byteLength(kept);
    env[name] = kept;
  };
  put("ALERT_NAME", execution.alert.name);
  put("ALERT_SEVERITY", execution.severity);
  put("TARGET", execution.target);
  put("EXECUTION_ID", execution.executionId);
  put("RUNBOOK", execution.runbook.name);
  // Sorted, so when two names collide after upper-casing the result does not depend on JSON order.
  for (const [name, value] of Object.entries(execution.alert.labels).sort(([a], [b]) => a.localeCompare(b))) {
    put(`ALERT_LABEL_${envName(name)}`, value);
  }
  for (const [name, value] of Object.entries(execution.alert.annotations).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    put(`ALERT_ANNOTATION_${envName(name)}`, value);
  }
  env.ALERT_FILE = execution.alertFile;
  if (truncated.length > 0) env.ALERT_TRUNCATED = truncated.join(",");
  return env;
}

/**
 * The full environment for a run step: runner environment, then the step's static env, then
 * alert data, then the secrets it names (so neither a label nor static env can shadow them).
 * @throws Error when a named secret is not set
 */
export function runStepEnv(execution: Execution, step: ResolvedRunStep): Record<string, string> {
  const env: Record<string, string> = { ...execution.baseEnv, ...step.env, ...alertEnv(execution) };
  for (const name of step.secrets) {
    env[name] = requireSecret(execution.secrets, name, `step "${step.name}"`);
  }
  return env;
}

/**
 * Drops what a runbook script must not see or touch from the runner's environment: the
 * Action's inputs (INPUT_SECRETS holds every secret, INPUT_GITHUB-TOKEN the token), the
 * runtime tokens, and the runner's command files (a step must not set this job's outputs).
 */
export function scrubRunnerEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const hidden = new Set([
    "GITHUB_ENV",
    "GITHUB_OUTPUT",
    "GITHUB_PATH",
    "GITHUB_STATE",
    "GITHUB_STEP_SUMMARY",
  ]);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (name.startsWith("INPUT_") || name.startsWith("ACTIONS_") || hidden.has(name)) continue;
    out[name] = value;
  }
  return out;
}
