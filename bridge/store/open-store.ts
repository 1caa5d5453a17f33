/**
 * @module
 * Opens the store the configuration names: the embedded SQLite file by default, PostgreSQL
 * when RUNBRIDGE_DATABASE_URL is set (several bridges may share it). Either is migrated
 * before the bridge takes its first request.
 */
import type Database from "better-sqlite3";
import type { DatabaseConfig } from "../config.js";
import { type Db, openDatabase } from "./database.js";
import { openPostgresStore, redactUrl } from "./postgres/database.js";

export interface OpenedStore {
  db: Db;
  engine: "sqlite" | "postgres";
  /** Where the data is, for logs: the file, or the URL without its password. */
  where: string;
  /** The SQLite connection (its WAL checkpointer needs it); undefined on PostgreSQL. */
  sqlite?: Database.Database;
  close(): Promise<void>;
}

export async function openStore(config: { dbFile: string; database?: DatabaseConfig }): Promise<OpenedStore> {
  if (config.database) {
    const { url, poolSize, statementTimeoutMs } = config.database;
    const opened = await openPostgresStore(url, { poolSize, statementTimeoutMs });
    return { db: opened.db, engine: "postgres", where: redactUrl(url), close: () => opened.close() };
  }
  const opened = openDatabase(config.dbFile);
  return {
    db: opened.db,
    engine: "sqlite",
    where: config.dbFile,
    sqlite: opened.sqlite,
    close: async () => opened.close(),
  };
}
