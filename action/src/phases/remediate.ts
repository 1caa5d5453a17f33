/**
 * @module
 * The remediate phase: the runbook's changes, in the job that the runbook's GitHub environment
 * gates. A runbook in notify mode never gets here with steps to run.
 */
import { type PhaseContext, type PhaseResult, reportHeader } from "./context.js";
import { runStepPhase } from "./step-phase.js";

export async function remediate(context: PhaseContext): Promise<PhaseResult> {
  const { runbook, dryRun } = context.execution;
  if (runbook.mode === "notify") {
    const verdict = `remediate: runbook ${runbook.name} is in notify mode and never remediates`;
    await context.report({ ...reportHeader(context, "remediate"), verdict, results: [] });
    return { status: "success", verdict, outputs: {} };
  }
  const { outcome: _, ...result } = await runStepPhase(context, "remediate", runbook.steps.remediate, {
    dryRun,
    done: "remediated",
  });
  return result;
}
