import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type TempDatabase, tempDatabase } from "../../test/fixtures/store/temp-database.js";
import { holdWriteLock } from "../../test/fixtures/store/write-lock-holder.js";
import { appendAudit } from "./audit.js";
import { createGroupCommit } from "./group-commit.js";
import { inTransaction } from "./transaction.js";

describe("group commit", () => {
  let db: TempDatabase;
  beforeEach(() => {
    db = tempDatabase();
  });
  afterEach(() => db.remove());

  const write = (message: string) => async () =>
    await inTransaction(
      db.db,
      async (tx) => (await appendAudit(tx, { at: 1, kind: "kill_switch", message })).id,
    );

  it("answers every delivery that arrived together once their batch committed", async () => {
    const commits = createGroupCommit(db.db);
    const answers = await Promise.all([
      commits.run(write("a")),
      commits.run(write("b")),
      commits.run(write("c")),
    ]);
    expect(answers).toHaveLength(3);
    expect(new Set(answers).size).toBe(3);
    expect(db.count("audit_events")).toBe(3);
  });

  it("rolls back only the delivery that failed; the others commit", async () => {
    const commits = createGroupCommit(db.db);
    const failing = async () =>
      await inTransaction(db.db, async (tx) => {
        await appendAudit(tx, { at: 1, kind: "kill_switch", message: "half-written" });
        throw new Error("this delivery is broken");
      });
    const results = await Promise.allSettled([
      commits.run(write("a")),
      commits.run(failing),
      commits.run(write("c")),
    ]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(db.count("audit_events")).toBe(2);
    expect(db.count("audit_events", "message = 'half-written'")).toBe(0);
  });

  it("rejects every delivery of the batch when the commit itself cannot happen", async () => {
    const commits = createGroupCommit(db.db);
    const pending = [commits.run(write("a")), commits.run(write("b"))];
    db.close();
    const results = await Promise.allSettled(pending);
    expect(results.every((result) => result.status === "rejected")).toBe(true);
  });

  it("fails the whole batch with the cause when SQLite undid the transaction (a full disk), writing nothing", async () => {
    const commits = createGroupCommit(db.db);
    const pages = db.sqlite.pragma("page_count", { simple: true }) as number;
    db.sqlite.pragma(`max_page_count = ${pages + 2}`);
    // A plain INSERT (no RETURNING): SQLite undoes the whole transaction when it finds the disk
    // full there; an INSERT … RETURNING, like appendAudit's, fails alone (the next test).
    const big = (message: string) => async () =>
      await inTransaction(db.db, async () =>
        db.sqlite
          .prepare("INSERT INTO audit_events (at, kind, message) VALUES (1, 'kill_switch', ?)")
          .run(message.repeat(20_000)),
      );
    const results = await Promise.allSettled([
      commits.run(write("a")),
      commits.run(big("x")),
      commits.run(write("c")),
    ]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected", "rejected"]);
    for (const result of results) {
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: "SQLITE_FULL" });
    }
    db.sqlite.pragma("max_page_count = 1073741823");
    // "c" never ran outside the transaction that SQLite had undone.
    expect(db.count("audit_events")).toBe(0);
  });

  it("when only the delivery's own statement fails on a full disk, the others of the batch commit", async () => {
    const commits = createGroupCommit(db.db);
    const pages = db.sqlite.pragma("page_count", { simple: true }) as number;
    db.sqlite.pragma(`max_page_count = ${pages + 2}`);
    const big = async () =>
      await inTransaction(
        db.db,
        async (tx) => (await appendAudit(tx, { at: 1, kind: "kill_switch", message: "x".repeat(20_000) })).id,
      );
    const results = await Promise.allSettled([
      commits.run(write("a")),
      commits.run(big),
      commits.run(write("c")),
    ]);
    db.sqlite.pragma("max_page_count = 1073741823");
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: "SQLITE_FULL" });
    // What was answered is what was written: "a" and "c", not the one that failed.
    expect(db.count("audit_events")).toBe(2);
  });

  it("fails the whole batch at once when another process holds the write lock: one busy wait, not one per delivery", async () => {
    const commits = createGroupCommit(db.db);
    // Shorter than the bridge's 5 s, so the test is quick; the rule is the same.
    db.sqlite.pragma("busy_timeout = 200");
    const holder = await holdWriteLock(db.file, 3_000);
    try {
      let attempts = 0;
      const attempting = (message: string) => () => {
        attempts += 1;
        return write(message)();
      };
      const results = await Promise.allSettled(["a", "b", "c", "d"].map((m) => commits.run(attempting(m))));
      expect(results.map((result) => result.status)).toEqual([
        "rejected",
        "rejected",
        "rejected",
        "rejected",
      ]);
      for (const result of results) {
        expect((result as PromiseRejectedResult).reason).toMatchObject({ code: "SQLITE_BUSY" });
      }
      // Only the first delivery waited for the lock; the others were not tried.
      expect(attempts).toBe(1);
      await holder.released;
      expect(db.count("audit_events")).toBe(0);
      expect(await commits.run(write("after"))).toBeTypeOf("number");
    } finally {
      await holder.stop();
    }
  });

  it("splits a burst larger than the batch size into several commits, all answered", async () => {
    const commits = createGroupCommit(db.db, 4);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, index) => commits.run(write(`m${index}`))),
    );
    expect(answers).toHaveLength(10);
    expect(db.count("audit_events")).toBe(10);
  });
});
