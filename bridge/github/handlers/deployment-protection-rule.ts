/**
 * @module
 * deployment_protection_rule: GitHub asks the bridge (a custom deployment protection
 * rule on the remediation environments) whether a remediate job may proceed. The
 * answer goes back through the event's callback with a comment that says why.
 */
import type { EmitterWebhookEvent } from "@octokit/webhooks";
import { and, eq } from "drizzle-orm";
import { breakerKey } from "../../guards/circuit-breaker.js";
import { appendAudit } from "../../store/audit.js";
import { listOpenBreakers } from "../../store/breakers.js";
import { type Execution, updateExecution } from "../../store/executions.js";
import { alerts, executions } from "../../store/schema.js";
import { isEnabled } from "../../store/settings.js";
import { inTransaction } from "../../store/transaction.js";
import { judgeGate } from "../approval-gate.js";
import type { GitHubHandlerDeps } from "../handler-deps.js";
import { findExecutionForRun } from "../track-run.js";

const CALLBACK_RUN = /\/actions\/runs\/(\d+)\/deployment_protection_rule/;

function resolvedAt(deps: GitHubHandlerDeps, execution: Execution): number | undefined {
  if (execution.alertResolvedAt !== null) return execution.alertResolvedAt;
  const alert = deps.db
    .select({ resolvedAt: alerts.resolvedAt, status: alerts.status })
    .from(alerts)
    .where(and(eq(alerts.fingerprint, execution.fingerprint), eq(alerts.startsAt, execution.startsAt)))
    .get();
  return alert?.status === "resolved" ? (alert.resolvedAt ?? undefined) : undefined;
}

/**
 * The execution a gated run belongs to. By run id only, a repository_dispatch run whose
 * workflow_run delivery was missed (so not yet linked) was approved without any check; now
 * the run's name is looked up for its `[ex_…]` marker.
 */
async function findExecution(deps: GitHubHandlerDeps, runId: number): Promise<Execution | undefined> {
  const linked = deps.db.select().from(executions).where(eq(executions.runId, runId)).get();
  if (linked || !deps.api) return linked;
  try {
    const run = await deps.api.getRun(runId);
    return findExecutionForRun(deps.db, runId, run.displayTitle);
  } catch (error) {
    deps.log.warn(
      { err: error, runId },
      "cannot look up the gated run's name; judging without its execution",
    );
    return undefined;
  }
}

export async function onDeploymentProtectionRule(
  deps: GitHubHandlerDeps,
  event: EmitterWebhookEvent<"deployment_protection_rule">,
): Promise<void> {
  const payload = event.payload;
  const environment = payload.environment ?? "";
  const runId = Number(CALLBACK_RUN.exec(payload.deployment_callback_url ?? "")?.[1]);
  const now = deps.now();
  if (!Number.isFinite(runId) || runId <= 0) {
    deps.log.warn(
      { url: payload.deployment_callback_url },
      "deployment_protection_rule without a run id in its callback URL; ignored",
    );
    return;
  }
  const execution = await findExecution(deps, runId);
  const runbook = execution?.runbook
    ? deps.runbooks()?.index.byName.get(execution.runbook)?.runbook
    : undefined;
  const scopeKey = runbook?.guards?.breaker
    ? breakerKey(runbook.guards.breaker.scope ?? "runbook", runbook.name, execution?.target ?? undefined)
    : undefined;
  const openBreakers = listOpenBreakers(deps.db, now)
    .filter((row) => row.key === "global" || row.key === scopeKey)
    .map((row) => ({ key: row.key, reason: row.reason }));
  const verdict = judgeGate({
    executionId: execution?.id,
    runbook,
    alertResolvedAt: execution ? resolvedAt(deps, execution) : undefined,
    enabled: isEnabled(deps.db),
    openBreakers,
    now,
  });

  let delivered = true;
  let failure = "";
  if (deps.api) {
    try {
      await deps.api.reviewDeploymentGate(runId, environment, verdict.state, verdict.comment);
    } catch (error) {
      delivered = false;
      failure = (error as Error).message;
    }
  } else {
    delivered = false;
    failure = "no GitHub credentials configured; cannot answer the callback";
  }
  const message = `${verdict.state === "approved" ? "approved" : "rejected"} run ${runId} for environment ${environment}: ${verdict.comment}${delivered ? "" : ` (callback failed: ${failure})`}`;
  const event_ = inTransaction(deps.db, (tx) => {
    if (execution && verdict.state === "rejected") {
      updateExecution(tx, execution.id, {
        reason: `approval gate rejected: ${verdict.comment}`,
        updatedAt: now,
      });
    }
    return appendAudit(tx, {
      at: now,
      kind: `gate.${verdict.state}`,
      executionId: execution?.id ?? null,
      alertname: execution?.alertname ?? null,
      runbook: execution?.runbook ?? null,
      target: execution?.target ?? null,
      message,
      data: { runId, environment, delivered },
    });
  });
  deps.bus.publish([event_]);
  if (!delivered)
    throw new Error(`could not answer the deployment protection rule for run ${runId}: ${failure}`);
}
