/**
 * @module
 * One transaction helper for the whole store. It runs on the connection itself
 * (better-sqlite3's transaction, with savepoints when nested), so code inside keeps
 * using the root database object — and with it the prepared statements of hot-path.ts.
 */
import type { Db } from "./database.js";

export function inTransaction<T>(db: Db, work: (db: Db) => T): T {
  return db.$client.transaction(() => work(db))();
}
