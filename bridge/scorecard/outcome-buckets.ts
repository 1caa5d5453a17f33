/**
 * @module
 * Which scorecard bucket each execution state counts in: the one map the runbook
 * scorecard (GET /api/runbooks, the console, `runbridge report`) takes its outcomes from.
 * Every group below is derived from this map.
 */
import type { ExecutionState } from "../executions/states.js";

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
export const BUCKET_OF_STATE: Readonly<Record<ExecutionState, OutcomeBucket>> = {
  /** The alert cleared after a successful run. */
  verified: "verified",
  /** The run succeeded and the alert still fired at the verification deadline. */
  not_cleared: "not_cleared",
  /** The run ended in its rollback phase. */
  rolled_back: "rolled_back",
  /** The run's steps exited 0; the bridge is watching whether the alert clears. */
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
  /** mode: notify: its notifications are queued, sent (notified) or could not be (notify_failed). */
  notifying: "notified",
  notified: "notified",
  notify_failed: "notified",
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
 * States whose executions have a time to resolution: the alert's resolved notification
 * arrived after the dispatch. (A run verified through Alertmanager's API, its notification
 * lost, knows only an upper bound and has none.)
 */
export const RESOLUTION_STATES = statesIn("verified");
