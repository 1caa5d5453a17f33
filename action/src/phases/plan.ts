/**
 * @module
 * The plan phase: load and validate the runbook at the checked-out commit and hand later jobs
 * what they need: the normalized execution (target, severity, ids), the environment that gates
 * remediation, which phases have work, the runner labels the phase jobs run on, and per phase
 * the names of the secrets its steps use (the workflow passes each phase job only those).
 */
import { phaseSecrets } from "../../../bridge/runbooks/phase-secrets.js";
import type { PhaseName } from "../../../bridge/runbooks/resolved-runbook.js";
import { type PhaseContext, type PhaseResult, reportHeader } from "./context.js";

const PHASE_STEPS: [output: string, key: PhaseName][] = [
  ["has-health-check", "healthCheck"],
  ["has-diagnostics", "diagnostics"],
  ["has-remediate", "remediate"],
  ["has-verify", "verify"],
  ["has-rollback", "rollback"],
];

export async function plan(context: PhaseContext): Promise<PhaseResult> {
  const { execution } = context;
  const { runbook } = execution;
  const outputs: Record<string, string> = {
    runbook: runbook.name,
    target: execution.target,
    "execution-id": execution.executionId,
    severity: execution.severity,
    alert: JSON.stringify(execution.alert.raw),
    mode: runbook.mode,
    "dry-run": String(execution.dryRun),
    // A dry run changes nothing, so it does not wait for approvers.
    environment: execution.dryRun ? "" : (runbook.environment ?? ""),
    // A content hash (sha256:…) is verified when the runbook loads; only a commit pins the checkout.
    sha: /^[0-9a-f]{40}$/.test(context.inputs.runbookSha) ? context.inputs.runbookSha : context.sha,
    // JSON, read with fromJSON in the workflow: `runs-on` takes a list, and secrets[...] a name.
    "runs-on": JSON.stringify(runbook.runsOn),
  };
  // The loader already refused a phase with more secrets than the workflow's slots.
  for (const [phase, names] of Object.entries(phaseSecrets(runbook))) {
    outputs[`secrets-${phase}`] = JSON.stringify(names);
  }
  const counts: string[] = [];
  for (const [output, key] of PHASE_STEPS) {
    const count = runbook.steps[key].length;
    outputs[output] = String(count > 0);
    counts.push(`${key} ${count}`);
  }
  const remediates = runbook.mode !== "notify" && outputs["has-remediate"] === "true";
  outputs.remediate = String(remediates);
  const gate = outputs.environment ? `environment ${outputs.environment}` : "no environment";
  const verdict =
    `plan: ${runbook.name} on ${execution.target || "(no target)"}, mode ${runbook.mode}` +
    `${execution.dryRun ? " (dry run)" : ""}, ${gate}, runs on ${runbook.runsOn.join(", ")}; ` +
    `steps: ${counts.join(", ")}` +
    (remediates ? "" : "; remediation will not run");
  await context.report({ ...reportHeader(context, "plan"), verdict, results: [] });
  return { status: "success", verdict, outputs };
}
