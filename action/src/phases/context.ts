/**
 * @module
 * What every phase receives, and what it gives back to main.
 */
import type { Execution } from "../execution.js";
import type { ActionInputs } from "../inputs.js";
import type { StepLog } from "../steps/log.js";
import type { PhaseReport } from "../summary.js";

export interface PhaseContext {
  inputs: ActionInputs;
  execution: Execution;
  log: StepLog;
  /** Writes the phase's job summary. */
  report(report: PhaseReport): Promise<void>;
  /** The commit the run checked out (plan passes it on so every job uses the same one). */
  sha: string;
}

export interface PhaseResult {
  status: "success" | "failure";
  /** One sentence; the `summary` output, and the failure message when status is failure. */
  verdict: string;
  outputs: Record<string, string>;
  /** A notice annotation on the job, which GitHub's check-runs API serves to the bridge. */
  notice?: { title: string; message: string };
}

/** The parts of a PhaseReport every phase fills the same way. */
export function reportHeader(context: PhaseContext, phase: string) {
  const { execution } = context;
  return {
    phase,
    runbook: execution.runbook.name,
    target: execution.target,
    executionId: execution.executionId,
  };
}
