/**
 * @module
 * Whether the database can take writes, as the writes themselves find out. A full disk
 * (SQLITE_FULL), an I/O error or a file turned read-only fail every write while reads —
 * and a write that allocates nothing — still succeed, so /readyz must not rely on a probe
 * that cannot fail. Every write path reports its storage errors here; readiness turns 503
 * with the reason until a write succeeds again, which happens by itself once space returns.
 *
 * @example
 *   try { decide(); storage.succeeded(); } catch (error) { if (storage.failed(error, now)) answer503(); }
 */
import { eq, sql } from "drizzle-orm";
import type { Db } from "./database.js";
import { sqliteClientOf } from "./engine.js";
import { rawRun } from "./raw.js";
import { settings } from "./schema.js";
import { writing } from "./transaction.js";

/** SQLite result codes that mean the storage refuses writes (extended codes share the prefix). */
export const STORAGE_ERROR_CODES = [
  "SQLITE_FULL",
  "SQLITE_IOERR",
  "SQLITE_READONLY",
  "SQLITE_CANTOPEN",
] as const;
export type StorageErrorCode = (typeof STORAGE_ERROR_CODES)[number];

/** The storage error an error is, or undefined for any other error (a constraint, a bug). */
export function storageErrorCode(error: unknown): StorageErrorCode | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== "string") return undefined;
  return STORAGE_ERROR_CODES.find((prefix) => code === prefix || code.startsWith(`${prefix}_`));
}

export interface StorageProblem {
  code: StorageErrorCode;
  message: string;
  since: number;
  /** Writes refused since `since`. */
  failures: number;
}

export interface StorageHealth {
  /**
   * A write failed. Records it when it is a storage error.
   * @returns whether it was one (the caller answers 503 / backs off rather than treating it as a bug)
   */
  failed(error: unknown, now: number): boolean;
  /** A write committed: the storage takes writes again. */
  succeeded(): void;
  problem(): StorageProblem | undefined;
  /** Storage errors seen since start, by code (for the metric). */
  counts(): ReadonlyMap<StorageErrorCode, number>;
}

export function createStorageHealth(onError?: (code: StorageErrorCode) => void): StorageHealth {
  let current: StorageProblem | undefined;
  const counts = new Map<StorageErrorCode, number>();
  return {
    failed(error, now) {
      const code = storageErrorCode(error);
      if (!code) return false;
      counts.set(code, (counts.get(code) ?? 0) + 1);
      onError?.(code);
      const message = (error as Error).message;
      current = current
        ? { ...current, code, message, failures: current.failures + 1 }
        : { code, message, since: now, failures: 1 };
      return true;
    },
    succeeded() {
      current = undefined;
    },
    problem: () => current,
    counts: () => counts,
  };
}

/**
 * Commits a write that needs new space (a page-sized value), then removes it: the only way
 * to learn that a full disk has room again when nothing else is writing. Used by /readyz
 * only while a storage problem is known, so a healthy bridge never writes for it.
 * @returns the error's message, or undefined when the write committed
 */
export async function proveWritable(db: Db, now: number): Promise<string | undefined> {
  return await writing(db, async () => {
    try {
      const probe = { key: "storage_probe", value: "x".repeat(8_192), updatedAt: now };
      await db.insert(settings).values(probe).onConflictDoUpdate({ target: settings.key, set: probe }).run();
      await db.delete(settings).where(eq(settings.key, "storage_probe")).run();
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  });
}

/** Why the database cannot take writes right now, or undefined when it can (for /readyz). */
export function writableProblem(db: Db): Promise<string | undefined> {
  // Through the connection's queue: BEGIN fails inside another caller's open transaction.
  return writing(db, () => writableNow(db));
}

async function writableNow(db: Db): Promise<string | undefined> {
  const client = sqliteClientOf(db);
  if (!client) {
    // A server that takes no writes (a standby, a read-only transaction default) refuses a
    // write statement even when it changes no row.
    try {
      await rawRun(db, sql`DELETE FROM settings WHERE 1 = 0`);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }
  try {
    // BEGIN IMMEDIATE takes the write lock, but succeeds on a read-only connection too
    // (a write-protected file is opened read-only without an error): only a write
    // statement proves the file takes writes. It changes no row and is rolled back.
    client.exec("BEGIN IMMEDIATE");
    try {
      client.exec("DELETE FROM settings WHERE 0");
    } finally {
      client.exec("ROLLBACK");
    }
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
