/**
 * @module
 * The health-check phase: is the target already healthy? Then the alert flapped and the run
 * stops here. A failing check is the expected case, not a failure of this phase.
 */
import { type PhaseContext, type PhaseResult, reportHeader } from "./context.js";
import { runSteps } from "./run-steps.js";

export async function healthCheck(context: PhaseContext): Promise<PhaseResult> {
  const steps = context.execution.runbook.steps.healthCheck;
  // Checks only read, so they run in a dry run too: it should show what would really happen.
  const outcome = await runSteps(steps, context.execution, context.log);
  const healthy = steps.length > 0 && outcome.results.every((result) => result.status === "passed");
  let verdict: string;
  if (steps.length === 0)
    verdict = "unhealthy (assumed): the runbook has no health checks, so remediation goes ahead";
  else if (healthy)
    verdict = `healthy: all ${steps.length} check(s) passed; the alert flapped, nothing to remediate`;
  else {
    const failed = outcome.results.find((result) => result.status === "failed");
    verdict = `unhealthy: ${failed?.reason ?? "a check failed"}`;
  }
  await context.report({ ...reportHeader(context, "health-check"), verdict, results: outcome.results });
  return { status: "success", verdict, outputs: { healthy: String(healthy) } };
}
