/**
 * @module
 * Statements written as SQL text (drizzle's `sql` template) rather than with the builder:
 * the scorecard's window queries, retention's batches, the invariant checks. Rows come back
 * as objects keyed by the names the SELECT gives them, on either engine; a camelCase name
 * must be double-quoted (`AS "committedAt"`), or PostgreSQL folds it to lower case.
 */
import type { SQL } from "drizzle-orm";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import type { Db, SqliteDb } from "./database.js";
import { changesOf, engineOf } from "./engine.js";
import { toPostgresSql } from "./postgres/store-client.js";
import { postgresConnectionFor } from "./transaction.js";

const dialect = new SQLiteSyncDialect();

async function onPostgres(db: Db, query: SQL) {
  const engine = engineOf(db);
  if (engine.kind !== "postgres") throw new Error("not a PostgreSQL store");
  const { sql: text, params } = dialect.sqlToQuery(query);
  const connection = postgresConnectionFor(engine.sql) ?? engine.sql;
  return await connection.unsafe(toPostgresSql(text), params as never[], { prepare: true });
}

/** Every row of a query, as objects. */
export async function rawRows<T>(db: Db, query: SQL): Promise<T[]> {
  if (engineOf(db).kind === "sqlite") return (db as SqliteDb).all<T>(query);
  return [...(await onPostgres(db, query))] as T[];
}

/** The first row of a query, or undefined. */
export async function rawRow<T>(db: Db, query: SQL): Promise<T | undefined> {
  if (engineOf(db).kind === "sqlite") return (db as SqliteDb).get<T>(query);
  return (await onPostgres(db, query))[0] as T | undefined;
}

/** Runs a statement; how many rows it changed. */
export async function rawRun(db: Db, query: SQL): Promise<number> {
  if (engineOf(db).kind === "sqlite") return changesOf((db as SqliteDb).run(query));
  return (await onPostgres(db, query)).count;
}
