/**
 * @module
 * Judges a remediate job's request to deploy against the world as it is now, answers
 * GitHub's deployment-protection-rule callback, and records both. When the answer cannot
 * be delivered, the execution keeps it as pending and the reconciler tries again (judging
 * afresh then): an unanswered rule would hold the job for up to 30 days.
 */

import { recordGateAnswer } from "../executions/approval.js";
import { openBreakers, runbookBreakerAt } from "../executions/breaker-changes.js";
import { alertResolvedAt } from "../store/alerts.js";
import type { Execution } from "../store/executions.js";
import { isEnabled } from "../store/settings.js";
import { judgeGate } from "./approval-gate.js";
import type { GitHubHandlerDeps } from "./handler-deps.js";

export type GateDeps = Pick<GitHubHandlerDeps, "db" | "runbooks" | "bus" | "api" | "now">;

async function resolvedAt(deps: Pick<GateDeps, "db">, execution: Execution): Promise<number | undefined> {
  return (
    execution.alertResolvedAt ?? (await alertResolvedAt(deps.db, execution.fingerprint, execution.startsAt))
  );
}

export interface GateAnswer {
  state: "approved" | "rejected";
  delivered: boolean;
  failure?: string;
}

/**
 * The gate's verdict for an execution now: the facts read from the store, judged by
 * `judgeGate`. Also what an approval the bridge holds is checked against when answered.
 */
export async function judgeNow(
  deps: Pick<GateDeps, "db" | "runbooks" | "now">,
  execution: Execution | undefined,
  unknownBecause?: string,
) {
  const now = deps.now();
  const runbook = execution?.runbook
    ? deps.runbooks()?.index.byName.get(execution.runbook)?.runbook
    : undefined;
  const scopeKey = runbook
    ? runbookBreakerAt(runbook.guards?.breaker, runbook.name, execution?.target ?? undefined)?.key
    : undefined;
  const holding = (await openBreakers(deps.db, now))
    .filter((row) => row.key === "global" || row.key === scopeKey)
    .map((row) => ({ key: row.key, reason: row.reason }));
  const resolved = execution ? await resolvedAt(deps, execution) : undefined;
  const verdict = judgeGate({
    executionId: execution?.id,
    unknownBecause,
    runbook,
    alertResolvedAt: resolved,
    enabled: await isEnabled(deps.db),
    openBreakers: holding,
    now,
  });
  return { ...verdict, alertResolved: resolved !== undefined };
}

/**
 * @param execution the run's execution; undefined for a run the bridge did not start (a manual one)
 * @param unknownBecause the run's execution could not be established: the gate fails closed
 */
export async function answerGate(
  deps: GateDeps,
  runId: number,
  environment: string,
  execution: Execution | undefined,
  unknownBecause?: string,
): Promise<GateAnswer> {
  const now = deps.now();
  const verdict = await judgeNow(deps, execution, unknownBecause);

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
  deps.bus.publish(
    await recordGateAnswer(
      deps,
      execution,
      { runId, environment, state: verdict.state, comment: verdict.comment, failure },
      now,
    ),
  );
  const delivered = failure === undefined;
  return { state: verdict.state, delivered, failure };
}
