/**
 * @module
 * workflow_job: a job `waiting` is the remediate job held by its environment's
 * reviewers (awaiting_approval); `in_progress` after that means it was approved.
 */
import type { EmitterWebhookEvent } from "@octokit/webhooks";
import { runbookOf } from "../../executions/deps.js";
import { recordJobState } from "../../executions/run.js";
import { findExecutionByRunId } from "../../store/executions.js";
import type { GitHubHandlerDeps } from "../handler-deps.js";

/**
 * A remediate job of an approval runbook shows what GitHub did with its environment: it waited
 * (reviewers) or started without waiting. Either way the cached protection of that environment
 * is dropped, so the next dispatch reads it again: reviewers removed since the last read must
 * not let a second run through on a stale "GitHub holds it".
 */
async function refreshProtection(
  deps: GitHubHandlerDeps,
  runId: number,
  name: string,
  status: string,
): Promise<void> {
  if (!deps.protection || name !== "remediate" || (status !== "waiting" && status !== "in_progress")) return;
  const execution = await findExecutionByRunId(deps.db, runId);
  const runbook = execution ? runbookOf(deps, execution) : undefined;
  if (runbook?.mode !== "approval" || !runbook.environment) return;
  if (status === "in_progress" && execution?.awaitingSince === null && execution.approvedBy === null) {
    deps.log.warn(
      { executionId: execution.id, environment: runbook.environment },
      "the remediate job of an approval runbook started without waiting for reviewers; the environment's protection is read again before the next dispatch",
    );
  }
  deps.protection.forget(runbook.environment);
}

export async function onWorkflowJob(
  deps: GitHubHandlerDeps,
  event: EmitterWebhookEvent<"workflow_job">,
): Promise<void> {
  const job = event.payload.workflow_job;
  const { events } = await recordJobState(
    { db: deps.db, runbooks: deps.runbooks, now: deps.now() },
    {
      runId: Number(job.run_id),
      jobId: Number(job.id),
      name: job.name,
      status: job.status,
      conclusion: job.conclusion,
    },
  );
  deps.bus.publish(events);
  await refreshProtection(deps, Number(job.run_id), job.name, job.status);
}
