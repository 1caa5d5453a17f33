// The bridge keeps the decision tables' planner statistics current while they are young, so the
// generic plans PostgreSQL caches for its prepared statements are planned from what the tables
// hold, not from the empty tables of a new database. Checked on the real server: a generic plan
// made while `executions` was empty is kept as the table grows, until the keeper's ANALYZE
// invalidates it, and the plan made then uses an index the empty-table plan did not.
import pino from "pino";
import { describe, expect, it } from "vitest";
import { usePostgresStore } from "../../../test/fixtures/store/postgres-store.js";
import { COUNTS_AS_DISPATCH } from "../hot-path.js";
import { startPlannerStatistics, tablesToAnalyze } from "./planner-statistics.js";

const log = pino({ level: "silent" });

describe("tablesToAnalyze", () => {
  it("picks tables that at least doubled since their last ANALYZE, once enough rows changed", () => {
    expect(
      tablesToAnalyze(
        [
          { table: "never-analyzed, filled", liveRows: 500, changedSinceAnalyze: 500 },
          { table: "doubled", liveRows: 2_000, changedSinceAnalyze: 1_000 },
          { table: "grew a third", liveRows: 3_000, changedSinceAnalyze: 1_000 },
          { table: "too few changes", liveRows: 100, changedSinceAnalyze: 100 },
          { table: "untouched", liveRows: 0, changedSinceAnalyze: 0 },
        ],
        200,
      ),
    ).toEqual(["never-analyzed, filled", "doubled"]);
  });
});

describe("on PostgreSQL", () => {
  const postgres = usePostgresStore("planner", { poolSize: 2 });

  it("analyzes a table that filled up, which replaces the generic plans made while it was empty", async () => {
    const session = await postgres.store.sql.reserve();
    try {
      // A generic plan, as a prepared statement gets after five runs, made now: executions is empty.
      await session.unsafe("SET plan_cache_mode = force_generic_plan");
      // The storm limit's count of recent dispatches, as a decision reads it (guard-state.ts).
      await session.unsafe(`PREPARE storm(bigint) AS
        SELECT count(*) FROM executions WHERE committed_at > $1 AND ${COUNTS_AS_DISPATCH}`);
      const plan = async () =>
        (await session.unsafe("EXPLAIN EXECUTE storm(0)")).map((row) => Object.values(row)[0]).join("\n");
      const planWhenEmpty = await plan();

      await postgres.store.sql.unsafe(`
        INSERT INTO executions (id, occurrence_key, fingerprint, starts_at, group_key, alertname, severity,
          runbook, target, state, reason, alert, created_at, updated_at, committed_at)
        SELECT 'ex_' || i, 'occurrence ' || i, 'fp' || i, '2026-12-06T00:00:00Z', '', 'A', 'critical',
          'runbook ' || (i % 20), 'target ' || (i % 50), CASE WHEN i % 50 = 0 THEN 'pending' ELSE 'dry_run' END,
          'r', '{}', i, i, CASE WHEN i % 50 = 0 THEN i END
        FROM generate_series(1, 20000) AS i`);
      // The table grew 20,000 rows; the cached plan is still the one made for an empty table.
      expect(await plan()).toBe(planWhenEmpty);

      const statistics = startPlannerStatistics({
        sql: postgres.store.sql,
        leads: async () => true,
        log,
        intervalMs: 60_000,
      });
      try {
        // The server's activity counters reach pg_stat_user_tables within a second or so.
        let analyzed: string[] = [];
        for (let attempt = 0; attempt < 50 && !analyzed.includes("executions"); attempt++) {
          analyzed = await statistics.pass();
          if (!analyzed.includes("executions")) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(analyzed).toContain("executions");
        // Analyzed once, a second look finds nothing new to do.
        expect(await statistics.pass()).not.toContain("executions");
      } finally {
        await statistics.stop();
      }
      const planAfter = await plan();
      expect(planAfter).not.toBe(planWhenEmpty);
      expect(planAfter).toMatch(/Index|Bitmap/);
      expect(planWhenEmpty).toMatch(/Seq Scan on executions/);
    } finally {
      await session.unsafe("DEALLOCATE ALL").catch(() => {});
      session.release();
    }
  });

  it("does nothing on a bridge that does not hold the timers lease", async () => {
    const statistics = startPlannerStatistics({
      sql: postgres.store.sql,
      leads: async () => false,
      log,
      intervalMs: 60_000,
    });
    expect(await statistics.pass()).toEqual([]);
    await statistics.stop();
  });
});
