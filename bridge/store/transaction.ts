/**
 * @module
 * Transactions for the whole store, and the one rule that keeps them whole now that the
 * store is asynchronous: the SQLite connection is shared by everything in the process, so
 * only one transaction is open on it at a time, and a write made outside a transaction
 * waits until none is open. Otherwise, while one caller's transaction waits between two of
 * its statements, another caller's write would land inside it and be rolled back with it.
 *
 * Which code is inside a transaction is tracked by AsyncLocalStorage, so functions called
 * from a transaction's work (with the same `db`) join it instead of waiting for it.
 * A transaction's work awaits the store only, never the network: every statement runs
 * synchronously underneath, so a transaction still commits within one turn of the event loop.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type Database from "better-sqlite3";
import type { Db } from "./database.js";

interface OpenTransaction {
  client: Database.Database;
  savepoints: number;
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
    return await use();
  } finally {
    waiting.shift();
    waiting[0]?.();
  }
}

function insideTransactionOf(client: Database.Database): OpenTransaction | undefined {
  const current = open.getStore();
  return current?.client === client ? current : undefined;
}

/**
 * Runs `work` atomically. At the top, a transaction of its own (after any other caller's has
 * committed); inside another transaction, a savepoint: a failure undoes this work alone.
 */
export async function inTransaction<T>(db: Db, work: (db: Db) => T | Promise<T>): Promise<T> {
  const client = db.$client;
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
export async function writing<T>(db: Db, write: () => T): Promise<T> {
  const client = db.$client;
  if (insideTransactionOf(client)) return write();
  return holdingConnection(client, async () => write());
}

/** Whether the caller runs inside a transaction on this database (for assertions in tests). */
export function isInTransaction(db: Db): boolean {
  return insideTransactionOf(db.$client) !== undefined;
}
