/**
 * @module
 * The verify phase: did the remediation work? Its failure is what triggers rollback.
 */
import type { PhaseContext, PhaseResult } from "./context.js";
import { runStepPhase } from "./step-phase.js";

export async function verify(context: PhaseContext): Promise<PhaseResult> {
  const { outcome, ...result } = await runStepPhase(
    context,
    "verify",
    context.execution.runbook.steps.verify,
    {
      dryRun: false,
      done: "verified",
    },
  );
  return { ...result, outputs: { healthy: String(outcome.ok) } };
}
