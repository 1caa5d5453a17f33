import type { Statement } from "better-sqlite3";
import { getTableColumns, getTableName, type Table } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type TempDatabase, tempDatabase } from "../../test/fixtures/store/temp-database.js";
import { sqliteHotStatements } from "./hot-path.js";
import * as schema from "./schema.js";
import { columnsByName, fromDriverRow, toDriverRow } from "./table-rows.js";

const tables = new Map<string, Table>(
  Object.values(schema)
    .filter((value) => typeof value === "object" && value !== null && "getSQL" in value)
    .map((table) => [getTableName(table as Table), table as Table]),
);

/** Columns whose stored form differs from their TypeScript type: a projection would read them raw. */
const MAPPED_COLUMN_TYPES = new Set(["SQLiteBoolean", "SQLiteTextJson", "SQLiteBlobJson", "SQLiteTimestamp"]);

/**
 * Problems of one hand-prepared statement against the drizzle tables: a reader returns
 * either whole rows (every column, to be mapped by `fromDriverRow`) or columns named after
 * the schema's properties (so its `Pick<…>` row type is the schema's); an INSERT lists
 * every column of its table.
 */
function problemsOf(name: string, statement: Statement): string[] {
  const problems: string[] = [];
  const insert = /^\s*INSERT INTO (\w+) \(([^)]*)\)/i.exec(statement.source);
  if (insert) {
    const table = tables.get(insert[1] as string);
    const listed = (insert[2] as string).split(",").map((column) => column.trim());
    // Every column but a key the database numbers itself (read back with RETURNING).
    const expected = table
      ? Object.values(getTableColumns(table))
          .filter((column) => !(column.primary && (column as { autoIncrement?: boolean }).autoIncrement))
          .map((column) => column.name)
      : [];
    const missing = expected.filter((column) => !listed.includes(column));
    if (missing.length) problems.push(`${name}: INSERT INTO ${insert[1]} misses ${missing.join(", ")}`);
  }
  if (statement.reader) {
    const columns = statement.columns();
    const byTable = new Map<string, string[]>();
    for (const column of columns) {
      if (column.table === null || column.column === null) continue; // an aggregate (count(*) AS n)
      byTable.set(column.table, [...(byTable.get(column.table) ?? []), column.name]);
    }
    for (const [tableName, names] of byTable) {
      const table = tables.get(tableName);
      if (!table) {
        problems.push(`${name}: reads ${tableName}, which schema.ts does not define`);
        continue;
      }
      const everyColumn = Object.values(getTableColumns(table)).map((column) => column.name);
      const wholeRow =
        everyColumn.every((column) => names.includes(column)) && names.length === everyColumn.length;
      if (wholeRow) continue;
      const known = columnsByName(table);
      for (const column of columns.filter((entry) => entry.table === tableName)) {
        const entry = known.get(column.column ?? "");
        if (!entry) problems.push(`${name}: ${tableName}.${column.column} is not in schema.ts`);
        else if (column.name !== entry.property)
          problems.push(
            `${name}: ${tableName}.${column.column} is returned as ${column.name}, not ${entry.property}`,
          );
        else if (MAPPED_COLUMN_TYPES.has(entry.column.columnType))
          problems.push(
            `${name}: ${tableName}.${column.column} needs its column's mapping; read the whole row`,
          );
      }
    }
    return problems;
  }
  return problems;
}

let db: TempDatabase;
beforeEach(() => {
  db = tempDatabase();
});
afterEach(() => db.remove());

describe("the hot path's hand-prepared statements", () => {
  it("agree with schema.ts: whole rows, or projections named after its properties; INSERTs list every column", () => {
    const problems = Object.entries(sqliteHotStatements(db.db.$client)).flatMap(([name, statement]) =>
      problemsOf(name, statement),
    );
    expect(problems).toEqual([]);
  });

  it("the check fails for a projection that drifted from the schema", () => {
    const client = db.db.$client;
    expect(problemsOf("renamed", client.prepare("SELECT committed_at AS at FROM executions"))).toEqual([
      "renamed: executions.committed_at is returned as at, not committedAt",
    ]);
    expect(
      problemsOf(
        "raw boolean",
        client.prepare("SELECT closes_automatically AS closesAutomatically FROM breakers"),
      ),
    ).toEqual(["raw boolean: breakers.closes_automatically needs its column's mapping; read the whole row"]);
    expect(
      problemsOf("short insert", client.prepare("INSERT INTO settings (key, value) VALUES (?, ?)")),
    ).toEqual(["short insert: INSERT INTO settings misses updated_at"]);
  });

  it("rows keep their types through the driver: booleans, JSON, schema defaults", () => {
    const breaker = {
      key: "global",
      scope: "global" as const,
      runbook: null,
      target: null,
      state: "open" as const,
      openedAt: 1,
      halfOpenAt: 2,
      countFailuresFrom: 0,
      reason: "storm",
      closesAutomatically: true,
      updatedAt: 1,
    };
    db.db.$client
      .prepare(
        `INSERT INTO breakers (${Object.values(getTableColumns(schema.breakers))
          .map((column) => column.name)
          .join(", ")}) VALUES (${Object.keys(breaker)
          .map((key) => `@${key}`)
          .join(", ")})`,
      )
      .run(toDriverRow(schema.breakers, breaker));
    const raw = db.db.$client.prepare("SELECT * FROM breakers").get() as Record<string, unknown>;
    expect(raw.closes_automatically).toBe(1);
    expect(fromDriverRow(schema.breakers, raw)).toEqual(breaker);
    expect(toDriverRow(schema.outbox, { executionId: "ex_1" })).toMatchObject({
      attempts: 0,
      lastError: null,
    });
    expect(toDriverRow(schema.auditEvents, { data: { a: 1 } })).toMatchObject({ data: '{"a":1}' });
  });
});
