// Background work against another connection's write lock: a real SQLite file, the lock held
// by a second connection on a worker thread.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDatabase } from "../../test/fixtures/store/temp-database.js";
import { holdWriteLock, type WriteLockHolder } from "../../test/fixtures/store/write-lock-holder.js";
import { asBackgroundWork, BACKGROUND_BUSY_TIMEOUT_MS, isBackgroundWork } from "./background-work.js";
import { BUSY_TIMEOUT_MS } from "./database.js";
import { inTransaction, writing } from "./transaction.js";

let db: ReturnType<typeof tempDatabase>;
const holders: WriteLockHolder[] = [];
beforeEach(() => {
  db = tempDatabase();
});
afterEach(async () => {
  await Promise.all(holders.splice(0).map((holder) => holder.stop()));
  db.remove();
});

const put = (key: string) =>
  db.sqlite.prepare("INSERT INTO settings (key, value, updated_at) VALUES (?, 'x', 0)").run(key);
const keys = () =>
  (db.sqlite.prepare("SELECT key FROM settings ORDER BY key").all() as { key: string }[]).map(
    (row) => row.key,
  );
const busyTimeout = () => db.sqlite.pragma("busy_timeout", { simple: true });

describe("background work", () => {
  it("is inherited by what it schedules, and by nothing else", async () => {
    expect(isBackgroundWork()).toBe(false);
    const seen = await asBackgroundWork(
      () => new Promise<boolean>((resolve) => setTimeout(() => resolve(isBackgroundWork()), 1)),
    );
    expect(seen).toBe(true);
    expect(isBackgroundWork()).toBe(false);
  });

  it("writes with the short busy timeout, and gives the connection its own back however the work ends", async () => {
    const inside: unknown[] = [];
    await asBackgroundWork(() =>
      inTransaction(db.db, () => {
        inside.push(busyTimeout());
        put("a");
      }),
    );
    await expect(
      asBackgroundWork(() =>
        writing(db.db, () => {
          inside.push(busyTimeout());
          throw new Error("the write failed");
        }),
      ),
    ).rejects.toThrow("the write failed");
    await inTransaction(db.db, () => {
      inside.push(busyTimeout());
    });
    expect(inside).toEqual([BACKGROUND_BUSY_TIMEOUT_MS, BACKGROUND_BUSY_TIMEOUT_MS, BUSY_TIMEOUT_MS]);
    expect(busyTimeout()).toBe(BUSY_TIMEOUT_MS);
  });

  it("gives up soon on another connection's lock, where a delivery's write waits it out", async () => {
    const holder = await holdWriteLock(db.file, 1_500);
    holders.push(holder);
    let backgroundGaveUpAfter = Number.POSITIVE_INFINITY;
    const background = asBackgroundWork(() =>
      inTransaction(db.db, () => {
        const startedAt = performance.now();
        try {
          put("background");
        } finally {
          // Here, not after the await: the delivery's wait, next in line, blocks the thread too.
          backgroundGaveUpAfter = performance.now() - startedAt;
        }
      }),
    );
    // Queued behind the background transaction, the way a delivery's commit queues behind a claim.
    const delivery = writing(db.db, () => put("delivery"));
    await expect(background).rejects.toMatchObject({ code: "SQLITE_BUSY" });
    await delivery;
    await holder.released;
    // The background write waited 50 ms; the lock was held for 1.5 s and the delivery waited
    // for it. The bound leaves a slow machine plenty of room while telling the two apart.
    expect(backgroundGaveUpAfter).toBeLessThan(1_000);
    expect(keys()).toEqual(["delivery"]);
    expect(busyTimeout()).toBe(BUSY_TIMEOUT_MS);
  });
});
