// PostgreSQL for tests: the server on 127.0.0.1:5432 (trust auth; scripts/setup-test-deps.sh
// starts it when it is down). Each test file creates its own database and drops it afterwards,
// so files run in parallel without seeing each other's rows.
import { randomBytes } from "node:crypto";
import postgres from "postgres";

/** The server's maintenance database; RUNBRIDGE_TEST_POSTGRES_URL points the tests elsewhere. */
export const POSTGRES_ADMIN_URL =
  process.env.RUNBRIDGE_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  /** Connection URL of the new, empty database. */
  url: string;
  name: string;
  /** Drops the database, closing whatever connections are still open to it. */
  drop(): Promise<void>;
}

async function withAdmin<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } catch (error) {
    throw new Error(
      `PostgreSQL at ${POSTGRES_ADMIN_URL}: ${(error as Error).message} (run npm run setup:test, which starts the server)`,
      { cause: error },
    );
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `runbridge_${prefix.replace(/\W/g, "_")}_${randomBytes(4).toString("hex")}`.toLowerCase();
  await withAdmin((sql) => sql.unsafe(`CREATE DATABASE "${name}"`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      withAdmin((sql) => sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}

/**
 * The database goes away under its clients, as a server that stopped would: every session on
 * it is ended and new ones are refused, until `allowConnections`.
 */
export async function refuseConnections(name: string): Promise<void> {
  await withAdmin(async (sql) => {
    await sql.unsafe(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${name}`;
  });
}

export async function allowConnections(name: string): Promise<void> {
  await withAdmin((sql) => sql.unsafe(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`));
}
