import { statSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type TempDatabase, tempDatabase } from "../../test/fixtures/store/temp-database.js";
import { type Checkpointer, startCheckpointer } from "./checkpointer.js";

let database: TempDatabase;
let checkpointer: Checkpointer;

afterEach(async () => {
  await checkpointer.stop();
  database.remove();
});

function walBytes(): number {
  return statSync(`${database.file}-wal`, { throwIfNoEntry: false })?.size ?? 0;
}

function write(rows: number): void {
  const insert = database.sqlite.prepare(
    "INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?, ?, ?)",
  );
  for (let i = 0; i < rows; i++) insert.run(`checkpointer-test-${i}`, "x".repeat(2_000), Date.now());
}

describe("WAL checkpointer", () => {
  it("runs its worker only while the bridge writes, and empties the WAL when writes stop", async () => {
    database = tempDatabase();
    checkpointer = startCheckpointer(database.sqlite, database.file, {
      intervalMs: 40,
      idleStopMs: 300,
      walStartBytes: 100_000,
    });
    // Migrations ran before it started: an idle bridge has no worker thread.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(checkpointer.running()).toBe(false);

    write(200);
    expect(walBytes()).toBeGreaterThan(100_000);
    await vi.waitFor(() => expect(checkpointer.running()).toBe(true), { timeout: 2_000, interval: 20 });

    // No write for idleStopMs: the worker stops after a TRUNCATE checkpoint.
    await vi.waitFor(() => expect(checkpointer.running()).toBe(false), { timeout: 3_000, interval: 20 });
    await vi.waitFor(() => expect(walBytes()).toBe(0), { timeout: 2_000, interval: 20 });
    // The rows are in the database file itself.
    expect(
      database.sqlite
        .prepare("SELECT count(*) FROM settings WHERE key LIKE 'checkpointer-test-%'")
        .pluck()
        .get(),
    ).toBe(200);

    // A small write leaves a small WAL, not worth a thread; enough writes start it again.
    write(1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(checkpointer.running()).toBe(false);
    write(200);
    await vi.waitFor(() => expect(checkpointer.running()).toBe(true), { timeout: 2_000, interval: 20 });
  });

  it("stops cleanly while its worker runs", async () => {
    database = tempDatabase();
    checkpointer = startCheckpointer(database.sqlite, database.file, {
      intervalMs: 40,
      idleStopMs: 60_000,
      walStartBytes: 1,
    });
    write(50);
    await vi.waitFor(() => expect(checkpointer.running()).toBe(true), { timeout: 2_000, interval: 20 });
    await checkpointer.stop();
    expect(checkpointer.running()).toBe(false);
    expect(walBytes()).toBe(0);
  });
});
