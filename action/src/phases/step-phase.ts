/**
 * @module
 * The shape shared by remediate, verify and rollback: run the list (or describe it in a dry
 * run), write the summary, fail when a step failed.
 */
import type { ResolvedStep } from "../../../bridge/runbooks/resolved-runbook.js";
import { type PhaseContext, type PhaseResult, reportHeader } from "./context.js";
import { runSteps, type StepsOutcome } from "./run-steps.js";

export interface StepPhaseOptions {
  /** Describe instead of run (remediate and rollback honour dry-run; checks always run). */
  dryRun: boolean;
  /** Words for the verdict: "remediated", "verified", "rolled back". */
  done: string;
}

export async function runStepPhase(
  context: PhaseContext,
  phase: string,
  steps: readonly ResolvedStep[],
  options: StepPhaseOptions,
): Promise<PhaseResult & { outcome: StepsOutcome }> {
  const outcome = await runSteps(steps, context.execution, context.log, { dryRun: options.dryRun });
  let verdict: string;
  if (steps.length === 0) verdict = `${phase}: the runbook has no ${phase} steps`;
  else if (options.dryRun) verdict = `${phase} (dry run): ${steps.length} step(s) described, none executed`;
  else if (outcome.failure) verdict = `${phase} failed: ${outcome.failure.reason}`;
  else verdict = `${options.done}: ${steps.length} step(s) passed`;
  await context.report({
    ...reportHeader(context, phase),
    verdict,
    results: outcome.results,
    dryRun: options.dryRun,
  });
  return { status: outcome.ok ? "success" : "failure", verdict, outputs: {}, outcome };
}
