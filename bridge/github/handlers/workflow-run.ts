/**
 * @module
 * workflow_run: requested → in_progress → completed. Moves the execution's state and,
 * for runs started by repository_dispatch, links the run through the `[ex_…]` marker.
 */
import type { EmitterWebhookEvent } from "@octokit/webhooks";
import { recordRunState } from "../../executions/run.js";
import type { GitHubHandlerDeps } from "../handler-deps.js";

export function onWorkflowRun(deps: GitHubHandlerDeps, event: EmitterWebhookEvent<"workflow_run">): void {
  const run = event.payload.workflow_run;
  const { events } = recordRunState(
    { db: deps.db, runbooks: deps.runbooks, now: deps.now() },
    {
      runId: Number(run.id),
      runUrl: run.html_url,
      status: run.status,
      conclusion: run.conclusion,
      displayTitle: "display_title" in run ? (run.display_title as string | undefined) : undefined,
    },
  );
  deps.bus.publish(events);
}
