/**
 * @module
 * Which engine is behind a store handle, for the few places where the engines differ: how a
 * transaction holds its connection (transaction.ts), the SQLite-only prepared hot path
 * (hot-path.ts), and raw statements (raw.ts). Everything else is written once.
 */
import type Database from "better-sqlite3";
import type postgres from "postgres";
import type { Db, SqliteDb } from "./database.js";

export type Engine = { kind: "sqlite"; client: Database.Database } | { kind: "postgres"; sql: postgres.Sql };

const engines = new WeakMap<object, Engine>();

/** Marks a handle made by postgres/store-client.ts as running on PostgreSQL. */
export function registerPostgres(db: Db, sql: postgres.Sql): void {
  engines.set(db, { kind: "postgres", sql });
}

export function engineOf(db: Db): Engine {
  let engine = engines.get(db);
  if (!engine) {
    // Every handle not registered as PostgreSQL is openDatabase()'s, on better-sqlite3.
    engine = { kind: "sqlite", client: (db as SqliteDb).$client };
    engines.set(db, engine);
  }
  return engine;
}

/** The better-sqlite3 connection, or undefined on PostgreSQL. */
export function sqliteClientOf(db: Db): Database.Database | undefined {
  const engine = engineOf(db);
  return engine.kind === "sqlite" ? engine.client : undefined;
}

export function isPostgres(db: Db): boolean {
  return engineOf(db).kind === "postgres";
}

/**
 * Rows changed by a `.run()`: better-sqlite3's RunResult, or what the PostgreSQL client
 * reports in its place (postgres/store-client.ts).
 */
export function changesOf(result: unknown): number {
  return (result as { changes?: number }).changes ?? 0;
}

/**
 * The SQLite connection, for what exists on SQLite alone so far (retention's batches walk
 * SQLite's rowid); on PostgreSQL an error that names what is missing.
 */
export function requireSqlite(db: Db, what: string): Database.Database {
  const client = sqliteClientOf(db);
  if (!client) throw new Error(`${what} does not run on PostgreSQL yet; use the SQLite store for it`);
  return client;
}
