/**
 * @module
 * Keeps PostgreSQL's planner statistics of the decision path's tables current while they are
 * young, so the bridge can use the plans PostgreSQL caches for its prepared statements.
 *
 * Each bridge connection prepares a decision's statements once and keeps one generic plan per
 * statement (plan_cache_mode, database.ts), planned from the table statistics of that moment,
 * until the next ANALYZE of the table invalidates it. On a new database the tables are empty
 * when that happens: the generic plan of every guard read is then a sequential scan of
 * `executions`, kept while the table grows (measured: 6,000 decisions made 6,000 scans reading
 * 17.9 million rows). Autovacuum analyzes a table once 10 % of it changed, but looks only once
 * a minute, and a storm on a new database fills the tables within that minute.
 *
 * So the bridge holding the timers lease looks every few seconds and analyzes a table of the
 * decision path when it has at least doubled since its last ANALYZE (and changed by
 * `minRows`). A young table gets plans that use its indexes within seconds; a grown one
 * doubles rarely, and autovacuum's own schedule takes over. Planning every run instead
 * (`plan_cache_mode=force_custom_plan`, what the bridge did before) cost PostgreSQL ~1.1 ms of
 * CPU per decision on the 2-core machine (2.75 against 1.4–1.7 ms; docs/benchmarks.md).
 */
import type postgres from "postgres";
import type { Logger } from "../../logger.js";

/** The tables every decision reads by index: their generic plans are the ones that matter. */
export const DECISION_TABLES = ["executions", "alerts", "audit_events", "outbox", "breakers", "settings"];

export interface TableActivity {
  table: string;
  /** Rows now (pg_stat_user_tables.n_live_tup, an estimate). */
  liveRows: number;
  /** Rows inserted, updated or deleted since the last ANALYZE. */
  changedSinceAnalyze: number;
}

/**
 * The tables to analyze now: changed by at least `minRows` and by at least as many rows as
 * they held at their last ANALYZE (they have doubled, or were never analyzed with rows in them).
 */
export function tablesToAnalyze(activity: readonly TableActivity[], minRows: number): string[] {
  return activity
    .filter(({ liveRows, changedSinceAnalyze }) => {
      const rowsAtLastAnalyze = Math.max(0, liveRows - changedSinceAnalyze);
      return changedSinceAnalyze >= minRows && changedSinceAnalyze >= rowsAtLastAnalyze;
    })
    .map(({ table }) => table);
}

export interface PlannerStatisticsOptions {
  sql: postgres.Sql;
  /** Whether this bridge runs the timed work (it holds the timers lease, leadership.ts). */
  leads: () => Promise<boolean>;
  log: Logger;
  intervalMs?: number;
  /** A table is analyzed only once this many of its rows changed since the last time. */
  minRows?: number;
}

export interface PlannerStatistics {
  /** One look now (tests); resolves with the tables it analyzed. */
  pass(): Promise<string[]>;
  stop(): Promise<void>;
}

export function startPlannerStatistics(options: PlannerStatisticsOptions): PlannerStatistics {
  const { sql, log } = options;
  const intervalMs = options.intervalMs ?? 5_000;
  const minRows = options.minRows ?? 200;
  let stopped = false;
  let running: Promise<string[]> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let warned = false;

  async function pass(): Promise<string[]> {
    if (!(await options.leads())) return [];
    const activity = await sql<TableActivity[]>`
      SELECT relname AS "table", n_live_tup::float8 AS "liveRows",
             n_mod_since_analyze::float8 AS "changedSinceAnalyze"
      FROM pg_stat_user_tables
      WHERE schemaname = current_schema() AND relname IN ${sql(DECISION_TABLES)}`;
    const tables = tablesToAnalyze(activity, minRows);
    for (const table of tables) {
      if (stopped) break;
      await sql`ANALYZE ${sql(table)}`;
    }
    if (tables.length > 0) log.debug({ tables }, "planner statistics refreshed");
    return tables;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass()
        .catch((error: unknown) => {
          // Not fatal: autovacuum keeps the statistics too, only later. Said once, not every pass.
          if (!warned) {
            warned = true;
            log.warn(
              { err: error },
              "cannot refresh PostgreSQL's planner statistics (ANALYZE); autovacuum's will do, later. Check that the bridge's user owns its tables",
            );
          }
          return [];
        })
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, intervalMs);
    timer.unref();
  }
  schedule();

  return {
    pass,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
