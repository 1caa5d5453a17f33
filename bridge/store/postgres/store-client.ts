/**
 * @module
 * The store on PostgreSQL, without writing the store twice: every query is built by drizzle's
 * SQLite builder (store code is written once, against schema.ts), and this client runs the
 * SQL it produces on PostgreSQL through drizzle's proxy driver. That works because the two
 * dialects agree on nearly all of it (quoted identifiers, ON CONFLICT, RETURNING, LIMIT); the
 * rest is handled here, in one place:
 *
 * - placeholders: SQLite's `?` become `$1, $2, …` (outside quoted text);
 * - values keep SQLite's shapes both ways, so the columns' own conversions in schema.ts work
 *   unchanged: booleans travel as 1/0, JSON as its text, bigint and numeric as JS numbers;
 *   NUL, which PostgreSQL's text cannot hold, becomes U+FFFD (withoutNul);
 * - an autoincrementing key is given `default` where SQLite's builder writes `null`, and an
 *   ON CONFLICT target names bare columns;
 * - SQLite's `unixepoch()` exists on the server (a function created by migration 0001).
 *
 * A query inside a transaction runs on the connection that transaction holds (transaction.ts
 * keeps it in AsyncLocalStorage); any other query takes a connection from the pool.
 */
import { is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { drizzle } from "drizzle-orm/sqlite-proxy";
import type postgres from "postgres";
import type { Db } from "../database.js";
import { registerPostgres } from "../engine.js";
import * as schema from "../schema.js";
import { postgresConnectionFor } from "../transaction.js";
import { jsonWithoutNul, withoutNul } from "./text.js";

/** postgres.js type handlers that keep SQLite's value shapes (see the module comment). */
export const SQLITE_SHAPED_TYPES: Record<string, postgres.PostgresType> = {
  sqliteText: {
    to: 25,
    from: [25, 1043],
    serialize: (value: unknown) => withoutNul(String(value)),
    parse: (value: string) => value,
  },
  sqliteBoolean: {
    to: 16,
    from: [16],
    serialize: (value: unknown) => (value === true || value === 1 || value === "1" ? "t" : "f"),
    parse: (value: string) => (value === "t" ? 1 : 0),
  },
  sqliteJson: {
    to: 3802,
    from: [114, 3802],
    serialize: (value: unknown) => jsonWithoutNul(typeof value === "string" ? value : JSON.stringify(value)),
    parse: (value: string) => value,
  },
  sqliteInteger: {
    to: 20,
    from: [20, 1700],
    serialize: (value: unknown) => String(value),
    parse: (value: string) => Number(value),
  },
};

/** Tables whose key SQLite numbers by itself (INTEGER PRIMARY KEY AUTOINCREMENT). */
const AUTOINCREMENTED = new Set(
  (Object.values(schema) as unknown[])
    .filter((value): value is SQLiteTable => is(value, SQLiteTable))
    .filter((table) =>
      getTableConfig(table).columns.some(
        (column) => column.primary && column.name === "id" && column.columnType === "SQLiteInteger",
      ),
    )
    .map((table) => getTableConfig(table).name),
);

const translated = new Map<string, string>();
const TRANSLATION_CACHE_LIMIT = 2_000;

/** SQLite's SQL as PostgreSQL takes it (see the module comment); cached per statement text. */
export function toPostgresSql(text: string): string {
  const cached = translated.get(text);
  if (cached !== undefined) return cached;
  let out = "";
  let index = 0;
  let quote: string | undefined;
  for (const char of text) {
    if (quote) {
      if (char === quote) quote = undefined;
      out += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      out += char;
    } else if (char === "?") {
      index += 1;
      out += `$${index}`;
    } else {
      out += char;
    }
  }
  // SQLite's builder names the conflict target's columns with their table; PostgreSQL takes
  // bare column names there.
  out = out.replace(
    / on conflict \(([^)]*)\)/,
    (_, columns: string) => ` on conflict (${columns.replace(/"\w+"\./g, "")})`,
  );
  const insert = /^insert into "(\w+)" \("id",/.exec(out);
  if (insert?.[1] && AUTOINCREMENTED.has(insert[1])) {
    // drizzle's SQLite builder writes a missing autoincrement key as null, which SQLite
    // numbers; PostgreSQL's identity column wants `default`. Every row tuple starts with it.
    out = out.replace(/(\bvalues |\), )\(null, /g, "$1(default, ");
  }
  if (translated.size >= TRANSLATION_CACHE_LIMIT) translated.clear();
  translated.set(text, out);
  return out;
}

/** A store handle (`Db`) whose queries run on this PostgreSQL pool. */
export function createPostgresStoreDb(pool: postgres.Sql): Db {
  const db = drizzle(
    async (text, params, method) => {
      const connection = postgresConnectionFor(pool) ?? pool;
      const query = connection.unsafe(toPostgresSql(text), params as postgres.ParameterOrJSON<never>[], {
        prepare: true,
      });
      if (method === "run") {
        const result = await query;
        // In place of better-sqlite3's RunResult.changes (engine.ts changesOf).
        return { rows: [], changes: result.count };
      }
      const rows = await query.values();
      return { rows: method === "get" ? (rows[0] as unknown as unknown[]) : rows };
    },
    { schema },
  );
  registerPostgres(db as unknown as Db, pool);
  return db as unknown as Db;
}
