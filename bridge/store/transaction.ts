/**
 * @module
 * Transactions for the whole store, on either engine. On PostgreSQL each transaction holds a
 * pooled connection of its own and the server keeps concurrent ones apart. On SQLite the one
 * rule that keeps them whole: the connection is shared by everything in the process, so
 * only one transaction is open on it at a time, and a write made outside a transaction
 * waits until none is open. Otherwise, while one caller's transaction waits between two of
 * its statements, another caller's write would land inside it and be rolled back with it.
 *
 * Which code is inside a transaction is tracked by AsyncLocalStorage, so functions called
 * from a transaction's work (with the same `db`) join it instead of waiting for it.
 * A transaction's work awaits the store only, never GitHub or Alertmanager: on SQLite every
 * statement runs synchronously underneath, so a transaction commits within one turn of the
 * event loop; on PostgreSQL it holds its connection for no longer than its statements take.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type Database from "better-sqlite3";
import type postgres from "postgres";
import { BACKGROUND_BUSY_TIMEOUT_MS, isBackgroundWork } from "./background-work.js";
import type { Db } from "./database.js";
import { engineOf } from "./engine.js";
import type { StatementBatch } from "./postgres/statement-batch.js";

interface OpenTransaction {
  /** The SQLite connection, or the PostgreSQL pool, the transaction belongs to. */
  client: object;
  savepoints: number;
  /** On PostgreSQL: the pool's connection this transaction holds until it ends. */
  connection?: postgres.ReservedSql;
  /**
   * On PostgreSQL, a batch of decisions (postgres/decision-batches.ts): its hot statements are
   * merged across the decisions, and work inside it joins the transaction without a savepoint.
   */
  batch?: StatementBatch;
  /** Savepoints open now, nested in this transaction (their names are counted by `savepoints`). */
  savepointDepth?: number;
  /**
   * On PostgreSQL, a transaction of its own (not a batch): the writes sent behind its work
   * (writeBehind), awaited once COMMIT has been sent after them, and the first of them to fail.
   */
  behind?: Promise<unknown>[];
  behindFailure?: { error: unknown };
}

const open = new AsyncLocalStorage<OpenTransaction>();

/** Callers waiting for the connection, per connection; the head holds it. */
const queues = new WeakMap<Database.Database, (() => void)[]>();

/** Runs `use` holding the connection: no other caller's transaction or write interleaves. */
async function holdingConnection<T>(client: Database.Database, use: () => Promise<T>): Promise<T> {
  let queue = queues.get(client);
  if (!queue) {
    queue = [];
    queues.set(client, queue);
  }
  const waiting = queue;
  if (waiting.length > 0) {
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    waiting.push(() => {});
  }
  try {
    // Checked here, so a request's write (the hot path) adds no wrapper of its own.
    return await (isBackgroundWork() ? withBackgroundBusyTimeout(client, use) : use());
  } finally {
    waiting.shift();
    waiting[0]?.();
  }
}

/**
 * Runs `use`, background work holding the connection, with the brief busy timeout such work
 * is allowed (background-work.ts). The timeout is the connection's, so it is put back however
 * `use` ends.
 */
async function withBackgroundBusyTimeout<T>(client: Database.Database, use: () => Promise<T>): Promise<T> {
  const previous = client.pragma("busy_timeout", { simple: true }) as number;
  client.pragma(`busy_timeout = ${BACKGROUND_BUSY_TIMEOUT_MS}`);
  try {
    return await use();
  } finally {
    if (client.open) client.pragma(`busy_timeout = ${previous}`);
  }
}

function insideTransactionOf(client: object): OpenTransaction | undefined {
  const current = open.getStore();
  return current?.client === client ? current : undefined;
}

/** The connection of the PostgreSQL transaction the caller runs in, on this pool (store-client.ts). */
export function postgresConnectionFor(pool: postgres.Sql): postgres.ReservedSql | undefined {
  return insideTransactionOf(pool)?.connection;
}

/** The statement batch of the PostgreSQL batch transaction the caller runs in, on this pool (hot-path.ts). */
export function postgresBatchFor(pool: postgres.Sql): StatementBatch | undefined {
  return insideTransactionOf(pool)?.batch;
}

/** Whether the caller runs inside a batch of decisions, which took every lock its decisions need. */
export function inDecisionBatch(db: Db): boolean {
  const engine = engineOf(db);
  return engine.kind === "postgres" && insideTransactionOf(engine.sql)?.batch !== undefined;
}

/**
 * PostgreSQL: each transaction holds a connection of its own from the pool, so transactions
 * of different callers run side by side and the server keeps them apart; no queue here.
 */
async function inPostgresTransaction<T>(
  db: Db,
  pool: postgres.Sql,
  work: (db: Db) => T | Promise<T>,
  batchOf?: (connection: postgres.ReservedSql) => StatementBatch,
): Promise<T> {
  const outer = insideTransactionOf(pool);
  // In a batch the decisions run side by side on one connection, where savepoints (a stack)
  // cannot keep them apart: each joins the batch's transaction, and one failing fails the
  // batch, whose deliveries are then decided one by one (decision-batches.ts).
  if (outer?.batch) return await work(db);
  if (outer?.connection) {
    const connection = outer.connection;
    const name = `runbridge_${++outer.savepoints}`;
    await connection.unsafe(`SAVEPOINT ${name}`);
    // Inside the savepoint every write is awaited where it is made (writeBehind), so a failure
    // undoes this work alone.
    outer.savepointDepth = (outer.savepointDepth ?? 0) + 1;
    try {
      const result = await work(db);
      await connection.unsafe(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      await connection.unsafe(`ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}`).catch(() => {});
      throw error;
    } finally {
      outer.savepointDepth = (outer.savepointDepth ?? 1) - 1;
    }
  }
  const connection = await pool.reserve();
  const batch = batchOf?.(connection);
  const state: OpenTransaction = { client: pool, savepoints: 0, connection, batch, behind: [] };
  try {
    return await open.run(state, async () => {
      // BEGIN is not awaited on its own: the connection runs statements in the order they
      // were sent, so BEGIN travels with the work's first statements in one write and one
      // round trip (on loopback each write was most of a statement's cost in the bridge).
      // Its answer is awaited before COMMIT; if it failed, nothing is committed.
      const begun = connection.unsafe("BEGIN").execute();
      begun.catch(() => {});
      try {
        const result = await work(db);
        await begun;
        // Sent in the same turn as the writes the work left behind it, so in the same write.
        const committing = connection.unsafe("COMMIT").execute();
        committing.catch(() => {});
        await commitBehind(state.behind ?? [], committing);
        return result;
      } catch (error) {
        // A connection that broke takes its transaction with it; nothing to roll back then.
        await connection.unsafe("ROLLBACK").catch(() => {});
        // A write left behind that failed is the cause; the work's own statements after it
        // only failed as "current transaction is aborted" (25P02). Its code decides whether the
        // transaction is run again (a deadlock) or not.
        throw state.behindFailure ? state.behindFailure.error : error;
      }
    });
  } finally {
    batch?.close();
    connection.release();
  }
}

/**
 * Awaits a transaction's COMMIT, sent after the writes left behind its work. A write that
 * failed aborted the transaction on the server, which then answers COMMIT with ROLLBACK: the
 * write's own error is the one to tell.
 */
async function commitBehind(
  behind: readonly Promise<unknown>[],
  committing: Promise<unknown>,
): Promise<void> {
  for (const write of behind) await write;
  const answer = (await committing) as { command?: string };
  if (answer.command !== "COMMIT")
    throw new Error(
      `PostgreSQL answered COMMIT with ${answer.command ?? "nothing"}: the transaction was rolled back`,
    );
}

/**
 * Runs `write`, store calls whose answers the rest of the transaction's work does not need,
 * and hands `use` their result. On PostgreSQL, in a transaction of its own, the work goes on
 * without waiting for them: COMMIT then leaves in the same write as the work's last
 * statements, and a decision waits for two round trips instead of three (its reads, then its
 * writes, then COMMIT). The transaction awaits them after sending COMMIT and fails with the
 * first one's error (the server rolled it all back). `use` runs when the answer arrives, before
 * the transaction returns: read what it stores only after that. Everywhere else (SQLite, a
 * savepoint, a batch of decisions, outside a transaction) `write` is awaited here.
 *
 * Like `pipelined`'s steps, `write` must send its statements before its first await.
 */
export async function writeBehind<T>(
  db: Db,
  write: () => Promise<T>,
  use: (result: T) => void = () => {},
): Promise<void> {
  const engine = engineOf(db);
  const current = engine.kind === "postgres" ? insideTransactionOf(engine.sql) : undefined;
  if (!current?.behind || current.batch || (current.savepointDepth ?? 0) > 0) {
    use(await write());
    return;
  }
  const written = write().then(use);
  // Awaited by the transaction; until then a failure must not count as unhandled. Noted at
  // once: its answer comes before those of every statement sent after it.
  written.catch((error: unknown) => {
    current.behindFailure ??= { error };
  });
  current.behind.push(written);
}

/**
 * PostgreSQL: runs `work` in a transaction of its own whose hot statements go through
 * `batchOf`'s batch (postgres/decision-batches.ts). Not inside another transaction.
 */
export async function inPostgresBatchTransaction<T>(
  db: Db,
  batchOf: (connection: postgres.ReservedSql) => StatementBatch,
  work: () => Promise<T>,
): Promise<T> {
  const engine = engineOf(db);
  if (engine.kind !== "postgres" || insideTransactionOf(engine.sql))
    throw new Error("a batch of decisions runs in a PostgreSQL transaction of its own");
  return await inPostgresTransaction(db, engine.sql, work, batchOf);
}

export interface TransactionOptions {
  /**
   * PostgreSQL: how often to run `work` again after a deadlock or a serialization failure
   * (40P01, 40001), which the server resolves by failing one of the transactions. Only for
   * work that touches nothing but this transaction. SQLite never fails either way.
   */
  conflictRetries?: number;
}

const CONFLICT_CODES = new Set(["40P01", "40001"]);

/** PostgreSQL's SQLSTATE of an error, whether thrown directly or as drizzle's "Failed query" cause. */
export function postgresErrorCode(error: unknown): string | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * Runs `work` atomically. At the top, a transaction of its own (after any other caller's has
 * committed); inside another transaction, a savepoint: a failure undoes this work alone.
 */
export async function inTransaction<T>(
  db: Db,
  work: (db: Db) => T | Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const engine = engineOf(db);
  if (engine.kind === "postgres") {
    const retries = insideTransactionOf(engine.sql) ? 0 : (options.conflictRetries ?? 0);
    for (let attempt = 0; ; attempt++) {
      try {
        return await inPostgresTransaction(db, engine.sql, work);
      } catch (error) {
        const code = postgresErrorCode(error);
        if (attempt >= retries || !code || !CONFLICT_CODES.has(code)) throw error;
        // Apart a little, so the transactions that collided do not collide again at once.
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * (attempt + 1)));
      }
    }
  }
  const client = engine.client;
  const outer = insideTransactionOf(client);
  if (outer) {
    const name = `runbridge_${++outer.savepoints}`;
    client.exec(`SAVEPOINT ${name}`);
    try {
      const result = await work(db);
      client.exec(`RELEASE ${name}`);
      return result;
    } catch (error) {
      // Some errors (a full disk, an I/O error) already ended the whole transaction.
      if (client.inTransaction) client.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
      throw error;
    }
  }
  return holdingConnection(client, () =>
    open.run({ client, savepoints: 0 }, async () => {
      client.exec("BEGIN");
      try {
        const result = await work(db);
        client.exec("COMMIT");
        return result;
      } catch (error) {
        if (client.inTransaction) client.exec("ROLLBACK");
        throw error;
      }
    }),
  );
}

/**
 * Runs a write that needs no transaction of its own (one statement): inside a transaction
 * it joins it; outside, it waits until no transaction is open on the connection.
 */
export async function writing<T>(db: Db, write: () => T | Promise<T>): Promise<T> {
  const engine = engineOf(db);
  // PostgreSQL keeps a write outside every transaction by itself (it uses another connection).
  if (engine.kind === "postgres") return await write();
  const client = engine.client;
  if (insideTransactionOf(client)) return await write();
  return holdingConnection(client, async () => write());
}

/**
 * Runs store calls in order, inside the caller's transaction. On PostgreSQL they are sent
 * together, without waiting for each answer: the transaction's connection runs them in the
 * order sent, in one write and one round trip instead of one each (on loopback, each write
 * was most of a statement's cost in the bridge). The first failure is the answer, and it is
 * the cause: PostgreSQL fails every later statement of the transaction with it. On SQLite,
 * and outside a transaction, each runs only after the one before succeeded, so nothing is
 * written after a failure (SQLite may already have ended the transaction then).
 *
 * Each step must send its statement before its first await (every store function does).
 */
export async function pipelined<T extends readonly unknown[]>(
  db: Db,
  ...steps: { [K in keyof T]: () => Promise<T[K]> }
): Promise<T> {
  const engine = engineOf(db);
  if (engine.kind === "postgres" && insideTransactionOf(engine.sql)) {
    return (await Promise.all(steps.map((step) => step()))) as unknown as T;
  }
  const results: unknown[] = [];
  for (const step of steps) results.push(await step());
  return results as unknown as T;
}

/** Whether the caller runs inside a transaction on this database (for assertions in tests). */
export function isInTransaction(db: Db): boolean {
  const engine = engineOf(db);
  return insideTransactionOf(engine.kind === "postgres" ? engine.sql : engine.client) !== undefined;
}
