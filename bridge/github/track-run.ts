/**
 * @module
 * Applies what GitHub says about a run to its execution, in one transaction: the new
 * state (never backwards), an audit event, and the circuit breaker's bookkeeping
 * (failures count, a successful half-open probe closes it).
 */
import { eq } from "drizzle-orm";
import type { RunbookSet } from "../runbooks/runbook-set.js";
import { type AuditEvent, appendAudit, executionEvent } from "../store/audit.js";
import { recordBreakerFailure, recordBreakerSuccess } from "../store/breakers.js";
import type { Db } from "../store/database.js";
import { type Execution, updateExecution } from "../store/executions.js";
import { type ExecutionState, executions, runJobs } from "../store/schema.js";
import { inTransaction } from "../store/transaction.js";
import {
  advance,
  laterJobStatus,
  stateFromConclusion,
  stateFromJobs,
  stateFromRunStatus,
} from "./run-state.js";

export interface RunObservation {
  runId: number;
  runUrl?: string;
  status: string | null | undefined;
  conclusion?: string | null;
}

export interface JobObservation {
  runId: number;
  jobId: number;
  name: string;
  status: string;
  conclusion?: string | null;
}

export interface TrackDeps {
  db: Db;
  runbooks: () => RunbookSet | undefined;
  now: number;
}

const EXECUTION_MARKER = /\[(ex_[0-9a-z]{18})\]/;

/** The execution a run belongs to: by run id, else by the `[ex_…]` marker in its run name. */
export function findExecutionForRun(
  db: Db,
  runId: number,
  displayTitle?: string | null,
): Execution | undefined {
  const byRun = db.select().from(executions).where(eq(executions.runId, runId)).get();
  if (byRun) return byRun;
  const marker = displayTitle ? EXECUTION_MARKER.exec(displayTitle)?.[1] : undefined;
  if (!marker) return undefined;
  return db.select().from(executions).where(eq(executions.id, marker)).get();
}

function jobStatuses(db: Db, executionId: string): string[] {
  return db
    .select({ status: runJobs.status })
    .from(runJobs)
    .where(eq(runJobs.executionId, executionId))
    .all()
    .map((row) => row.status);
}

function transition(
  deps: TrackDeps,
  tx: Db,
  execution: Execution,
  observed: ExecutionState,
  detail: string,
  run: { runId: number; runUrl?: string },
): AuditEvent[] {
  const next = advance(execution.state, observed);
  const written: AuditEvent[] = [];
  const linkRun =
    execution.runId === null ? { runId: run.runId, runUrl: run.runUrl ?? execution.runUrl } : {};
  if (!next) {
    if (execution.runId === null) updateExecution(tx, execution.id, { ...linkRun, updatedAt: deps.now });
    return written;
  }
  const final = next === "succeeded" || next === "failed" || next === "cancelled";
  updateExecution(tx, execution.id, {
    ...linkRun,
    state: next,
    reason: `${next}: ${detail}`,
    updatedAt: deps.now,
    ...(final ? { finishedAt: deps.now } : {}),
    // Each wait for reviewers (remediate, later perhaps rollback) is timed and escalated on its own.
    ...(next === "awaiting_approval" ? { awaitingSince: deps.now, approvalEscalatedAt: null } : {}),
  });
  written.push(
    appendAudit(
      tx,
      executionEvent(execution, deps.now, "execution.state", `${execution.state} → ${next}: ${detail}`, {
        from: execution.state,
        to: next,
        runId: run.runId,
      }),
    ),
  );

  const runbook = execution.runbook
    ? deps.runbooks()?.index.byName.get(execution.runbook)?.runbook
    : undefined;
  const breakerInput = {
    runbook: execution.runbook ?? "",
    target: execution.target ?? undefined,
    executionId: execution.id,
    config: runbook?.guards?.breaker,
    now: deps.now,
  };
  const change =
    next === "failed"
      ? recordBreakerFailure(tx, { ...breakerInput, why: detail })
      : next === "succeeded"
        ? recordBreakerSuccess(tx, breakerInput)
        : undefined;
  if (change) {
    written.push(
      appendAudit(
        tx,
        executionEvent(
          execution,
          deps.now,
          change.state === "open" ? "breaker.opened" : "breaker.closed",
          `breaker ${change.key} ${change.state === "open" ? "opened" : "closed"}: ${change.reason}`,
        ),
      ),
    );
  }
  return written;
}

export function observeRun(
  deps: TrackDeps,
  run: RunObservation & { displayTitle?: string | null },
): { execution?: Execution; events: AuditEvent[] } {
  return inTransaction(deps.db, (tx) => {
    const execution = findExecutionForRun(tx, run.runId, run.displayTitle);
    if (!execution) return { events: [] };
    let observed: ExecutionState;
    let detail: string;
    if (run.status === "completed") {
      observed = stateFromConclusion(run.conclusion);
      detail = `run ${run.runId} completed with conclusion ${run.conclusion ?? "unknown"}`;
    } else {
      const fromJobs = stateFromJobs(jobStatuses(tx, execution.id));
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
    return { execution, events: transition(deps, tx, execution, observed, detail, run) };
  });
}

export function observeJob(
  deps: TrackDeps,
  job: JobObservation,
): { execution?: Execution; events: AuditEvent[] } {
  return observeJobs(deps, job.runId, [job]);
}

/**
 * Several jobs of one run at once (the reconciler's look-up). Observing them one by one
 * wrote states that never held — a completed health-check job made the execution `running`
 * for a moment before the waiting remediate job made it `awaiting_approval`.
 */
export function observeJobs(
  deps: TrackDeps,
  runId: number,
  jobs: readonly JobObservation[],
): { execution?: Execution; events: AuditEvent[] } {
  return inTransaction(deps.db, (tx) => {
    const execution = tx.select().from(executions).where(eq(executions.runId, runId)).get();
    if (!execution || jobs.length === 0) return { events: [] };
    const seen: { name: string; status: string; conclusion?: string | null }[] = [];
    for (const job of jobs) {
      const existing = tx.select().from(runJobs).where(eq(runJobs.jobId, job.jobId)).get();
      const status = laterJobStatus(existing?.status, job.status);
      const row = {
        jobId: job.jobId,
        executionId: execution.id,
        runId: job.runId,
        name: job.name,
        status,
        conclusion: job.conclusion ?? null,
        updatedAt: deps.now,
      };
      tx.insert(runJobs).values(row).onConflictDoUpdate({ target: runJobs.jobId, set: row }).run();
      seen.push({ name: job.name, status, conclusion: job.conclusion });
    }
    const observed = stateFromJobs(jobStatuses(tx, execution.id));
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
    return { execution, events: transition(deps, tx, execution, observed, detail, { runId }) };
  });
}
