// Two transactions that wait for each other (a deadlock) on the real server: PostgreSQL fails one
// of them with 40P01. With conflictRetries the bridge runs that one's work again and both commit;
// without, the failure reaches the caller with its SQLSTATE.
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { usePostgresStore } from "../../../test/fixtures/store/postgres-store.js";
import type { Db } from "../database.js";
import { rawRow, rawRun } from "../raw.js";
import { inTransaction, postgresErrorCode } from "../transaction.js";

const postgres = usePostgresStore("conflicts", { poolSize: 4 });

beforeAll(async () => {
  await rawRun(
    postgres.store.db,
    sql`INSERT INTO settings (key, value, updated_at) VALUES ('a', '0', 0), ('b', '0', 0)`,
  );
});

/** Resolves once both sides arrived: each holds its first row lock before asking for the other's. */
function meetingPoint() {
  let arrived = 0;
  let release: () => void = () => {};
  const both = new Promise<void>((resolve) => {
    release = resolve;
  });
  return async () => {
    arrived += 1;
    if (arrived === 2) release();
    // A run again (the retry) finds the other side gone: it must not wait for it.
    await Promise.race([both, new Promise((resolve) => setTimeout(resolve, 2_000))]);
  };
}

const bump = (db: Db, key: string) =>
  rawRun(db, sql`UPDATE settings SET value = (CAST(value AS integer) + 1)::text WHERE key = ${key}`);

describe("a deadlock between two transactions", () => {
  it("is retried inside the bridge: both commit, one of them after running again", async () => {
    const meet = meetingPoint();
    const runs = { first: 0, second: 0 };
    await Promise.all([
      inTransaction(
        postgres.store.db,
        async (tx) => {
          runs.first += 1;
          await bump(tx, "a");
          await meet();
          await bump(tx, "b");
        },
        { conflictRetries: 2 },
      ),
      inTransaction(
        postgres.store.db,
        async (tx) => {
          runs.second += 1;
          await bump(tx, "b");
          await meet();
          await bump(tx, "a");
        },
        { conflictRetries: 2 },
      ),
    ]);
    expect(runs.first + runs.second).toBe(3);
    expect(
      await rawRow(postgres.store.db, sql`SELECT string_agg(value, ',' ORDER BY key) AS v FROM settings`),
    ).toEqual({
      v: "2,2",
    });
  }, 30_000);

  it("reaches the caller as 40P01 when no retry is allowed", async () => {
    const meet = meetingPoint();
    const results = await Promise.allSettled([
      inTransaction(postgres.store.db, async (tx) => {
        await bump(tx, "a");
        await meet();
        await bump(tx, "b");
      }),
      inTransaction(postgres.store.db, async (tx) => {
        await bump(tx, "b");
        await meet();
        await bump(tx, "a");
      }),
    ]);
    const failures = results.filter((result) => result.status === "rejected");
    expect(failures).toHaveLength(1);
    expect(postgresErrorCode((failures[0] as PromiseRejectedResult).reason)).toBe("40P01");
  }, 30_000);
});
