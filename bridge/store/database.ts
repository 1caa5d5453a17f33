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
import { bridgeFile } from "../bridge-files.js";
import * as schema from "./schema.js";

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export interface OpenedDatabase {
  db: Db;
  sqlite: Database.Database;
  file: string;
  close(): void;
}

const MIGRATIONS = fileURLToPath(bridgeFile("store/migrations"));

export function openDatabase(file: string): OpenedDatabase {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  // NORMAL in WAL mode is durable against process crashes (kill -9); only an OS crash
  // can lose the last transactions, which Alertmanager would then deliver again.
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
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
