/**
 * @module
 * The rollback phase: runs when verify failed, to undo what remediate changed.
 */
import type { PhaseContext, PhaseResult } from "./context.js";
import { runStepPhase } from "./step-phase.js";

export async function rollback(context: PhaseContext): Promise<PhaseResult> {
  const { outcome: _, ...result } = await runStepPhase(
    context,
    "rollback",
    context.execution.runbook.steps.rollback,
    { dryRun: context.execution.dryRun, done: "rolled back" },
  );
  return result;
}
