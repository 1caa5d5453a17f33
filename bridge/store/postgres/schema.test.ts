// The PostgreSQL schema against the one schema description (../schema.ts), on the real
// server: the derived tables, the checked-in migrations (a change to schema.ts without
// `npx drizzle-kit generate --config drizzle.postgres.config.ts` fails here), how values
// come back, and several bridges migrating one database at the same moment.
import { readFileSync } from "node:fs";
import { getTableName, is } from "drizzle-orm";
import { SQLiteTable } from "drizzle-orm/sqlite-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/harness/postgres.js";
import { openDatabase } from "../database.js";
import * as sqliteSchema from "../schema.js";
import { type OpenedPostgres, openPostgres, redactUrl } from "./database.js";
import * as postgresSchema from "./schema.js";

const OPTIONS = { poolSize: 4, statementTimeoutMs: 10_000 };
const MIGRATIONS_CHECKED_IN = (
  JSON.parse(readFileSync(new URL("./migrations/meta/_journal.json", import.meta.url), "utf8")) as {
    entries: unknown[];
  }
).entries.length;

interface IndexShape {
  unique: boolean;
  partial: boolean;
  columns: string[];
}

interface TableShape {
  columns: Record<string, { notNull: boolean }>;
  primaryKey: string[];
  indexes: Record<string, IndexShape>;
}

/** Tables, columns, primary keys and indexes of a migrated SQLite database. */
function sqliteShape(): Record<string, TableShape> {
  const opened = openDatabase(":memory:");
  try {
    const client = opened.sqlite;
    const tables = client
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%'",
      )
      .all();
    const shape: Record<string, TableShape> = {};
    for (const { name } of tables) {
      const info = client
        .prepare<[], { name: string; notnull: number; pk: number }>(`PRAGMA table_info("${name}")`)
        .all();
      const indexes: Record<string, IndexShape> = {};
      const list = client
        .prepare<[], { name: string; unique: number; origin: string; partial: number }>(
          `PRAGMA index_list("${name}")`,
        )
        .all()
        .filter((index) => index.origin === "c");
      for (const index of list) {
        indexes[index.name] = {
          unique: index.unique === 1,
          partial: index.partial === 1,
          columns: client
            .prepare<[], { name: string }>(`PRAGMA index_info("${index.name}")`)
            .all()
            .map((column) => column.name),
        };
      }
      shape[name] = {
        // A primary key is NOT NULL in PostgreSQL whatever SQLite says; compared apart.
        columns: Object.fromEntries(
          info
            .filter((column) => column.pk === 0)
            .map((column) => [column.name, { notNull: column.notnull === 1 }]),
        ),
        primaryKey: info
          .filter((column) => column.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((column) => column.name),
        indexes,
      };
    }
    return shape;
  } finally {
    opened.close();
  }
}

/** The same, read from PostgreSQL's catalog. */
async function postgresShape(opened: OpenedPostgres): Promise<Record<string, TableShape>> {
  const { sql } = opened;
  const tables = await sql<{ table_name: string }[]>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`;
  const shape: Record<string, TableShape> = {};
  for (const { table_name: name } of tables) {
    const primaryKey = (
      await sql<{ column_name: string }[]>`
        SELECT a.attname AS column_name
        FROM pg_index i
        JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON true
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indrelid = ${name}::regclass AND i.indisprimary
        ORDER BY k.position`
    ).map((row) => row.column_name);
    const columns = await sql<{ column_name: string; is_nullable: string }[]>`
      SELECT column_name, is_nullable FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = ${name}`;
    const indexRows = await sql<
      { index_name: string; unique: boolean; partial: boolean; columns: string[] }[]
    >`
      SELECT c.relname AS index_name, i.indisunique AS unique, i.indpred IS NOT NULL AS partial,
        array(
          SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
          ORDER BY k.position
        ) AS columns
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = ${name}::regclass AND NOT i.indisprimary`;
    shape[name] = {
      columns: Object.fromEntries(
        columns
          .filter((column) => !primaryKey.includes(column.column_name))
          .map((column) => [column.column_name, { notNull: column.is_nullable === "NO" }]),
      ),
      primaryKey,
      indexes: Object.fromEntries(
        indexRows.map((row) => [
          row.index_name,
          { unique: row.unique, partial: row.partial, columns: row.columns },
        ]),
      ),
    };
  }
  return shape;
}

describe("the PostgreSQL schema", () => {
  let database: TestDatabase;
  let opened: OpenedPostgres;

  beforeAll(async () => {
    database = await createTestDatabase("schema");
    opened = await openPostgres(database.url, OPTIONS);
  }, 60_000);

  afterAll(async () => {
    await opened?.close();
    await database?.drop();
  });

  it("has a table for every table of schema.ts", () => {
    const sqliteTables = Object.values(sqliteSchema)
      .filter((value) => is(value, SQLiteTable))
      .map((table) => getTableName(table as SQLiteTable))
      .sort();
    const postgresTables = Object.values(postgresSchema)
      .map((table) => getTableName(table))
      .sort();
    expect(postgresTables).toEqual(sqliteTables);
    expect(sqliteTables.length).toBeGreaterThanOrEqual(10);
  });

  it("is created by the checked-in migrations exactly as SQLite's migrations create it", async () => {
    expect(await postgresShape(opened)).toEqual(sqliteShape());
  });

  it("gives back numbers, booleans and JSON as the SQLite store does", async () => {
    const { db } = opened;
    const runId = 2 ** 40 + 7; // GitHub's run ids are past 2^31
    const now = Date.now();
    await db.insert(postgresSchema.executions).values({
      id: "ex_roundtrip",
      occurrenceKey: "f@2026-12-06T05:00:00Z",
      fingerprint: "f",
      startsAt: "2026-12-06T05:00:00Z",
      alertname: "NginxDown",
      severity: "critical",
      state: "dispatched",
      reason: "dispatched",
      alert: { labels: { target: "web-1 ünïcødé [ex_x]" }, nested: { list: [1, "two"] } },
      runId,
      createdAt: now,
      updatedAt: now,
    } as never);
    await db.insert(postgresSchema.breakers).values({
      key: "global",
      scope: "global",
      state: "open",
      closesAutomatically: true,
      updatedAt: now,
    } as never);
    await db.insert(postgresSchema.settings).values({ key: "enabled", value: "false" } as never);

    const [execution] = (await db.select().from(postgresSchema.executions)) as Record<string, unknown>[];
    expect(execution).toMatchObject({
      id: "ex_roundtrip",
      runId,
      createdAt: now,
      dispatchAttempts: 0,
      groupKey: "",
      source: "alert",
      alert: { labels: { target: "web-1 ünïcødé [ex_x]" }, nested: { list: [1, "two"] } },
    });
    expect(typeof execution?.runId).toBe("number");
    const [breaker] = (await db.select().from(postgresSchema.breakers)) as Record<string, unknown>[];
    expect(breaker).toMatchObject({ closesAutomatically: true, countFailuresFrom: 0, reason: "" });
    const [setting] = (await db.select().from(postgresSchema.settings)) as { updatedAt: number }[];
    // The SQL default (now, in epoch milliseconds) translated from SQLite's.
    expect(setting?.updatedAt).toBeGreaterThanOrEqual(now - 60_000);
    expect(setting?.updatedAt).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it("refuses a second execution for one occurrence, as SQLite does", async () => {
    const row = {
      occurrenceKey: "dup@2026-12-06T05:00:00Z",
      fingerprint: "dup",
      startsAt: "2026-12-06T05:00:00Z",
      alertname: "NginxDown",
      severity: "critical",
      state: "suppressed",
      reason: "r",
      alert: {},
      createdAt: 1,
      updatedAt: 1,
    };
    await opened.db.insert(postgresSchema.executions).values({ ...row, id: "ex_dup_1" } as never);
    await expect(
      opened.db.insert(postgresSchema.executions).values({ ...row, id: "ex_dup_2" } as never),
    ).rejects.toMatchObject({ cause: { code: "23505", constraint_name: "executions_occurrence" } });
  });
});

describe("several bridges starting against one new database", () => {
  it("migrates it once; every bridge starts", async () => {
    const database = await createTestDatabase("migrate_race");
    const bridges: OpenedPostgres[] = [];
    try {
      const started = await Promise.allSettled([1, 2, 3].map(() => openPostgres(database.url, OPTIONS)));
      for (const result of started) if (result.status === "fulfilled") bridges.push(result.value);
      expect(started.map((result) => result.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
      const [first] = bridges;
      if (!first) throw new Error("no bridge started");
      const applied = await first.sql<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`;
      // Each checked-in migration once, however many bridges ran the migrator.
      expect(applied[0]?.n).toBe(MIGRATIONS_CHECKED_IN);
    } finally {
      await Promise.all(bridges.map((bridge) => bridge.close()));
      await database.drop();
    }
  }, 60_000);

  it("says which database it could not prepare, without its password, and what to check", async () => {
    const url = "postgres://runbridge:s3cret@127.0.0.1:5432/runbridge_no_such_database";
    const failure = await openPostgres(url, OPTIONS).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).toContain("postgres://runbridge:***@127.0.0.1:5432/runbridge_no_such_database");
    expect(failure?.message).not.toContain("s3cret");
    expect(failure?.message).toContain("RUNBRIDGE_DATABASE_URL");
    expect(redactUrl("not a url")).toBe("(an unparsable URL)");
  });
});
