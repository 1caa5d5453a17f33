/**
 * @module
 * The Action's inputs, read once and typed. Everything after this works on plain values.
 */

export const PHASES = [
  "plan",
  "health-check",
  "diagnostics",
  "remediate",
  "verify",
  "rollback",
  "notify",
] as const;
export type Phase = (typeof PHASES)[number];

export interface ActionInputs {
  phase: Phase;
  runbook: string;
  runbooksPath: string;
  executionId: string;
  target: string;
  severity: string;
  /** Raw JSON of the alert; parsed by parseAlert. */
  alert: string;
  /** Raw JSON of the secrets; parsed by parseSecrets. */
  secrets: string;
  githubToken: string;
  dryRun: boolean;
  runbookSha: string;
  /** Raw JSON of the workflow's `needs` context (notify only). */
  needs: string;
  reportDir: string;
}

export type GetInput = (name: string) => string;

/**
 * Reads and checks the inputs.
 * @param get reads one input by its action.yml name (core.getInput)
 * @throws Error naming the bad input and the accepted values
 */
export function readInputs(get: GetInput): ActionInputs {
  const phase = get("phase").trim();
  if (!(PHASES as readonly string[]).includes(phase)) {
    throw new Error(`input phase is "${phase}"; use one of ${PHASES.join(", ")}`);
  }
  const runbook = get("runbook").trim();
  if (runbook === "") throw new Error("input runbook is required: the runbook's name, e.g. nginx-down");
  return {
    phase: phase as Phase,
    runbook,
    runbooksPath: get("runbooks-path").trim() || "runbooks",
    executionId: get("execution-id").trim(),
    target: get("target").trim(),
    severity: get("severity").trim(),
    alert: get("alert"),
    secrets: get("secrets"),
    githubToken: get("github-token"),
    dryRun: parseBoolean(get("dry-run"), "dry-run"),
    runbookSha: get("runbook-sha").trim(),
    needs: get("needs"),
    reportDir: get("report-dir").trim() || "runbridge-report",
  };
}

function parseBoolean(text: string, name: string): boolean {
  const value = text.trim().toLowerCase();
  if (value === "" || value === "false") return false;
  if (value === "true") return true;
  throw new Error(`input ${name} is "${text}"; use true or false`);
}
