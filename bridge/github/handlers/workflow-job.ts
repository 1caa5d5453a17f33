/**
 * @module
 * workflow_job: a job `waiting` is the remediate job held by its environment's
 * reviewers (awaiting_approval); `in_progress` after that means it was approved.
 */
import type { EmitterWebhookEvent } from "@octokit/webhooks";
import { recordJobState } from "../../executions/run.js";
import type { GitHubHandlerDeps } from "../handler-deps.js";

export function onWorkflowJob(deps: GitHubHandlerDeps, event: EmitterWebhookEvent<"workflow_job">): void {
  const job = event.payload.workflow_job;
  const { events } = recordJobState(
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
}
