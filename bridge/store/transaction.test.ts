// Transactions on the one shared SQLite connection, now that the store is asynchronous: a real
// file, and work that waits between its statements (the way a second engine's work would).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDatabase } from "../../test/fixtures/store/temp-database.js";
import { isEnabled, setEnabled } from "./settings.js";
import { inTransaction, isInTransaction, writing } from "./transaction.js";

let db: ReturnType<typeof tempDatabase>;
beforeEach(() => {
  db = tempDatabase();
});
afterEach(() => db.remove());

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
const settings = () =>
  db.sqlite.prepare("SELECT key, value FROM settings ORDER BY key").all() as { key: string; value: string }[];
const put = (key: string, value: string) =>
  db.sqlite.prepare("INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 0)").run(key, value);

describe("inTransaction", () => {
  it("keeps another caller's write out of an open transaction that rolls back", async () => {
    const order: string[] = [];
    const failing = inTransaction(db.db, async () => {
      put("a", "1");
      order.push("a written");
      await tick(); // a wait between statements: other callers run meanwhile
      order.push("a fails");
      throw new Error("rolled back");
    });
    // Started while the transaction above is open; must not land inside it.
    const other = writing(db.db, () => {
      order.push("b written");
      return put("b", "2");
    });
    await expect(failing).rejects.toThrow("rolled back");
    await other;
    expect(order).toEqual(["a written", "a fails", "b written"]);
    expect(settings()).toEqual([{ key: "b", value: "2" }]);
  });

  it("runs transactions one after the other, each whole", async () => {
    const seen: string[] = [];
    await Promise.all(
      ["x", "y", "z"].map((key) =>
        inTransaction(db.db, async () => {
          put(key, "first");
          await tick();
          seen.push(key);
          db.sqlite.prepare("UPDATE settings SET value = 'second' WHERE key = ?").run(key);
        }),
      ),
    );
    expect(seen).toEqual(["x", "y", "z"]);
    expect(settings().map((row) => row.value)).toEqual(["second", "second", "second"]);
  });

  it("lets code called from a transaction's work join it (a store function with the same db), with no deadlock", async () => {
    await inTransaction(db.db, async (tx) => {
      expect(isInTransaction(tx)).toBe(true);
      await setEnabled(tx, false, 1);
      expect(await isEnabled(tx)).toBe(false);
    });
    expect(isInTransaction(db.db)).toBe(false);
    expect(await isEnabled(db.db)).toBe(false);
  });

  it("nests as a savepoint: a failing inner part undoes only its own writes", async () => {
    await inTransaction(db.db, async (tx) => {
      put("outer", "kept");
      await expect(
        inTransaction(tx, async () => {
          put("inner", "undone");
          await tick();
          throw new Error("inner failed");
        }),
      ).rejects.toThrow("inner failed");
      put("after", "kept");
    });
    expect(settings().map((row) => row.key)).toEqual(["after", "outer"]);
  });

  it("rolls everything back when the work fails, and the connection takes the next transaction", async () => {
    await expect(
      inTransaction(db.db, async () => {
        put("gone", "1");
        throw new Error("no");
      }),
    ).rejects.toThrow("no");
    expect(db.sqlite.inTransaction).toBe(false);
    await inTransaction(db.db, async () => {
      put("next", "1");
    });
    expect(settings()).toEqual([{ key: "next", value: "1" }]);
  });
});
