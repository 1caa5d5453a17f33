// The scorecard's statements keep to their indexes: SQLite's query plan for each, on a migrated
// database, reads the executions table only through the index meant for it (never a full scan,
// never a temporary B-tree for the 30-day grouping).
import { afterEach, describe, expect, it } from "vitest";
import { type TempDatabase, tempDatabase } from "../../test/fixtures/store/temp-database.js";
import { scorecardSql } from "./runbook-scorecard.js";

let t: TempDatabase;
afterEach(() => t?.remove());

const NOW = Date.parse("2026-12-06T00:00:00Z");
const DAY = 86_400_000;
const WINDOWS = [NOW - DAY, NOW - 7 * DAY, NOW - 30 * DAY];

type Statement = ReturnType<typeof scorecardSql.byRunbookState>;

/** SQLite's plan for a statement: drizzle renders it (SQL text and parameters) as it would to run it. */
function plan(statement: Statement): string[] {
  const dialect = (
    t.db as unknown as { dialect: { sqlToQuery(s: Statement): { sql: string; params: unknown[] } } }
  ).dialect;
  const { sql, params } = dialect.sqlToQuery(statement);
  const rows = t.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
  return rows.map((row) => row.detail);
}

/** Every step that reads the executions table. */
const executionsSteps = (steps: string[]) =>
  steps.filter((step) => /^(SCAN|SEARCH) (executions|earlier|later|failure)\b/.test(step));

describe("scorecard query plans", () => {
  it("counts by runbook, state and guard from the covering executions_scorecard index, already grouped", () => {
    t = tempDatabase();
    const steps = plan(scorecardSql.byRunbookState(WINDOWS));
    expect(executionsSteps(steps)).toEqual([
      expect.stringContaining("USING COVERING INDEX executions_scorecard"),
    ]);
    expect(steps.join("\n")).not.toContain("TEMP B-TREE FOR GROUP BY");
  });

  it("reads times to resolution from the covering executions_resolved index", () => {
    t = tempDatabase();
    const steps = executionsSteps(plan(scorecardSql.resolutionTimes(WINDOWS, ["verified"])));
    expect(steps).toEqual([expect.stringContaining("USING COVERING INDEX executions_resolved")]);
  });

  it("counts relapses from the partial executions_relapse index", () => {
    t = tempDatabase();
    const steps = executionsSteps(plan(scorecardSql.relapses(WINDOWS)));
    expect(steps).toEqual([expect.stringContaining("USING INDEX executions_relapse")]);
  });

  it("finds each runbook's last failure from executions_scorecard, then reads one row per runbook", () => {
    t = tempDatabase();
    const steps = executionsSteps(plan(scorecardSql.lastFailures(WINDOWS[2] as number, ["failed"])));
    expect(steps).toEqual([
      expect.stringContaining("COVERING INDEX executions_scorecard"),
      expect.stringMatching(/^SEARCH failure USING INDEX sqlite_autoindex_executions_1 \(id=\?\)/),
    ]);
  });
});
