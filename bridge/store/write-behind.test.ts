// Writes left behind a transaction's work (writeBehind): on PostgreSQL the work goes on
// without their answers and COMMIT leaves with them; a failure among them still takes the
// whole transaction with it. On SQLite, and inside a savepoint, they are awaited where made.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import { type AuditEvent, appendAudit } from "./audit.js";
import { rawRun } from "./raw.js";
import { inTransaction, postgresErrorCode, writeBehind } from "./transaction.js";

const event = (message: string) => ({ at: 1, kind: "duplicate" as const, message });

describe.each(STORE_ENGINES)("writeBehind on %s", (engine) => {
  const store = useEngineStore(engine, "write_behind");
  const messages = async () =>
    (await store.rows<{ message: string }>("SELECT message FROM audit_events ORDER BY id")).map(
      (row) => row.message,
    );

  it("commits the write with the transaction and hands over its answer before the transaction returns", async () => {
    let answered: AuditEvent | undefined;
    let answeredInsideWork = false;
    await inTransaction(store.db, async (tx) => {
      await writeBehind(
        tx,
        () => appendAudit(tx, event("left behind")),
        (written) => {
          answered = written;
        },
      );
      answeredInsideWork = answered !== undefined;
    });
    // PostgreSQL: the work went on before the answer came (COMMIT went with the write).
    expect(answeredInsideWork).toBe(engine === "sqlite");
    expect(answered?.message).toBe("left behind");
    expect(answered?.id).toBeGreaterThan(0);
    expect(await messages()).toEqual(["left behind"]);
  });

  it("fails the transaction with the failed write's own error and keeps nothing of it", async () => {
    const failure = await inTransaction(store.db, async (tx) => {
      await appendAudit(tx, event("before"));
      await writeBehind(tx, () => rawRun(tx, sql`SELECT * FROM no_such_table`));
      await writeBehind(tx, () => appendAudit(tx, event("after")));
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    if (engine === "postgres") expect(postgresErrorCode(failure)).toBe("42P01"); // undefined_table
    expect(await messages()).toEqual([]);
    // The connection takes the next transaction.
    await inTransaction(store.db, (tx) => writeBehind(tx, () => appendAudit(tx, event("next"))));
    expect(await messages()).toEqual(["next"]);
  });

  it("fails with the failed write's error, not the aborted transaction's, when the work went on to a statement of its own", async () => {
    const failure = await inTransaction(store.db, async (tx) => {
      await writeBehind(tx, () => rawRun(tx, sql`SELECT * FROM no_such_table`));
      // Awaited: on PostgreSQL it fails as "current transaction is aborted" (25P02).
      await appendAudit(tx, event("after"));
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    if (engine === "postgres") expect(postgresErrorCode(failure)).toBe("42P01");
    expect(await messages()).toEqual([]);
  });

  it("inside a savepoint, awaits the write there: its failure undoes the savepoint alone", async () => {
    const inner = await inTransaction(store.db, async (tx) => {
      await writeBehind(tx, () => appendAudit(tx, event("outer")));
      return await inTransaction(tx, async (nested) => {
        await writeBehind(nested, () => appendAudit(nested, event("inner")));
        await writeBehind(nested, () => rawRun(nested, sql`SELECT * FROM no_such_table`));
      }).catch(() => "inner failed");
    });
    expect(inner).toBe("inner failed");
    expect(await messages()).toEqual(["outer"]);
  });
});
