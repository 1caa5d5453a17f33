/**
 * @module
 * The reads a decision's guards need. Cooldown, rate limits and the storm limit are
 * derived from `executions` (committed dispatches), never from counters. What the rows
 * mean is the guards' and the breaker's business (decide/guard-state.ts puts them together).
 */
import { and, eq, gte, inArray, sql } from "drizzle-orm";
import { ACTIVE_STATES, UNSETTLED_STATES } from "../executions/states.js";
import type { BreakerRow } from "./breakers.js";
import type { Db } from "./database.js";
import { isPostgres } from "./engine.js";
import type { Execution } from "./executions.js";
import { COUNTS_AS_DISPATCH, hot, postgresHotStatement } from "./hot-path.js";
import { rawRows } from "./raw.js";
import { breakers, executions } from "./schema.js";
import { fromDriverRow } from "./table-rows.js";

const HOUR = 3_600_000;

export interface DispatchFacts {
  /** The last committed dispatch for this runbook + target. */
  lastDispatch?: Pick<Execution, "id" | "committedAt">;
  /** Commit times of this runbook's dispatches within the last hour, oldest first. */
  dispatchesLastHour: number[];
  /** The newest active execution for this runbook + target heard of since `activeSince`. */
  active?: Pick<Execution, "id" | "state" | "updatedAt">;
  /** Dispatches across all runbooks since `stormSince`. */
  dispatchesAllSince: number;
}

/** Whose dispatches to read, and the windows the guards look back over. */
export interface DispatchFactsQuery {
  runbook: string;
  target: string | undefined;
  /** Active executions last heard of before this stop counting as active. */
  activeSince: number;
  /** Start of the storm limit's window. */
  stormSince: number;
  now: number;
}

export async function readDispatchFacts(db: Db, query: DispatchFactsQuery): Promise<DispatchFacts> {
  if (isPostgres(db)) return await readDispatchFactsAtOnce(db, query);
  const statements = hot(db);
  const target = query.target ?? null;
  const [lastDispatch, lastHour, active, storm] = await Promise.all([
    statements.lastDispatch.get(query.runbook, target),
    statements.dispatchesSince.all(query.runbook, query.now - HOUR),
    statements.activeExecution.get(query.runbook, target, query.activeSince),
    statements.dispatchesAllSince.get(query.stormSince),
  ]);
  return {
    lastDispatch,
    dispatchesLastHour: lastHour.map((row) => row.committedAt ?? 0),
    active,
    dispatchesAllSince: storm?.n ?? 0,
  };
}

interface FactsRow {
  lastDispatch: string | null;
  lastHour: string | null;
  active: string | null;
  storm: number | string;
}

/** The facts statement's text, for a target (`= @target`, which its index can use) or for none. */
function dispatchFactsSql(sameTarget: string): string {
  const activeStates = ACTIVE_STATES.map((state) => `'${state}'`).join(", ");
  return `SELECT
      (SELECT json_build_object('id', id, 'committedAt', committed_at)::text FROM executions
        WHERE runbook = @runbook AND ${sameTarget} AND ${COUNTS_AS_DISPATCH}
        ORDER BY committed_at DESC LIMIT 1) AS "lastDispatch",
      (SELECT json_agg(committed_at ORDER BY committed_at)::text FROM executions
        WHERE runbook = @runbook AND committed_at > @hourAgo AND ${COUNTS_AS_DISPATCH}) AS "lastHour",
      (SELECT json_build_object('id', id, 'state', state, 'updatedAt', updated_at)::text FROM executions
        WHERE runbook = @runbook AND ${sameTarget} AND committed_at IS NOT NULL
          AND state IN (${activeStates}) AND updated_at > @activeSince
        ORDER BY created_at DESC LIMIT 1) AS "active",
      (SELECT count(*) FROM executions WHERE committed_at > @stormSince AND ${COUNTS_AS_DISPATCH}) AS "storm"`;
}
const FACTS_FOR_TARGET = dispatchFactsSql("target = @target");
const FACTS_WITHOUT_TARGET = dispatchFactsSql("target IS NULL");

/**
 * readDispatchFacts on PostgreSQL: the same four reads as one statement of subqueries, so a
 * decision pays one statement's round trip, parse and write instead of four (the decision path
 * is bounded by per-statement cost there, not by the reads themselves).
 */
async function readDispatchFactsAtOnce(db: Db, query: DispatchFactsQuery): Promise<DispatchFacts> {
  const statement = postgresHotStatement<FactsRow>(
    db,
    query.target === undefined ? FACTS_WITHOUT_TARGET : FACTS_FOR_TARGET,
  );
  const row = await statement.get({
    runbook: query.runbook,
    target: query.target ?? null,
    hourAgo: query.now - HOUR,
    activeSince: query.activeSince,
    stormSince: query.stormSince,
  });
  return {
    lastDispatch: row?.lastDispatch ? JSON.parse(row.lastDispatch) : undefined,
    dispatchesLastHour: row?.lastHour ? (JSON.parse(row.lastHour) as number[]) : [],
    active: row?.active ? JSON.parse(row.active) : undefined,
    dispatchesAllSince: Number(row?.storm ?? 0),
  };
}

/** A breaker row by key (the hot path's prepared read). */
export async function readBreakerFast(db: Db, key: string): Promise<BreakerRow | undefined> {
  const raw = await hot(db).breaker.get(key);
  return raw ? fromDriverRow<BreakerRow>(breakers, raw) : undefined;
}

/** An execution in the breaker's scope committed since `since` whose outcome is not known yet (running, or its run succeeded and the alert is watched): a half-open probe. */
export async function unfinishedExecutionInScope(
  db: Db,
  breaker: BreakerRow,
  since: number,
): Promise<string | undefined> {
  const scopeFilter =
    breaker.scope === "global"
      ? undefined
      : breaker.scope === "runbook"
        ? eq(executions.runbook, breaker.runbook ?? "")
        : and(eq(executions.runbook, breaker.runbook ?? ""), eq(executions.target, breaker.target ?? ""));
  return (
    await db
      .select({ id: executions.id })
      .from(executions)
      .where(
        and(
          scopeFilter,
          gte(executions.committedAt, since),
          inArray(executions.state, [...UNSETTLED_STATES]),
        ),
      )
      .limit(1)
      .get()
  )?.id;
}

/**
 * The latest committed dispatch per runbook + target since `since`, by the same rule the
 * cooldown guard applies (for the cooldown-remaining gauge).
 */
export async function lastDispatchesSince(
  db: Db,
  since: number,
): Promise<{ runbook: string; target: string; at: number }[]> {
  return await rawRows<{ runbook: string; target: string; at: number }>(
    db,
    sql`SELECT runbook, coalesce(target, '') AS target, max(committed_at) AS at FROM executions
      WHERE committed_at > ${since} AND runbook IS NOT NULL AND ${sql.raw(COUNTS_AS_DISPATCH)}
      GROUP BY runbook, coalesce(target, '')`,
  );
}
