/**
 * @module
 * The reads a decision's guards need. Cooldown, rate limits and the storm limit are
 * derived from `executions` (committed dispatches), never from counters. What the rows
 * mean is the guards' and the breaker's business (decide/guard-state.ts puts them together).
 */
import { and, asc, count, desc, eq, gt, gte, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import { ACTIVE_STATES, UNSETTLED_STATES } from "../executions/states.js";
import type { BreakerRow } from "./breakers.js";
import type { Db } from "./database.js";
import type { Execution } from "./executions.js";
import { COUNTS_AS_DISPATCH, hot } from "./hot-path.js";
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

export async function readDispatchFacts(
  db: Db,
  query: {
    runbook: string;
    target: string | undefined;
    activeSince: number;
    stormSince: number;
    now: number;
  },
): Promise<DispatchFacts> {
  const statements = hot(db);
  const target = query.target ?? null;
  if (!statements) return await readDispatchFactsBuilt(db, query);
  return {
    lastDispatch: statements.lastDispatch.get(query.runbook, target),
    dispatchesLastHour: statements.dispatchesSince
      .all(query.runbook, query.now - HOUR)
      .map((row) => row.committedAt ?? 0),
    active: statements.activeExecution.get(query.runbook, target, query.activeSince),
    dispatchesAllSince: statements.dispatchesAllSince.get(query.stormSince)?.n ?? 0,
  };
}

/** readDispatchFacts's reads through the builder (PostgreSQL): the same rules, asked together (pipelined). */
async function readDispatchFactsBuilt(
  db: Db,
  query: {
    runbook: string;
    target: string | undefined;
    activeSince: number;
    stormSince: number;
    now: number;
  },
): Promise<DispatchFacts> {
  const sameTarget =
    query.target === undefined ? isNull(executions.target) : eq(executions.target, query.target);
  const countsAsDispatch = sql.raw(COUNTS_AS_DISPATCH);
  const [lastDispatch, lastHour, active, storm] = await Promise.all([
    db
      .select({ id: executions.id, committedAt: executions.committedAt })
      .from(executions)
      .where(and(eq(executions.runbook, query.runbook), sameTarget, countsAsDispatch))
      .orderBy(desc(executions.committedAt))
      .limit(1)
      .get(),
    db
      .select({ committedAt: executions.committedAt })
      .from(executions)
      .where(
        and(
          eq(executions.runbook, query.runbook),
          gt(executions.committedAt, query.now - HOUR),
          countsAsDispatch,
        ),
      )
      .orderBy(asc(executions.committedAt))
      .all(),
    db
      .select({ id: executions.id, state: executions.state, updatedAt: executions.updatedAt })
      .from(executions)
      .where(
        and(
          eq(executions.runbook, query.runbook),
          sameTarget,
          isNotNull(executions.committedAt),
          inArray(executions.state, [...ACTIVE_STATES]),
          gt(executions.updatedAt, query.activeSince),
        ),
      )
      .orderBy(desc(executions.createdAt))
      .limit(1)
      .get(),
    db
      .select({ n: count() })
      .from(executions)
      .where(and(gt(executions.committedAt, query.stormSince), countsAsDispatch))
      .get(),
  ]);
  return {
    lastDispatch,
    dispatchesLastHour: lastHour.map((row) => row.committedAt ?? 0),
    active,
    dispatchesAllSince: storm?.n ?? 0,
  };
}

/** A breaker row by key (the hot path's prepared read). */
export async function readBreakerFast(db: Db, key: string): Promise<BreakerRow | undefined> {
  const statements = hot(db);
  if (!statements) return await db.select().from(breakers).where(eq(breakers.key, key)).get();
  const raw = statements.breaker.get(key);
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
