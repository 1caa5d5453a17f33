/**
 * @module
 * A critical execution that ran reached its final state (enter-state.ts calls this): its
 * post-incident review issue is queued on the notification outbox, with the timeline of its
 * audit trail. The bridge opens it, not the Action: only the bridge knows the outcome (verified
 * or not_cleared come after the run) and holds the trail. Once per execution: the rows' dedup
 * key is the execution's review.
 */
import { planReviewIssues, postIncidentReviewNotice } from "../notify/review-notice.js";
import { renderTimeline } from "../notify/timeline.js";
import { type AuditEvent, queryAudit } from "../store/audit.js";
import type { Db } from "../store/database.js";
import { type Execution, findExecution } from "../store/executions.js";
import { jobsOfExecution } from "../store/run-jobs.js";
import { type ExecutionDeps, runbookOf } from "./deps.js";
import { queueNotifications } from "./queue-notifications.js";
import { type ExecutionState, traitsOf } from "./states.js";

/**
 * Whether reaching `state` ends an execution that ran: a run's outcome, a cancelled dispatch, or
 * a manual run's success (it answers no alert, so it stays `succeeded`: nothing watches it).
 */
export function endsRun(
  state: ExecutionState,
  execution: Pick<Execution, "dispatchedAt" | "source">,
): boolean {
  if (state === "succeeded") return execution.source === "manual";
  const traits = traitsOf(state);
  if (!traits.final) return false;
  return Boolean(traits.runOutcome) || (state === "cancelled" && execution.dispatchedAt !== null);
}

/** Queues the review issue of `execution`, which has just reached its final state. */
export async function queueReviewIssue(
  tx: Db,
  deps: ExecutionDeps,
  execution: Execution,
  now: number,
): Promise<AuditEvent[]> {
  const current = (await findExecution(tx, execution.id)) ?? execution;
  const runbook = runbookOf(deps, current);
  if (!runbook) return [];
  const trail = await queryAudit(tx, { executionId: current.id, n: 1_000 });
  const timeline = renderTimeline(trail, {
    executionId: current.id,
    alertStartsAt: current.startsAt,
    jobs: await jobsOfExecution(tx, current.id),
  });
  const message = postIncidentReviewNotice(current, runbook.name, timeline);
  return await queueNotifications(tx, planReviewIssues(runbook.notify, current, runbook.name, message), now);
}
