// Upgrading a database from before verified outcomes (migrations 0000–0003): runs that had
// `succeeded`, then final, become due for their outcome check at once, so the outcome watcher
// judges each of them (with an audit event) instead of leaving them watched forever.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "./database.js";

const MIGRATIONS = fileURLToPath(new URL("./migrations", import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "runbridge-migrations-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A database as the bridge left it before 0004_verified_outcome. */
function databaseBefore(tag: string, file: string): void {
  const older = join(dir, "older-migrations");
  cpSync(MIGRATIONS, older, { recursive: true });
  const journalFile = join(older, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalFile, "utf8")) as { entries: { tag: string }[] };
  const upTo = journal.entries.findIndex((entry) => entry.tag === tag);
  journal.entries = journal.entries.slice(0, upTo);
  writeFileSync(journalFile, JSON.stringify(journal));
  const sqlite = new Database(file);
  migrate(drizzle(sqlite), { migrationsFolder: older });
  const insert = sqlite.prepare(`INSERT INTO executions
    (id, occurrence_key, fingerprint, starts_at, alertname, severity, runbook, state, reason, alert, created_at, updated_at, finished_at)
    VALUES (?, ?, 'f1', '2025-06-02T11:00:00Z', 'NginxDown', 'critical', 'nginx-down', ?, 'done', '{}', 1000, 2000, ?)`);
  insert.run("ex_succeeded", "f1@a", "succeeded", 1500);
  insert.run("ex_failed", "f1@b", "failed", 1600);
  sqlite.close();
}

describe("migration 0004_verified_outcome", () => {
  it("makes runs that succeeded before it due for their outcome check, and leaves the rest alone", () => {
    const file = join(dir, "runbridge.db");
    databaseBefore("0004_verified_outcome", file);
    const opened = openDatabase(file);
    try {
      const rows = opened.sqlite
        .prepare("SELECT id, state, verify_by, cleared_at, relapse_of FROM executions ORDER BY id")
        .all();
      expect(rows).toEqual([
        { id: "ex_failed", state: "failed", verify_by: null, cleared_at: null, relapse_of: null },
        { id: "ex_succeeded", state: "succeeded", verify_by: 1500, cleared_at: null, relapse_of: null },
      ]);
    } finally {
      opened.close();
    }
  });
});
