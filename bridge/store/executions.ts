/**
 * @module
 * Execution rows: created once per alert occurrence, then moved forward by the outbox
 * worker and (later) GitHub's webhooks. Queries are named by intent.
 */
import { and, count, desc, eq, gte, inArray, isNull, lt, ne, type SQL, sql } from "drizzle-orm";
import type { Db } from "./database.js";
import { hot } from "./hot-path.js";
import { executionIdFloor } from "./ids.js";
import { type ExecutionState, executions } from "./schema.js";

export type Execution = typeof executions.$inferSelect;
export type NewExecution = typeof executions.$inferInsert;

export function findExecutionByOccurrence(db: Db, occurrenceKey: string): Execution | undefined {
  return hot(db).executionByOccurrence.get({ key: occurrenceKey });
}

export function findExecution(db: Db, id: string): Execution | undefined {
  return db.select().from(executions).where(eq(executions.id, id)).get();
}

/** Executions for one alert occurrence (usually one; more only for group runbooks). */
export function executionsForAlert(db: Db, fingerprint: string, startsAt: string): Execution[] {
  return db
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
export function findOpenGroupExecution(db: Db, runbook: string, groupKey: string): Execution | undefined {
  return db
    .select()
    .from(executions)
    .where(openGroupEpisodes(groupKey, runbook))
    .orderBy(desc(executions.createdAt))
    .limit(1)
    .get();
}

/** Group executions of an Alertmanager group still open (the whole group just resolved). */
export function openGroupExecutions(db: Db, groupKey: string): Execution[] {
  return db.select().from(executions).where(openGroupEpisodes(groupKey)).all();
}

/** Inserts a decided execution (the hot path: a prepared statement, no query building). */
export function insertExecution(db: Db, row: NewExecution): void {
  hot(db).insertExecution.run({
    id: row.id,
    occurrenceKey: row.occurrenceKey,
    fingerprint: row.fingerprint,
    startsAt: row.startsAt,
    groupKey: row.groupKey ?? "",
    alertname: row.alertname,
    severity: row.severity,
    runbook: row.runbook ?? null,
    runbookHash: row.runbookHash ?? null,
    runbookSha: row.runbookSha ?? null,
    target: row.target ?? null,
    mode: row.mode ?? null,
    state: row.state,
    guard: row.guard ?? null,
    reason: row.reason,
    alert: JSON.stringify(row.alert),
    runId: row.runId ?? null,
    runUrl: row.runUrl ?? null,
    dispatchAttempts: row.dispatchAttempts ?? 0,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    committedAt: row.committedAt ?? null,
    dispatchedAt: row.dispatchedAt ?? null,
    finishedAt: row.finishedAt ?? null,
    alertResolvedAt: row.alertResolvedAt ?? null,
    awaitingSince: row.awaitingSince ?? null,
    approvalEscalatedAt: row.approvalEscalatedAt ?? null,
    cancelRequestedAt: row.cancelRequestedAt ?? null,
    gatePendingEnvironment: row.gatePendingEnvironment ?? null,
  });
}

export function updateExecution(db: Db, id: string, changes: Partial<NewExecution>): void {
  db.update(executions).set(changes).where(eq(executions.id, id)).run();
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
export function listExecutions(db: Db, query: ExecutionQuery): Execution[] {
  const filters: SQL[] = [];
  if (query.state?.length) filters.push(inArray(executions.state, query.state));
  if (query.runbook) filters.push(eq(executions.runbook, query.runbook));
  if (query.alertname) filters.push(eq(executions.alertname, query.alertname));
  if (query.target) filters.push(eq(executions.target, query.target));
  // Ids start with their creation time, so `since` is a primary-key range.
  if (query.since !== undefined) filters.push(gte(executions.id, executionIdFloor(query.since)));
  if (query.before) filters.push(lt(executions.id, query.before));
  return db
    .select()
    .from(executions)
    .where(filters.length ? and(...filters) : undefined)
    .orderBy(desc(executions.id))
    .limit(Math.min(Math.max(query.limit ?? 50, 1), 500))
    .all();
}

export function countExecutionsByState(db: Db): Record<string, number> {
  const rows = db
    .select({ state: executions.state, n: count() })
    .from(executions)
    .groupBy(executions.state)
    .all();
  return Object.fromEntries(rows.map((row) => [row.state, row.n]));
}
