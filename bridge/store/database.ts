/**
 * @module
 * Opens the SQLite database: WAL, one writer, migrations applied at start. Automatic
 * WAL checkpoints are switched off on this connection, because one running inside a
 * request is what makes the latency tail; a worker thread checkpoints on its own
 * connection instead (see checkpointer.ts).
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type { SqliteRemoteResult } from "drizzle-orm/sqlite-proxy";
import { bridgeFile } from "../bridge-files.js";
import * as schema from "./schema.js";

/** The embedded SQLite file, through better-sqlite3: every statement runs synchronously. */
export type SqliteDb = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/**
 * The store's handle, whichever engine is behind it. Every query is written once, with
 * drizzle's SQLite builder: on SQLite it runs synchronously; on PostgreSQL the same SQL runs
 * through postgres/store-client.ts and each result is a promise. Store code therefore awaits
 * every result, and the types make it: a result is `T | Promise<T>` until awaited.
 */
export type Db = BaseSQLiteDatabase<"sync" | "async", Database.RunResult | SqliteRemoteResult, typeof schema>;

export interface OpenedDatabase {
  db: SqliteDb;
  sqlite: Database.Database;
  file: string;
  close(): void;
}

const MIGRATIONS = fileURLToPath(bridgeFile("store/migrations"));

/** How long a statement waits for another connection's lock before it fails with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5_000;

/** Whether `error` is SQLite's busy timeout running out: another process holds the write lock. */
export function isBusyTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

export function openDatabase(file: string): OpenedDatabase {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  // NORMAL in WAL mode is durable against process crashes (kill -9); only an OS crash
  // can lose the last transactions, which Alertmanager would then deliver again.
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("wal_autocheckpoint = 0");
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS });
  return {
    db,
    sqlite,
    file,
    close() {
      if (sqlite.open) sqlite.close();
    },
  };
}
