/**
 * @module
 * workflow_run: requested → in_progress → completed. Moves the execution's state and,
 * for runs started by repository_dispatch, links the run through the `[ex_…]` marker.
 * A run of the remediate workflow someone started by hand (`[manual-<run id>]`) is first
 * recorded as a manual execution (executions/manual-run.ts), then tracked the same way.
 */
import type { EmitterWebhookEvent } from "@octokit/webhooks";
import { type ManualRun, recordManualRun } from "../../executions/manual-run.js";
import { recordRunState } from "../../executions/run.js";
import { manualRunInName } from "../../executions/run-marker.js";
import type { GitHubHandlerDeps } from "../handler-deps.js";

type WorkflowRun = EmitterWebhookEvent<"workflow_run">["payload"]["workflow_run"];

export async function onWorkflowRun(
  deps: GitHubHandlerDeps,
  event: EmitterWebhookEvent<"workflow_run">,
): Promise<void> {
  const run = event.payload.workflow_run;
  const displayTitle = "display_title" in run ? (run.display_title as string | undefined) : undefined;
  const manual = manualRunOf(deps, run, displayTitle);
  if (manual)
    deps.bus.publish(
      await recordManualRun({ db: deps.db, runbooks: deps.runbooks, now: deps.now() }, manual),
    );
  const { events } = await recordRunState(
    { db: deps.db, runbooks: deps.runbooks, now: deps.now() },
    {
      runId: Number(run.id),
      runUrl: run.html_url,
      status: run.status,
      conclusion: run.conclusion,
      displayTitle,
    },
  );
  deps.bus.publish(events);
}

/**
 * A manual run of a loaded runbook's own workflow, started by hand (workflow_dispatch, or a
 * repository_dispatch sent without an execution id); undefined for anything else.
 */
function manualRunOf(
  deps: GitHubHandlerDeps,
  run: WorkflowRun,
  displayTitle: string | undefined,
): ManualRun | undefined {
  const runId = Number(run.id);
  const named = manualRunInName(displayTitle, runId);
  if (!named || (run.event !== "workflow_dispatch" && run.event !== "repository_dispatch")) return undefined;
  const runbook = deps.runbooks()?.index.byName.get(named.runbook)?.runbook;
  if (!runbook) {
    deps.log.info(
      { runId, runbook: named.runbook },
      "workflow_run: a manual run of a runbook that is not loaded; not recorded",
    );
    return undefined;
  }
  // Only the runbook's own remediate workflow: another workflow named alike proves nothing.
  const ownWorkflow = /^\d+$/.test(runbook.workflow)
    ? Number(run.workflow_id) === Number(runbook.workflow)
    : run.path.endsWith(`/${runbook.workflow}`);
  if (!ownWorkflow) return undefined;
  const actor = run.triggering_actor?.login ?? run.actor?.login ?? null;
  const createdAt = Date.parse(run.created_at);
  return {
    runId,
    runUrl: run.html_url,
    runbook: runbook.name,
    target: named.target,
    mode: runbook.mode,
    actor,
    headSha: run.head_sha ?? null,
    createdAt: Number.isNaN(createdAt) ? deps.now() : createdAt,
  };
}
