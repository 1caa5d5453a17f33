// The store on PostgreSQL when the server drops the bridge's sessions (a restart, a failover,
// an administrator): the transaction in progress fails and says so, nothing of it is kept,
// and the next one runs on a new session. postgres.js 3.4.9 crashed the whole process here
// (an uncaught TypeError from a write scheduled on the dead socket, porsager/postgres#1208).

import { sql } from "drizzle-orm";
import createSql from "postgres";
import { describe, expect, it } from "vitest";
import { usePostgresStore } from "../../../test/fixtures/store/postgres-store.js";
import { POSTGRES_ADMIN_URL } from "../../../test/harness/postgres.js";
import { appendAudit } from "../audit.js";
import { rawRow } from "../raw.js";
import { inTransaction } from "../transaction.js";

const postgres = usePostgresStore("connection_loss", { poolSize: 2 });

/** Ends every session on the test database, as a server restart does. */
async function dropSessions(): Promise<void> {
  const admin = createSql(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${postgres.database.name}`;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

const event = (message: string) => ({ at: 1, kind: "duplicate" as const, message });

describe("PostgreSQL sessions dropped under the store", () => {
  it("fails the transaction in progress, keeps none of it, and the next transaction runs", async () => {
    const failure = await inTransaction(postgres.store.db, async (tx) => {
      await appendAudit(tx, event("before the restart"));
      await dropSessions();
      await appendAudit(tx, event("after the restart"));
    }).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);

    await inTransaction(postgres.store.db, async (tx) => {
      await appendAudit(tx, event("on a new session"));
    });
    const rows = await rawRow<{ messages: string }>(
      postgres.store.db,
      sql`SELECT string_agg(message, ',') AS messages FROM audit_events`,
    );
    expect(rows?.messages).toBe("on a new session");
  });

  it("answers reads again once the server is back, without a restart of the bridge", async () => {
    await dropSessions();
    // The pool's idle sessions died; the first statements may find one of them.
    let answered = false;
    for (let attempt = 0; attempt < 3 && !answered; attempt++) {
      answered = await rawRow(postgres.store.db, sql`SELECT 1 AS one`).then(
        () => true,
        () => false,
      );
    }
    expect(answered).toBe(true);
  });
});
