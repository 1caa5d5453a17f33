/**
 * @module
 * How GitHub's view of a run maps onto an execution's state, and the rule that keeps
 * redelivered or out-of-order webhooks from moving a state backwards. Pure.
 *
 *   pending → dispatched → queued → awaiting_approval ⇄ running → succeeded | failed | cancelled
 *
 * awaiting_approval and running share a rank: a run is running while its remediate job
 * waits for reviewers, and runs on once approved. Which of the two holds is derived from
 * the jobs, each of which only ever moves forward.
 */
import type { ExecutionState } from "../store/schema.js";

export const FINAL_STATES: readonly ExecutionState[] = [
  "succeeded",
  "failed",
  "cancelled",
  "dispatch_failed",
  "suppressed",
  "dry_run",
  "notified",
];

const RANK: Partial<Record<ExecutionState, number>> = {
  pending: 0,
  dispatched: 1,
  queued: 2,
  awaiting_approval: 3,
  running: 3,
  succeeded: 5,
  failed: 5,
  cancelled: 5,
};

export function isFinal(state: ExecutionState): boolean {
  return FINAL_STATES.includes(state);
}

/** The state to move to, or undefined when the observation is old news. */
export function advance(current: ExecutionState, observed: ExecutionState): ExecutionState | undefined {
  if (isFinal(current) || observed === current) return undefined;
  const from = RANK[current];
  const to = RANK[observed];
  if (from === undefined || to === undefined || to < from) return undefined;
  return observed;
}

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

/** A not-yet-completed run's status as a state. */
export function stateFromRunStatus(status: string | null | undefined): ExecutionState {
  if (status === "in_progress") return "running";
  if (status === "waiting") return "awaiting_approval";
  return "queued";
}
