/**
 * @module
 * Reading execution rows, by intent. Writing them is executions/'s alone (through
 * execution-writes.ts), one function per transition.
 */
import {
  and,
  asc,
  count,
  desc,
  eq,
  gte,
  inArray,
  isNotNull,
  isNull,
  lt,
  lte,
  ne,
  type SQL,
  sql,
} from "drizzle-orm";
import {
  CANCELLABLE_ON_GITHUB_STATES,
  type ExecutionState,
  ON_GITHUB_STATES,
  WATCHING_STATES,
} from "../executions/states.js";
import type { Db } from "./database.js";
import { hot } from "./hot-path.js";
import { executionIdFloor } from "./ids.js";
import { executions } from "./schema.js";
import { fromDriverRow } from "./table-rows.js";

export type Execution = typeof executions.$inferSelect;
export type NewExecution = typeof executions.$inferInsert;

export async function findExecutionByOccurrence(
  db: Db,
  occurrenceKey: string,
): Promise<Execution | undefined> {
  const raw = await hot(db).executionByOccurrence.get(occurrenceKey);
  return raw ? fromDriverRow<Execution>(executions, raw) : undefined;
}

/** The execution a workflow run was linked to. */
export async function findExecutionByRunId(db: Db, runId: number): Promise<Execution | undefined> {
  return await db.select().from(executions).where(eq(executions.runId, runId)).get();
}

export async function findExecution(db: Db, id: string): Promise<Execution | undefined> {
  return await db.select().from(executions).where(eq(executions.id, id)).get();
}

/** Executions for one alert occurrence (usually one; more only for group runbooks). */
export async function executionsForAlert(
  db: Db,
  fingerprint: string,
  startsAt: string,
): Promise<Execution[]> {
  return await db
    .select()
    .from(executions)
    .where(and(eq(executions.fingerprint, fingerprint), eq(executions.startsAt, startsAt)))
    .all();
}

/** Group executions (of one runbook, when given) of an Alertmanager group whose episode is open. */
function openGroupEpisodes(groupKey: string, runbook?: string): SQL | undefined {
  return and(
    eq(executions.groupKey, groupKey),
    ne(executions.groupKey, ""),
    runbook === undefined ? undefined : eq(executions.runbook, runbook),
    sql`substr(${executions.occurrenceKey}, 1, 6) = 'group:'`,
    isNull(executions.alertResolvedAt),
  );
}

/**
 * The execution of a group runbook's current episode: the latest for this runbook and
 * Alertmanager group whose group has not fully resolved since.
 */
export async function findOpenGroupExecution(
  db: Db,
  runbook: string,
  groupKey: string,
): Promise<Execution | undefined> {
  return await db
    .select()
    .from(executions)
    .where(openGroupEpisodes(groupKey, runbook))
    .orderBy(desc(executions.createdAt))
    .limit(1)
    .get();
}

/** Group executions of an Alertmanager group still open (the whole group just resolved). */
export async function openGroupExecutions(db: Db, groupKey: string): Promise<Execution[]> {
  return await db.select().from(executions).where(openGroupEpisodes(groupKey)).all();
}

export interface ExecutionQuery {
  state?: ExecutionState[];
  runbook?: string;
  alertname?: string;
  target?: string;
  since?: number;
  /** Cursor: only executions created before this id (ids sort by time). */
  before?: string;
  limit?: number;
}

/** Newest first, paged by the `before` cursor. */
export async function listExecutions(db: Db, query: ExecutionQuery): Promise<Execution[]> {
  const filters: SQL[] = [];
  if (query.state?.length) filters.push(inArray(executions.state, query.state));
  if (query.runbook) filters.push(eq(executions.runbook, query.runbook));
  if (query.alertname) filters.push(eq(executions.alertname, query.alertname));
  if (query.target) filters.push(eq(executions.target, query.target));
  // Ids start with their creation time, so `since` is a primary-key range.
  if (query.since !== undefined) filters.push(gte(executions.id, executionIdFloor(query.since)));
  if (query.before) filters.push(lt(executions.id, query.before));
  return await db
    .select()
    .from(executions)
    .where(filters.length ? and(...filters) : undefined)
    .orderBy(desc(executions.id))
    .limit(Math.min(Math.max(query.limit ?? 50, 1), 500))
    .all();
}

export async function countExecutionsByState(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .select({ state: executions.state, n: count() })
    .from(executions)
    .groupBy(executions.state)
    .all();
  return Object.fromEntries(rows.map((row) => [row.state, row.n]));
}

/** Executions whose alert resolved and whose run on GitHub is still to be cancelled. */
export async function executionsToCancel(db: Db, limit: number): Promise<Execution[]> {
  return await db
    .select()
    .from(executions)
    .where(
      and(
        isNotNull(executions.cancelRequestedAt),
        inArray(executions.state, [...CANCELLABLE_ON_GITHUB_STATES]),
      ),
    )
    .orderBy(asc(executions.cancelRequestedAt))
    .limit(limit)
    .all();
}

/**
 * Executions on GitHub not heard of since `before`, longest-quiet first: each look-up
 * marks one as heard of, so with more than `limit` in flight every one still gets its turn.
 */
export async function quietExecutions(db: Db, before: number, limit: number): Promise<Execution[]> {
  return await db
    .select()
    .from(executions)
    .where(
      and(
        inArray(executions.state, [...ON_GITHUB_STATES]),
        lt(executions.updatedAt, before),
        // Held in the bridge: nothing was dispatched, so there is nothing on GitHub to look up.
        isNull(executions.approvalHeldAt),
      ),
    )
    .orderBy(asc(executions.updatedAt))
    .limit(limit)
    .all();
}

/** Executions waiting for reviewers and not yet escalated, longest-waiting first. */
export async function approvalsNotEscalated(db: Db, limit: number): Promise<Execution[]> {
  return await db
    .select()
    .from(executions)
    .where(
      and(
        eq(executions.state, "awaiting_approval"),
        isNull(executions.approvalEscalatedAt),
        // A resolved alert is never escalated: the gate would reject its approval anyway.
        isNull(executions.alertResolvedAt),
      ),
    )
    .orderBy(asc(executions.awaitingSince))
    .limit(limit)
    .all();
}

/** Executions whose approval-gate answer GitHub never received. */
export async function gateAnswersUndelivered(db: Db, limit: number): Promise<Execution[]> {
  return await db
    .select()
    .from(executions)
    .where(
      and(
        isNotNull(executions.gatePendingEnvironment),
        isNotNull(executions.runId),
        inArray(executions.state, [...ON_GITHUB_STATES]),
      ),
    )
    .orderBy(asc(executions.updatedAt))
    .limit(limit)
    .all();
}

/** The execution the bridge holds for approval in this GitHub issue, if one still waits there. */
export async function heldApprovalByIssue(db: Db, issueNumber: number): Promise<Execution | undefined> {
  return await db
    .select()
    .from(executions)
    .where(
      and(
        eq(executions.approvalIssue, issueNumber),
        eq(executions.state, "awaiting_approval"),
        isNotNull(executions.approvalHeldAt),
      ),
    )
    .orderBy(desc(executions.approvalHeldAt))
    .get();
}

/** Approvals the bridge holds, oldest first (expiry, and issues still to open). */
export async function heldApprovals(db: Db, limit: number): Promise<Execution[]> {
  return await db
    .select()
    .from(executions)
    .where(and(eq(executions.state, "awaiting_approval"), isNotNull(executions.approvalHeldAt)))
    .orderBy(asc(executions.approvalHeldAt))
    .limit(limit)
    .all();
}

/** The issue last opened for approvals of this runbook and target, to comment on rather than open another. */
export async function lastApprovalIssue(
  db: Db,
  runbook: string,
  target: string | null,
): Promise<number | undefined> {
  const row = await db
    .select({ issue: executions.approvalIssue })
    .from(executions)
    .where(
      and(
        eq(executions.runbook, runbook),
        target === null ? isNull(executions.target) : eq(executions.target, target),
        isNotNull(executions.approvalIssue),
      ),
    )
    .orderBy(desc(executions.createdAt))
    .get();
  return row?.issue ?? undefined;
}

/** Held approvals that ended unanswered (alert resolved) whose issue has not been told yet, oldest first. */
export async function issueNoticesDue(db: Db, limit: number): Promise<Execution[]> {
  return await db
    .select()
    .from(executions)
    .where(and(isNotNull(executions.approvalIssueNoticeAt), isNotNull(executions.approvalIssue)))
    .orderBy(asc(executions.approvalIssueNoticeAt))
    .limit(limit)
    .all();
}

/** How many executions asked for approval in this GitHub issue (1: it was opened for one alone). */
export async function executionsAskedInIssue(db: Db, issueNumber: number): Promise<number> {
  const row = await db
    .select({ n: count() })
    .from(executions)
    .where(eq(executions.approvalIssue, issueNumber))
    .get();
  return row?.n ?? 0;
}

/** The latest execution whose approval was asked in this GitHub issue, whatever its state now. */
export async function lastExecutionOfIssue(db: Db, issueNumber: number): Promise<Execution | undefined> {
  return await db
    .select()
    .from(executions)
    .where(eq(executions.approvalIssue, issueNumber))
    .orderBy(desc(executions.createdAt))
    .get();
}

/** Succeeded runs whose deadline for the alert to clear passed before `before`, earliest first. */
export async function outcomesDue(db: Db, before: number, limit: number): Promise<Execution[]> {
  return await db
    .select()
    .from(executions)
    .where(
      and(
        isNotNull(executions.verifyBy),
        lte(executions.verifyBy, before),
        inArray(executions.state, [...WATCHING_STATES]),
      ),
    )
    .orderBy(asc(executions.verifyBy))
    .limit(limit)
    .all();
}

/**
 * The latest verified execution of this alert (same fingerprint, same runbook) whose alert
 * cleared at or after `since`: a new occurrence now is a relapse of it.
 */
export async function lastVerifiedSince(
  db: Db,
  fingerprint: string,
  runbook: string,
  since: number,
): Promise<Pick<Execution, "id" | "clearedAt"> | undefined> {
  // Runs on every routed decision: a statement prepared once (hot-path.ts), not a drizzle query.
  return await hot(db).lastVerified.get(fingerprint, runbook, since);
}
