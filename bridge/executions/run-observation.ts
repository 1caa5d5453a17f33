/**
 * @module
 * How GitHub's view of a run (its status, conclusion and jobs) maps onto an execution's
 * state. Pure. Which moves are allowed is `advance` in states.ts.
 */
import type { ExecutionState } from "./states.js";

const JOB_ORDER = ["queued", "waiting", "pending", "in_progress", "completed"];

/** Job statuses only move forward (GitHub redelivers, and deliveries race). */
export function laterJobStatus(current: string | undefined, observed: string): string {
  if (current === undefined) return observed;
  return JOB_ORDER.indexOf(observed) > JOB_ORDER.indexOf(current) ? observed : current;
}

/** The execution state a set of job statuses implies while the run is not completed. */
export function stateFromJobs(statuses: readonly string[]): ExecutionState | undefined {
  if (statuses.length === 0) return undefined;
  if (statuses.includes("waiting")) return "awaiting_approval";
  if (statuses.some((status) => status === "in_progress" || status === "completed")) return "running";
  return "queued";
}

/** A completed run's conclusion as a final state. */
export function stateFromConclusion(conclusion: string | null | undefined): ExecutionState {
  switch (conclusion) {
    case "success":
    case "neutral":
    case "skipped":
      return "succeeded";
    case "cancelled":
      return "cancelled";
    default:
      // failure, timed_out, startup_failure, action_required, stale
      return "failed";
  }
}

/**
 * The job of .github/workflows/remediate.yml that runs the rollback phase. It runs only when
 * verify failed and the runbook has rollback steps (the plan phase's `has-rollback` output),
 * so a completed, successful `rollback` job means the target was rolled back.
 */
export const ROLLBACK_JOB = "rollback";

/**
 * A completed run's final state, knowing its jobs: a run that failed after its rollback job
 * succeeded was rolled back (`rolled_back`), which is not the same as a run that broke.
 */
export function stateFromCompletedRun(
  conclusion: string | null | undefined,
  jobs: readonly { name: string; status: string; conclusion: string | null }[],
): ExecutionState {
  const state = stateFromConclusion(conclusion);
  if (state !== "failed") return state;
  const rolledBack = jobs.some(
    (job) => job.name === ROLLBACK_JOB && job.status === "completed" && job.conclusion === "success",
  );
  return rolledBack ? "rolled_back" : state;
}

/** A not-yet-completed run's status as a state. */
export function stateFromRunStatus(status: string | null | undefined): ExecutionState {
  if (status === "in_progress") return "running";
  if (status === "waiting") return "awaiting_approval";
  return "queued";
}
