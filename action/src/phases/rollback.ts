/**
 * @module
 * The rollback phase: runs when verify failed and the runbook has rollback steps, to undo what
 * remediate changed. Its `rolled-back` output says whether it did; the bridge learns the same
 * from this job's conclusion (workflow_job) and records the execution as rolled_back.
 */
import type { PhaseContext, PhaseResult } from "./context.js";
import { runStepPhase } from "./step-phase.js";

export async function rollback(context: PhaseContext): Promise<PhaseResult> {
  const steps = context.execution.runbook.steps.rollback;
  const { dryRun } = context.execution;
  const { outcome: _, ...result } = await runStepPhase(context, "rollback", steps, {
    dryRun,
    done: "rolled back",
  });
  // Described (dry run) or nothing to run is no rollback.
  const rolledBack = result.status === "success" && !dryRun && steps.length > 0;
  return { ...result, outputs: { ...result.outputs, "rolled-back": String(rolledBack) } };
}
