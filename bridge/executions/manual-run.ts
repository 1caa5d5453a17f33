/**
 * @module
 * A run of the remediate workflow the bridge did not start (someone ran `gh workflow run
 * remediate.yml`) is recorded as an execution with source `manual` and the actor, the first
 * time GitHub tells of it. The row gets a bridge id like every execution (ids sort by time,
 * which lists and paging rely on); the run's own `manual-<run id>` is its occurrence. From then on it is an execution like any other: it blocks its
 * runbook + target while active, starts the cooldown and counts for rate limits (committed
 * when the run was created), and its failure feeds the breaker (run.ts moves its state).
 */
import { type AuditEvent, appendAudit, executionEvent } from "../store/audit.js";
import { insertExecution } from "../store/execution-writes.js";
import {
  findExecution,
  findExecutionByOccurrence,
  findExecutionByRunId,
  type NewExecution,
} from "../store/executions.js";
import { newExecutionId } from "../store/ids.js";
import { inTransaction } from "../store/transaction.js";
import type { RunTrackingDeps } from "./run.js";
import { manualExecutionId } from "./run-marker.js";

export interface ManualRun {
  runId: number;
  runUrl: string;
  runbook: string;
  /** As the run's name gives it; null when the run was started without one. */
  target: string | null;
  mode: string;
  /** Who started it (GitHub's triggering actor). */
  actor: string | null;
  headSha: string | null;
  /** When GitHub created the run (ms): the moment the cooldown counts from. */
  createdAt: number;
}

/**
 * Records a manual run once; a run already recorded (or linked to a bridge execution) is left alone.
 * @returns the audit events written (empty when nothing was new)
 */
export async function recordManualRun(deps: RunTrackingDeps, run: ManualRun): Promise<AuditEvent[]> {
  return await inTransaction(deps.db, async (tx) => {
    const occurrenceKey = `manual:${run.runId}`;
    if ((await findExecutionByRunId(tx, run.runId)) || (await findExecutionByOccurrence(tx, occurrenceKey)))
      return [];
    const id = newExecutionId(deps.now);
    const createdAt = Math.min(run.createdAt, deps.now);
    const who = run.actor ? `@${run.actor}` : "someone";
    const row: NewExecution = {
      id,
      occurrenceKey,
      fingerprint: "",
      startsAt: new Date(createdAt).toISOString(),
      alertname: "(manual run)",
      severity: "none",
      runbook: run.runbook,
      runbookSha: run.headSha,
      target: run.target,
      mode: run.mode,
      state: "dispatched",
      reason: `manual run [${manualExecutionId(run.runId)}] by ${who} (gh workflow run), not started by the bridge`,
      alert: {},
      runId: run.runId,
      runUrl: run.runUrl,
      createdAt: deps.now,
      updatedAt: deps.now,
      committedAt: createdAt,
      dispatchedAt: createdAt,
      source: "manual",
      actor: run.actor,
    };
    await insertExecution(tx, row);
    const execution = await findExecution(tx, id);
    if (!execution) throw new Error(`manual execution ${id} was not stored`);
    return [
      await appendAudit(
        tx,
        executionEvent(
          execution,
          deps.now,
          "execution.manual",
          `run ${run.runId} [${manualExecutionId(run.runId)}] of runbook ${run.runbook}${run.target ? ` on ${run.target}` : ""} started by ${who}, not by the bridge: recorded as ${id}`,
          { runId: run.runId, actor: run.actor, runExecutionId: manualExecutionId(run.runId) },
        ),
      ),
    ];
  });
}
