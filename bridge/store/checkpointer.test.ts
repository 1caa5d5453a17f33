import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from "node:fs";
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

/** What the checkpointer reported through onError, per test. */
let errors: string[] = [];

/** A worker from the first write, passes every 10 ms, and restarts once `restartBytes` are in use. */
function startRestartingCheckpointer(
  restartBytes: number,
  readAhead: { readAheadBytes?: number; readAheadMs?: number } = {},
): Checkpointer {
  errors = [];
  return startCheckpointer(database.sqlite, database.file, {
    intervalMs: 10,
    idleStopMs: 60_000,
    walStartBytes: 1,
    restartBytes,
    tailFrames: 64,
    ...readAhead,
    onError: (message) => errors.push(message),
  });
}

/**
 * This process's read-only descriptors of the database file: the checkpointer's. SQLite opens
 * the file read-write, for the bridge's connection and for the worker's.
 */
function readOnlyDescriptorsOfDatabase(): number {
  const file = realpathSync(database.file);
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) !== file) return false;
      const flags = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))?.[1];
      return flags !== undefined && (Number.parseInt(flags, 8) & 0o3) === 0;
    } catch {
      return false;
    }
  }).length;
}

function write(rows: number): void {
  const insert = database.sqlite.prepare(
    "INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?, ?, ?)",
  );
  for (let i = 0; i < rows; i++) insert.run(`checkpointer-test-${i}`, "x".repeat(2_000), Date.now());
}

/**
 * A steady writer: five commits of ~3 KB rows (two WAL frames each), then `pause` lets the event
 * loop turn, as between requests at 1,000 decisions/s. `commits` counts what it wrote.
 */
function steadyWriter(prefix: string, pause: () => Promise<unknown>) {
  const insert = database.sqlite.prepare(
    "INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?, ?, ?)",
  );
  const writer = {
    frameBytes: (database.sqlite.pragma("page_size", { simple: true }) as number) + 24,
    commits: 0,
    async writeForOneTurn() {
      for (let i = 0; i < 5; i++)
        insert.run(`${prefix}-${writer.commits++ % 50}`, "y".repeat(3_000), Date.now());
      await pause();
    },
  };
  return writer;
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

  it("keeps the WAL bounded under a steady stream of writes: the tail is checkpointed between transactions and the WAL starts again", async () => {
    database = tempDatabase();
    checkpointer = startRestartingCheckpointer(256 * 1024);
    // Commits between every turn of the event loop, as at 1,000 decisions/s: a PASSIVE
    // checkpoint alone never finds a moment with every frame copied, and the WAL grows
    // by the whole volume written (measured without the RESTART: the -wal file ends as
    // large as what was written).
    const writer = steadyWriter("steady", () => new Promise((resolve) => setImmediate(resolve)));
    const { frameBytes, writeForOneTurn } = writer;
    // Until the first restart: the worker thread has to start first, slower on a busy machine.
    const started = Date.now();
    while (checkpointer.restarts() === 0 && Date.now() - started < 15_000) await writeForOneTurn();
    expect(checkpointer.restarts()).toBeGreaterThan(0);

    // Then a second of the same: an unbounded WAL would grow by all of it.
    const sizeBefore = walBytes();
    const restartsBefore = checkpointer.restarts();
    const commitsBefore = writer.commits;
    const second = Date.now();
    while (Date.now() - second < 1_000) await writeForOneTurn();
    const written = (writer.commits - commitsBefore) * 2 * frameBytes;
    expect(written).toBeGreaterThan(8 * 2 ** 20);
    expect(walBytes() - sizeBefore).toBeLessThan(written / 2);
    expect(checkpointer.restarts()).toBeGreaterThan(restartsBefore);
    expect(
      database.sqlite.prepare("SELECT count(*) FROM settings WHERE key LIKE 'steady-%'").pluck().get(),
    ).toBe(50);
    // Each restart was asked for after the worker synced the database file, without an error.
    expect(errors).toEqual([]);
  });

  it("reads the -wal file just ahead of the writer, where it is (the wal-index header's mxFrame), about as much as is written", async () => {
    database = tempDatabase();
    checkpointer = startRestartingCheckpointer(512 * 1024, { readAheadBytes: 64 * 1024, readAheadMs: 5 });
    const writer = steadyWriter("ahead", () => new Promise((resolve) => setTimeout(resolve, 1)));
    const { frameBytes, writeForOneTurn } = writer;
    const started = Date.now();
    while (checkpointer.restarts() === 0 && Date.now() - started < 15_000) await writeForOneTurn();
    expect(checkpointer.restarts()).toBeGreaterThan(0);

    const readBefore = checkpointer.readAheadBytes();
    const commitsBefore = writer.commits;
    const second = Date.now();
    while (Date.now() - second < 1_000) await writeForOneTurn();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the worker's next report
    const written = (writer.commits - commitsBefore) * 2 * frameBytes;
    const read = checkpointer.readAheadBytes() - readBefore;
    // Each block once as the writer nears it, and the WAL's beginning once per restart: at a
    // wrong offset (past the end of the file) it would read next to nothing; reading the
    // whole file every time, many times what was written.
    expect(read).toBeGreaterThan(written / 4);
    expect(read).toBeLessThan(written * 2 + 64 * 1024 * 40);
    expect(errors).toEqual([]);
  });

  it("syncs the database file through one descriptor that stop() leaves open: closing it would drop SQLite's locks", async () => {
    database = tempDatabase();
    expect(readOnlyDescriptorsOfDatabase()).toBe(0);
    checkpointer = startRestartingCheckpointer(64 * 1024);
    write(50);
    await vi.waitFor(() => expect(checkpointer.running()).toBe(true), { timeout: 2_000, interval: 20 });
    expect(readOnlyDescriptorsOfDatabase()).toBe(1);
    await checkpointer.stop();
    expect(readOnlyDescriptorsOfDatabase()).toBe(1);
    // A checkpointer started again on the same file syncs through the same descriptor.
    checkpointer = startRestartingCheckpointer(64 * 1024);
    write(50);
    await vi.waitFor(() => expect(checkpointer.running()).toBe(true), { timeout: 2_000, interval: 20 });
    await vi.waitFor(() => expect(checkpointer.restarts()).toBeGreaterThan(0), {
      timeout: 3_000,
      interval: 20,
    });
    expect(readOnlyDescriptorsOfDatabase()).toBe(1);
    expect(errors).toEqual([]);
  });

  it("skips a restart without waiting while another connection reads, and keeps the data", async () => {
    database = tempDatabase();
    checkpointer = startRestartingCheckpointer(64 * 1024);
    const Database = (await import("better-sqlite3")).default;
    const reader = new Database(database.file, { readonly: true });
    try {
      // A read transaction held open elsewhere (a report from the CLI, say).
      reader.exec("BEGIN");
      reader.prepare("SELECT count(*) FROM settings").get();
      const started = Date.now();
      let slowest = 0;
      while (Date.now() - started < 500) {
        const before = performance.now();
        write(20);
        slowest = Math.max(slowest, performance.now() - before);
        await new Promise((resolve) => setImmediate(resolve));
      }
      // The main thread never slept in SQLite's busy handler on the reader's account.
      expect(slowest).toBeLessThan(1_000);
      expect(checkpointer.restarts()).toBe(0);
      reader.exec("COMMIT");
      await vi.waitFor(() => expect(checkpointer.restarts()).toBeGreaterThan(0), {
        timeout: 3_000,
        interval: 20,
      });
    } finally {
      reader.close();
    }
  });
});
