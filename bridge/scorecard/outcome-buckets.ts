/**
 * @module
 * Which scorecard bucket each execution state counts in: the one map the runbook
 * scorecard (GET /api/runbooks, the console, `runbridge report`) takes its outcomes from.
 * Keyed by state name, so states the bridge does not record yet (the verified outcome:
 * `verified`, `not_cleared`, `rolled_back`) already have their bucket and are counted the
 * moment rows carry them; every group below is derived from this map.
 */
import type { ExecutionState } from "../executions/states.js";

/**
 * The verified-outcome states another branch adds to executions/states.ts. Once they are
 * part of ExecutionState, delete this type: the map stays exhaustive over ExecutionState.
 */
type VerifiedOutcomeState = "verified" | "not_cleared" | "rolled_back";

export const OUTCOME_BUCKETS = [
  "verified",
  "not_cleared",
  "rolled_back",
  "succeeded",
  "failed",
  "cancelled",
  "in_progress",
  "suppressed",
  "dry_run",
  "notified",
] as const;

export type OutcomeBucket = (typeof OUTCOME_BUCKETS)[number];

/** State name → bucket. Exhaustive: a new state does not type-check until it has a bucket. */
export const BUCKET_OF_STATE: Readonly<Record<ExecutionState | VerifiedOutcomeState, OutcomeBucket>> = {
  /** The alert cleared after a successful run. */
  verified: "verified",
  /** The run succeeded and the alert still fired at the verification deadline. */
  not_cleared: "not_cleared",
  /** The run ended in its rollback phase. */
  rolled_back: "rolled_back",
  /** The run's steps exited 0; whether the alert cleared is not (yet) known. */
  succeeded: "succeeded",
  failed: "failed",
  dispatch_failed: "failed",
  cancelled: "cancelled",
  expired: "cancelled",
  pending: "in_progress",
  dispatched: "in_progress",
  queued: "in_progress",
  awaiting_approval: "in_progress",
  running: "in_progress",
  suppressed: "suppressed",
  dry_run: "dry_run",
  notified: "notified",
};

function statesIn(...buckets: OutcomeBucket[]): readonly string[] {
  return Object.freeze(
    Object.entries(BUCKET_OF_STATE)
      .filter(([, bucket]) => buckets.includes(bucket))
      .map(([state]) => state),
  );
}

/** The bucket of a state name read from the database; an unknown name counts as in progress. */
export function bucketOf(state: string): OutcomeBucket {
  return Object.hasOwn(BUCKET_OF_STATE, state)
    ? BUCKET_OF_STATE[state as keyof typeof BUCKET_OF_STATE]
    : "in_progress";
}

/** Buckets of executions whose outcome is judged: the verified rate's denominator. */
export const JUDGED_BUCKETS: readonly OutcomeBucket[] = ["verified", "not_cleared", "rolled_back", "failed"];

/** States shown as a runbook's last failure. */
export const FAILURE_STATES = statesIn("failed", "not_cleared", "rolled_back");

/**
 * States whose executions have a time to resolution: their alert resolved after the
 * dispatch. `succeeded` counts while no execution is verified; once the verified outcome
 * records its own times, only `verified` should.
 */
export const RESOLUTION_STATES = statesIn("verified", "succeeded");

/** States after which the same alert firing again is a relapse (see countRelapsesByRunbook). */
export const CLEARED_STATES = statesIn("verified", "succeeded");

/** How soon after a cleared execution's alert resolved its firing again is a relapse. */
export const RELAPSE_WITHIN_MS = 60 * 60_000;
