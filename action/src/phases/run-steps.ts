/**
 * @module
 * Runs a phase's step list in order. A failing step stops the list unless it may continue
 * (continueOnError) or the phase collects everything it can (diagnostics).
 */
import type { ResolvedStep } from "../../../bridge/runbooks/resolved-runbook.js";
import { stepDescriptionText } from "../../../bridge/runbooks/step-description.js";
import type { Execution } from "../execution.js";
import type { StepLog } from "../steps/log.js";
import { runStep, type StepResult, skippedStep } from "../steps/runner.js";

export interface StepsOutcome {
  results: StepResult[];
  /** Every step passed, or failed with continueOnError. */
  ok: boolean;
  /** The first step that failed without continueOnError. */
  failure?: StepResult;
}

export interface RunStepsOptions {
  /** Go on after a failing step (diagnostics: collect everything). */
  keepGoing?: boolean;
  /** Record what each step would do instead of doing it. */
  dryRun?: boolean;
}

export async function runSteps(
  steps: readonly ResolvedStep[],
  execution: Execution,
  log: StepLog,
  options: RunStepsOptions = {},
): Promise<StepsOutcome> {
  const results: StepResult[] = [];
  let failure: StepResult | undefined;
  for (const step of steps) {
    if (options.dryRun) {
      results.push({ ...skippedStep(step, "dry run: not executed"), output: stepDescriptionText(step) });
      continue;
    }
    if (failure && !options.keepGoing) {
      results.push(skippedStep(step, `not run: ${failure.name} failed`));
      continue;
    }
    const result = await runStep(step, execution, log);
    results.push(result);
    if (result.status === "failed" && !result.continued && !failure) failure = result;
  }
  return { results, ok: failure === undefined, failure };
}
