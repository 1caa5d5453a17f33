/**
 * @module
 * deployment_protection_rule: GitHub asks the bridge (a custom deployment protection
 * rule on the remediation environments) whether a remediate job may proceed. The
 * answer goes back through the event's callback with a comment that says why.
 */
import type { EmitterWebhookEvent } from "@octokit/webhooks";
import { findExecutionForRun } from "../../executions/run.js";
import { type Execution, findExecutionByRunId } from "../../store/executions.js";
import { answerGate } from "../answer-gate.js";
import type { GitHubHandlerDeps } from "../handler-deps.js";

const CALLBACK_RUN = /\/actions\/runs\/(\d+)\/deployment_protection_rule/;

/**
 * The execution a gated run belongs to: by run id, else (a repository_dispatch run whose
 * workflow_run delivery was missed, so not yet linked) by the marker that ends its name.
 * When GitHub cannot tell us the name, the run's execution is unknown — not absent.
 */
async function findExecution(
  deps: GitHubHandlerDeps,
  runId: number,
): Promise<{ execution?: Execution; unknownBecause?: string }> {
  const linked = await findExecutionByRunId(deps.db, runId);
  if (linked || !deps.api) return { execution: linked };
  try {
    const run = await deps.api.getRun(runId);
    return { execution: await findExecutionForRun(deps.db, runId, run.displayTitle) };
  } catch (error) {
    deps.log.warn(
      { err: error, runId },
      "cannot look up the gated run's name; the gate rejects rather than guess",
    );
    return { unknownBecause: `GitHub did not tell which run ${runId} is (${(error as Error).message})` };
  }
}

export async function onDeploymentProtectionRule(
  deps: GitHubHandlerDeps,
  event: EmitterWebhookEvent<"deployment_protection_rule">,
): Promise<void> {
  const payload = event.payload;
  const environment = payload.environment ?? "";
  // The environment has a protection rule now: whatever the bridge cached about it may be stale.
  if (environment) deps.protection?.forget(environment);
  const runId = Number(CALLBACK_RUN.exec(payload.deployment_callback_url ?? "")?.[1]);
  if (!Number.isFinite(runId) || runId <= 0) {
    deps.log.warn(
      { url: payload.deployment_callback_url },
      "deployment_protection_rule without a run id in its callback URL; ignored",
    );
    return;
  }
  const found = await findExecution(deps, runId);
  const answer = await answerGate(deps, runId, environment, found.execution, found.unknownBecause);
  if (!answer.delivered) {
    throw new Error(`could not answer the deployment protection rule for run ${runId}: ${answer.failure}`);
  }
}
