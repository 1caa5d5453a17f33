/**
 * @module
 * Applies what GitHub says about a run to its execution, in one transaction: the new
 * state (never backwards), its audit event, and the circuit breaker's bookkeeping (all
 * in enter-state.ts). Also links a run to its execution when the dispatch's answer was
 * lost, and marks an execution GitHub confirmed unchanged as heard of.
 */
import type { AuditEvent } from "../store/audit.js";
import { appendAudit, executionEvent } from "../store/audit.js";
import type { Db } from "../store/database.js";
import { updateExecution } from "../store/execution-writes.js";
import { type Execution, findExecution, findExecutionByRunId } from "../store/executions.js";
import { findRunJob, jobStatuses, jobsOfExecution, writeRunJob } from "../store/run-jobs.js";
import { inTransaction } from "../store/transaction.js";
import type { ExecutionDeps } from "./deps.js";
import { enterState } from "./enter-state.js";
import { settleIfCleared, watchFrom } from "./outcome.js";
import { executionIdInRunName } from "./run-marker.js";
import {
  laterJobStatus,
  stateFromCompletedRun,
  stateFromJobs,
  stateFromRunStatus,
} from "./run-observation.js";
import { advance, type ExecutionState } from "./states.js";

export interface RunObservation {
  runId: number;
  runUrl?: string;
  status: string | null | undefined;
  conclusion?: string | null;
  displayTitle?: string | null;
}

export interface JobObservation {
  runId: number;
  jobId: number;
  name: string;
  status: string;
  conclusion?: string | null;
}

export type RunTrackingDeps = ExecutionDeps & { now: number };

export interface Tracked {
  execution?: Execution;
  events: AuditEvent[];
}

/**
 * The execution a run belongs to: by run id first, else by the `[ex_…]` marker that ends
 * its name — and only when that execution has no other run linked already.
 */
export async function findExecutionForRun(
  db: Db,
  runId: number,
  displayTitle?: string | null,
): Promise<Execution | undefined> {
  const byRun = await findExecutionByRunId(db, runId);
  if (byRun) return byRun;
  const marker = executionIdInRunName(displayTitle);
  const named = marker ? await findExecution(db, marker) : undefined;
  return named && (named.runId === null || named.runId === runId) ? named : undefined;
}

async function observe(
  deps: RunTrackingDeps,
  tx: Db,
  execution: Execution,
  observed: ExecutionState,
  detail: string,
  run: { runId: number; runUrl?: string },
): Promise<AuditEvent[]> {
  const next = advance(execution.state, observed);
  const linkRun =
    execution.runId === null ? { runId: run.runId, runUrl: run.runUrl ?? execution.runUrl } : {};
  if (!next) {
    if (execution.runId === null)
      await updateExecution(tx, execution.id, { ...linkRun, updatedAt: deps.now });
    return [];
  }
  // A run that succeeded starts the watch on its alert: the deadline by which it must clear.
  const watch = next === "succeeded" ? watchFrom(deps, execution, deps.now) : {};
  const events = await enterState(tx, deps, execution, next, {
    detail,
    now: deps.now,
    changes: { ...linkRun, ...watch },
    data: { runId: run.runId },
  });
  if (next !== "succeeded") return events;
  const succeeded = await findExecution(tx, execution.id);
  return succeeded ? [...events, ...(await settleIfCleared(tx, deps, succeeded, deps.now))] : events;
}

/** A workflow_run event, or the reconciler's look-up of the run. */
export async function recordRunState(deps: RunTrackingDeps, run: RunObservation): Promise<Tracked> {
  return await inTransaction(deps.db, async (tx) => {
    const execution = await findExecutionForRun(tx, run.runId, run.displayTitle);
    if (!execution) return { events: [] };
    let observed: ExecutionState;
    let detail: string;
    if (run.status === "completed") {
      observed = stateFromCompletedRun(run.conclusion, await jobsOfExecution(tx, execution.id));
      detail = `run ${run.runId} completed with conclusion ${run.conclusion ?? "unknown"}${
        observed === "rolled_back" ? "; its rollback job succeeded: the target was rolled back" : ""
      }`;
    } else {
      const fromJobs = stateFromJobs(await jobStatuses(tx, execution.id));
      const fromRun = stateFromRunStatus(run.status);
      // awaiting_approval and running share a rank, so a stale run status (a redelivered
      // `waiting` after the job was approved) flipped a running execution back to
      // awaiting_approval — where a resolved alert would then cancel a running remediation.
      // Job statuses only move forward, so once jobs are known they decide between the two.
      observed =
        fromJobs === "awaiting_approval" || (fromJobs === "running" && fromRun === "awaiting_approval")
          ? fromJobs
          : fromRun;
      detail = `run ${run.runId} is ${run.status}`;
    }
    return { execution, events: await observe(deps, tx, execution, observed, detail, run) };
  });
}

/** A workflow_job event. */
export async function recordJobState(deps: RunTrackingDeps, job: JobObservation): Promise<Tracked> {
  return await recordJobStates(deps, job.runId, [job]);
}

/**
 * Several jobs of one run at once (the reconciler's look-up). Observing them one by one
 * wrote states that never held — a completed health-check job made the execution `running`
 * for a moment before the waiting remediate job made it `awaiting_approval`.
 */
export async function recordJobStates(
  deps: RunTrackingDeps,
  runId: number,
  jobs: readonly JobObservation[],
): Promise<Tracked> {
  return await inTransaction(deps.db, async (tx) => {
    const execution = await findExecutionByRunId(tx, runId);
    if (!execution || jobs.length === 0) return { events: [] };
    const seen: { name: string; status: string; conclusion?: string | null }[] = [];
    for (const job of jobs) {
      const status = laterJobStatus((await findRunJob(tx, job.jobId))?.status, job.status);
      await writeRunJob(tx, {
        jobId: job.jobId,
        executionId: execution.id,
        runId: job.runId,
        name: job.name,
        status,
        conclusion: job.conclusion ?? null,
        updatedAt: deps.now,
      });
      seen.push({ name: job.name, status, conclusion: job.conclusion });
    }
    const late = await rolledBackLate(deps, tx, execution);
    if (late.length > 0) return { execution, events: late };
    const observed = stateFromJobs(await jobStatuses(tx, execution.id));
    if (!observed) return { execution, events: [] };
    // The job that explains the state: the one waiting, else one that started, else any.
    const job =
      seen.find((candidate) => candidate.status === "waiting" && observed === "awaiting_approval") ??
      seen.find((candidate) => candidate.status === "in_progress" || candidate.status === "completed") ??
      (seen[0] as (typeof seen)[number]);
    const detail =
      job.status === "waiting"
        ? `job "${job.name}" is waiting for approval`
        : `job "${job.name}" is ${job.status}${job.conclusion ? ` (${job.conclusion})` : ""}`;
    return { execution, events: await observe(deps, tx, execution, observed, detail, { runId }) };
  });
}

/**
 * The run's `completed` (failure) arrived before its rollback job's: the execution was recorded
 * `failed`, and is `rolled_back` now that the rollback job is known to have succeeded. Both count
 * as one failure for the breaker (already counted), so only the row and an audit event change.
 */
async function rolledBackLate(deps: RunTrackingDeps, tx: Db, execution: Execution): Promise<AuditEvent[]> {
  if (execution.state !== "failed") return [];
  if (stateFromCompletedRun("failure", await jobsOfExecution(tx, execution.id)) !== "rolled_back") return [];
  const detail = "its rollback job succeeded after the run was reported failed: the target was rolled back";
  await updateExecution(tx, execution.id, {
    state: "rolled_back",
    reason: `rolled_back: ${detail}`,
    updatedAt: deps.now,
  });
  return [
    await appendAudit(
      tx,
      executionEvent(execution, deps.now, "execution.state", `failed → rolled_back: ${detail}`, {
        from: "failed",
        to: "rolled_back",
      }),
    ),
  ];
}

/**
 * The reconciler found the run of an execution whose dispatch answer was lost: linked
 * before its jobs are observed, since jobs are found by run id only.
 */
export async function linkRun(
  deps: ExecutionDeps,
  execution: Execution,
  run: { runId: number; runUrl?: string },
  now: number,
): Promise<AuditEvent[]> {
  return await inTransaction(deps.db, async (tx) => {
    await updateExecution(tx, execution.id, { runId: run.runId, runUrl: run.runUrl ?? execution.runUrl });
    return [
      await appendAudit(
        tx,
        executionEvent(
          execution,
          now,
          "run.linked",
          `found run ${run.runId} on GitHub by its [${execution.id}] marker`,
          {
            runId: run.runId,
          },
        ),
      ),
    ];
  });
}

/** GitHub confirmed the run is where we thought: heard of now, so the next look-up takes others first. */
export async function markHeardOf(
  deps: ExecutionDeps,
  execution: Pick<Execution, "id">,
  now: number,
): Promise<void> {
  await updateExecution(deps.db, execution.id, { updatedAt: now });
}
