/**
 * @module
 * Judges a remediate job's request to deploy against the world as it is now, answers
 * GitHub's deployment-protection-rule callback, and records both. When the answer cannot
 * be delivered, the execution keeps it as pending and the reconciler tries again (judging
 * afresh then): an unanswered rule would hold the job for up to 30 days.
 */
import { and, eq } from "drizzle-orm";
import { breakerKey } from "../guards/circuit-breaker.js";
import { appendAudit } from "../store/audit.js";
import { listOpenBreakers } from "../store/breakers.js";
import { type Execution, updateExecution } from "../store/executions.js";
import { alerts } from "../store/schema.js";
import { isEnabled } from "../store/settings.js";
import { inTransaction } from "../store/transaction.js";
import { judgeGate } from "./approval-gate.js";
import type { GitHubHandlerDeps } from "./handler-deps.js";

export type GateDeps = Pick<GitHubHandlerDeps, "db" | "runbooks" | "bus" | "api" | "now">;

function resolvedAt(deps: GateDeps, execution: Execution): number | undefined {
  if (execution.alertResolvedAt !== null) return execution.alertResolvedAt;
  const alert = deps.db
    .select({ resolvedAt: alerts.resolvedAt, status: alerts.status })
    .from(alerts)
    .where(and(eq(alerts.fingerprint, execution.fingerprint), eq(alerts.startsAt, execution.startsAt)))
    .get();
  return alert?.status === "resolved" ? (alert.resolvedAt ?? undefined) : undefined;
}

export interface GateAnswer {
  state: "approved" | "rejected";
  delivered: boolean;
  failure?: string;
}

export async function answerGate(
  deps: GateDeps,
  runId: number,
  environment: string,
  execution: Execution | undefined,
): Promise<GateAnswer> {
  const now = deps.now();
  const runbook = execution?.runbook
    ? deps.runbooks()?.index.byName.get(execution.runbook)?.runbook
    : undefined;
  const scopeKey = runbook?.guards?.breaker
    ? breakerKey(runbook.guards.breaker.scope, runbook.name, execution?.target ?? undefined)
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

  let failure: string | undefined;
  if (deps.api) {
    try {
      await deps.api.reviewDeploymentGate(runId, environment, verdict.state, verdict.comment);
    } catch (error) {
      failure = (error as Error).message;
    }
  } else {
    failure = "no GitHub credentials configured; cannot answer the callback";
  }
  const delivered = failure === undefined;
  const message = `${verdict.state} run ${runId} for environment ${environment}: ${verdict.comment}${delivered ? "" : ` (callback failed: ${failure}; will retry)`}`;
  const event = inTransaction(deps.db, (tx) => {
    if (execution) {
      updateExecution(tx, execution.id, {
        ...(verdict.state === "rejected" ? { reason: `approval gate rejected: ${verdict.comment}` } : {}),
        gatePendingEnvironment: delivered ? null : environment,
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
  deps.bus.publish([event]);
  return { state: verdict.state, delivered, failure };
}
