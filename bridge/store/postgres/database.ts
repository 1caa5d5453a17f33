/**
 * @module
 * Opens the PostgreSQL store: a connection pool (postgres.js) and drizzle over it, with the
 * migrations in ./migrations applied at start. Several bridges start against one database
 * at once; drizzle's migrator runs every pending migration in one transaction, and an
 * advisory lock around it makes the others wait and then find nothing to do, instead of
 * racing to create the same tables.
 *
 * Why postgres.js rather than node-postgres: it pipelines queries on a connection and
 * prepares each statement once per connection by itself, which is what a decision's dozen
 * small queries need, and its LISTEN reconnects and re-subscribes on its own.
 */

import { fileURLToPath } from "node:url";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { bridgeFile } from "../../bridge-files.js";
import type { Db } from "../database.js";
import * as schema from "./schema.js";
import { createPostgresStoreDb, SQLITE_SHAPED_TYPES } from "./store-client.js";

export type PostgresDb = PostgresJsDatabase<typeof schema> & { $client: postgres.Sql };

export interface PostgresOptions {
  /** Connections in this bridge's pool. */
  poolSize: number;
  /** PostgreSQL's statement_timeout for every statement of this bridge, in milliseconds. */
  statementTimeoutMs: number;
}

export interface OpenedPostgres {
  db: PostgresDb;
  sql: postgres.Sql;
  close(): Promise<void>;
}

const MIGRATIONS = fileURLToPath(bridgeFile("store/postgres/migrations"));

/** Any fixed number: the key of the advisory lock that serializes migrations across bridges. */
const MIGRATION_LOCK = 0x52_42_4d_47; // "RBMG"

function clientOptions(options: PostgresOptions): postgres.Options<Record<string, never>> {
  return {
    max: options.poolSize,
    // Server-side, so a statement stuck behind a lock is cancelled by PostgreSQL itself.
    connection: {
      statement_timeout: options.statementTimeoutMs,
      application_name: "runbridge",
      // Prepared statements keep one generic plan (planner-statistics.ts keeps it from being
      // planned on empty tables). PostgreSQL's default planned most of them again on every run:
      // a generic plan's estimate for `committed_at > $1` is a third of the table, so a custom
      // plan always looked cheaper. pg_stat_statements showed a lone decision's guard read
      // planned 985 times in 985 runs, 0.67 ms of planning for a 0.03 ms read; forcing the
      // generic plan took p50 at 700 alerts/s over three bridges from 30-38 ms to 18-22 ms.
      plan_cache_mode: "force_generic_plan",
      // No JIT: the store's statements are small and run thousands of times a second. A batch's
      // merged read (statement-batch.ts) is estimated for the hundred rows PostgreSQL guesses a
      // JSON array holds, above jit_above_cost, and compiling it with LLVM took ~50–100 ms of the
      // server's CPU on every run (seen with auto_explain), for a statement that runs in ~1 ms.
      jit: "off",
    },
    // NOTICEs (e.g. "relation already exists, skipping") are not the bridge's to print.
    onnotice: () => {},
  };
}

export async function openPostgres(url: string, options: PostgresOptions): Promise<OpenedPostgres> {
  await migrateOrExplain(url, options);
  const sql = postgres(url, clientOptions(options));
  const db = drizzle(sql, { schema });
  return {
    db,
    sql,
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}

export interface OpenedPostgresStore {
  /** The store's handle: the bridge's one set of queries, run on this database. */
  db: Db;
  /** The pool underneath (LISTEN/NOTIFY, tests). */
  sql: postgres.Sql;
  url: string;
  close(): Promise<void>;
}

/**
 * The bridge's store on PostgreSQL: migrated like openPostgres, with a pool whose values keep
 * SQLite's shapes (store-client.ts), so every store function runs on it unchanged.
 */
export async function openPostgresStore(url: string, options: PostgresOptions): Promise<OpenedPostgresStore> {
  await migrateOrExplain(url, options);
  const sql = postgres(url, { ...clientOptions(options), types: SQLITE_SHAPED_TYPES });
  return {
    db: createPostgresStoreDb(sql),
    sql,
    url,
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}

/** Migrates, or says what to check: the URL (without its password), the server, the user's rights. */
async function migrateOrExplain(url: string, options: PostgresOptions): Promise<void> {
  try {
    await migrateSerialized(url, options);
  } catch (error) {
    throw new Error(
      `cannot prepare the PostgreSQL database at ${redactUrl(url)}: ${(error as Error).message}. Check RUNBRIDGE_DATABASE_URL, that the server is up, and that this user may create tables in it.`,
      { cause: error },
    );
  }
}

/**
 * Runs drizzle's migrator while holding a session advisory lock, on a client of its own with
 * one connection (a session lock belongs to a connection): a second bridge starting at the
 * same moment waits here, then finds every migration recorded and applies nothing.
 */
async function migrateSerialized(url: string, options: PostgresOptions): Promise<void> {
  const single = postgres(url, { ...clientOptions(options), max: 1 });
  try {
    await single`SELECT pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      await migrate(drizzle(single), { migrationsFolder: MIGRATIONS });
    } finally {
      await single`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    await single.end({ timeout: 5 });
  }
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an unparsable URL)";
  }
}
