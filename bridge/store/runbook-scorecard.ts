/**
 * @module
 * The runbook scorecard's queries: each runbook's decisions, outcomes, times to resolution,
 * relapses and last failure over the scorecard's windows (24h, 7d, 30d), aggregated by
 * SQLite in one pass per question so the answer stays fast on a large executions table.
 * Which states count as what is policy, decided by scorecard/outcome-buckets.ts and passed
 * in as lists of state names: this file knows SQL, not what a state means.
 *
 * Windows are given as their start times, longest first or in any order; every query reads
 * only the longest window's rows (an id range: ids begin with their creation time) and
 * counts each row into every window it falls in, with one conditional SUM per window.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "./database.js";
import { type Engine, engineOf } from "./engine.js";
import { executionIdFloor } from "./ids.js";
import { rawRows } from "./raw.js";

/** Counts of one runbook's executions in one state (and guard), one number per window. */
export interface StateCountRow {
  runbook: string;
  state: string;
  /** The guard that suppressed them, or the mode that recorded without dispatching; null otherwise. */
  guard: string | null;
  /** Executions decided in each window (same order as the windows given). */
  decided: number[];
  /** Of those, how many GitHub accepted (dispatched_at set). */
  dispatched: number[];
}

/** The nearest-rank median and 90th percentile of one runbook's times to resolution in one window. */
export interface ResolutionTimeRow {
  runbook: string;
  /** Index of the window in the windows given. */
  window: number;
  /** How many executions had a time to resolution. */
  count: number;
  fromStartMedianMs: number;
  fromStartP90Ms: number;
  fromDispatchMedianMs: number;
  fromDispatchP90Ms: number;
}

/** The latest failed execution of a runbook in the longest window. */
export interface LastFailureRow {
  runbook: string;
  id: string;
  state: string;
  reason: string;
  /** When it ended (or was last updated, when no end was recorded). */
  at: number;
  runUrl: string | null;
}

function stateList(states: readonly string[]): SQL {
  return states.length === 0
    ? sql`NULL`
    : sql.join(
        states.map((state) => sql`${state}`),
        sql`, `,
      );
}

/** The id floor of the longest window: every query's range. */
function rangeStart(windowStarts: readonly number[]): string {
  return executionIdFloor(Math.min(...windowStarts));
}

/** One `SUM(CASE …)` per window, counting rows whose id falls in it (and that match `when`). */
function perWindow(windowStarts: readonly number[], alias: string, when: SQL = sql`1 = 1`): SQL {
  return sql.join(
    windowStarts.map(
      (start, index) =>
        sql`SUM(CASE WHEN id >= ${executionIdFloor(start)} AND (${when}) THEN 1 ELSE 0 END) AS ${sql.raw(`${alias}${index}`)}`,
    ),
    sql`, `,
  );
}

function numbers(row: Record<string, unknown>, alias: string, windows: number): number[] {
  return Array.from({ length: windows }, (_, index) => Number(row[`${alias}${index}`] ?? 0));
}

/**
 * The scorecard's statements, one per question, built for the given windows and state lists.
 * Exported so a test can ask SQLite for each one's query plan (runbook-scorecard.test.ts):
 * the indexes they rely on are what keeps them fast on a large table.
 */
export const scorecardSql = {
  byRunbookState: (windowStarts: readonly number[]): SQL =>
    sql`
      SELECT runbook, state, guard,
        ${perWindow(windowStarts, "decided")},
        ${perWindow(windowStarts, "dispatched", sql`dispatched_at IS NOT NULL`)}
      FROM executions
      WHERE id >= ${rangeStart(windowStarts)} AND runbook IS NOT NULL
      GROUP BY runbook, state, guard`,
  resolutionTimes: (windowStarts: readonly number[], states: readonly string[]): SQL => {
    const windows = sql.join(
      windowStarts.map(
        (start, index) =>
          sql`SELECT CAST(${index} AS INTEGER) AS "window", CAST(${executionIdFloor(start)} AS TEXT) AS floor`,
      ),
      sql` UNION ALL `,
    );
    return sql`
      WITH windows AS (${windows}),
      resolved AS (
        SELECT id, runbook,
          alert_resolved_at - CAST(round(unixepoch(starts_at, 'subsec') * 1000) AS BIGINT) AS from_start,
          alert_resolved_at - dispatched_at AS from_dispatch
        FROM executions
        WHERE state IN (${stateList(states)}) AND id >= ${rangeStart(windowStarts)} AND runbook IS NOT NULL
          AND dispatched_at IS NOT NULL AND alert_resolved_at IS NOT NULL AND alert_resolved_at >= dispatched_at
      ),
      ranked AS (
        SELECT resolved.runbook, windows."window", from_start, from_dispatch,
          COUNT(*) OVER (PARTITION BY resolved.runbook, windows."window") AS n,
          ROW_NUMBER() OVER (PARTITION BY resolved.runbook, windows."window" ORDER BY from_start) AS start_rank,
          ROW_NUMBER() OVER (PARTITION BY resolved.runbook, windows."window" ORDER BY from_dispatch) AS dispatch_rank
        FROM resolved JOIN windows ON resolved.id >= windows.floor
      )
      -- n is at least 1 in every partition, so each nearest rank, ceil(n * q), is at least 1.
      SELECT runbook, "window", MAX(n) AS count,
        MAX(CASE WHEN start_rank = CAST(ceil(n * 0.5) AS INTEGER) THEN from_start END) AS "fromStartMedianMs",
        MAX(CASE WHEN start_rank = CAST(ceil(n * 0.9) AS INTEGER) THEN from_start END) AS "fromStartP90Ms",
        MAX(CASE WHEN dispatch_rank = CAST(ceil(n * 0.5) AS INTEGER) THEN from_dispatch END) AS "fromDispatchMedianMs",
        MAX(CASE WHEN dispatch_rank = CAST(ceil(n * 0.9) AS INTEGER) THEN from_dispatch END) AS "fromDispatchP90Ms"
      FROM ranked
      GROUP BY runbook, "window"`;
  },
  relapses: (windowStarts: readonly number[]): SQL =>
    sql`
      SELECT runbook, ${perWindow(windowStarts, "relapses")}
      FROM executions
      WHERE relapse_of IS NOT NULL AND runbook IS NOT NULL AND id >= ${rangeStart(windowStarts)}
      GROUP BY runbook`,
  /** @param engine SQLite is told which index to use; PostgreSQL's planner picks it. */
  lastFailures: (since: number, failureStates: readonly string[], engine: Engine["kind"] = "sqlite"): SQL =>
    sql`
      SELECT failure.runbook AS runbook, failure.id AS id, failure.state AS state, failure.reason AS reason,
        COALESCE(failure.finished_at, failure.updated_at) AS at, failure.run_url AS "runUrl"
      FROM (
        SELECT MAX(id) AS id FROM executions ${engine === "sqlite" ? sql.raw("INDEXED BY executions_scorecard") : sql.empty()}
        WHERE runbook IS NOT NULL AND state IN (${stateList(failureStates)}) AND id >= ${executionIdFloor(since)}
        GROUP BY runbook
      ) AS newest
      JOIN executions AS failure ON failure.id = newest.id`,
};

/**
 * Executions of each runbook by state and guard, counted in every window: one scan of the
 * longest window through the `executions_scorecard` covering index (no table row is read).
 * Executions no runbook matched (runbook null) are left out.
 */
export async function countExecutionsByRunbookState(
  db: Db,
  windowStarts: readonly number[],
): Promise<StateCountRow[]> {
  const rows = await rawRows<Record<string, unknown>>(db, scorecardSql.byRunbookState(windowStarts));
  return rows.map((row) => ({
    runbook: String(row.runbook),
    state: String(row.state),
    guard: row.guard === null ? null : String(row.guard),
    decided: numbers(row, "decided", windowStarts.length),
    dispatched: numbers(row, "dispatched", windowStarts.length),
  }));
}

/**
 * Times to resolution of each runbook's executions in `states` whose alert resolved after
 * GitHub accepted the dispatch: the bridge's record of the resolved notification
 * (alert_resolved_at) minus the alert's start, and minus the dispatch. Median and 90th
 * percentile by nearest rank, computed by SQLite's window functions.
 */
export async function resolutionTimesByRunbook(
  db: Db,
  windowStarts: readonly number[],
  states: readonly string[],
): Promise<ResolutionTimeRow[]> {
  return await rawRows<ResolutionTimeRow>(db, scorecardSql.resolutionTimes(windowStarts, states));
}

/**
 * Relapses of each runbook, counted in every window: executions linked (relapse_of) to an
 * earlier verified execution of the same alert, as the decision recorded them (within the
 * runbook's outcome.relapseWithin). A partial index holds only those few rows.
 */
export async function countRelapsesByRunbook(
  db: Db,
  windowStarts: readonly number[],
): Promise<{ runbook: string; relapses: number[] }[]> {
  const rows = await rawRows<Record<string, unknown>>(db, scorecardSql.relapses(windowStarts));
  return rows.map((row) => ({
    runbook: String(row.runbook),
    relapses: numbers(row, "relapses", windowStarts.length),
  }));
}

/**
 * The latest execution in one of `failureStates` of each runbook since `since`: the newest id
 * per runbook from the covering executions_scorecard index, then one row read per runbook.
 */
export async function lastFailureByRunbook(
  db: Db,
  since: number,
  failureStates: readonly string[],
): Promise<LastFailureRow[]> {
  return await rawRows<LastFailureRow>(
    db,
    scorecardSql.lastFailures(since, failureStates, engineOf(db).kind),
  );
}
