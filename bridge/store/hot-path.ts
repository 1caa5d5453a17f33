/**
 * @module
 * The statements every alert decision runs, written once and prepared once per connection
 * on either engine. Building a drizzle query on every call was most of a decision's cost
 * (see docs/benchmarks.md): on SQLite, compiling it each time; on PostgreSQL, drizzle's
 * builder alone was a fifth of the bridge's time. Prepared, a SQLite statement is a few
 * microseconds and a PostgreSQL one a message on the transaction's connection. Their rows
 * still come from schema.ts: INSERTs list the table's columns (table-rows.ts), whole rows are
 * mapped by the columns' own conversions, and projections are named after the schema's
 * properties (hot-path.test.ts checks every one against the tables).
 *
 * The text is SQLite's, in the part of SQL both engines read the same way (`IS NOT DISTINCT
 * FROM`, quoted aliases, `ON CONFLICT`, `RETURNING`); for PostgreSQL its placeholders become
 * `$1, $2, …`. Call every statement with `await`: SQLite answers at once, PostgreSQL with a
 * promise.
 */
import type Database from "better-sqlite3";
import type postgres from "postgres";
import {
  ACTIVE_STATES,
  COUNTED_IF_DISPATCHED_STATES,
  type ExecutionState,
  NEVER_COUNTED_STATES,
} from "../executions/states.js";
import type { Db } from "./database.js";
import { engineOf } from "./engine.js";
import { toPostgresSql } from "./postgres/store-client.js";
import { alerts, auditEvents, executions, outbox, type settings } from "./schema.js";
import { insertSql } from "./table-rows.js";
import { postgresBatchFor, postgresConnectionFor } from "./transaction.js";

type Execution = typeof executions.$inferSelect;

const quoted = (states: readonly ExecutionState[]) => states.map((state) => `'${state}'`).join(", ");

/**
 * A committed execution that counts for cooldown and rate limits: it reached, or may
 * reach, GitHub. Derived from the state table (executions/states.ts).
 */
export const COUNTS_AS_DISPATCH = `committed_at IS NOT NULL AND state NOT IN (${quoted(NEVER_COUNTED_STATES)})
  AND (state NOT IN (${quoted(COUNTED_IF_DISPATCHED_STATES)}) OR dispatched_at IS NOT NULL)`;

/** A row as the driver returns it: mapped to the schema's types with `fromDriverRow`. */
type RawRow = Record<string, unknown>;

/**
 * Plain better-sqlite3 statements: measured here, drizzle's prepared queries added about
 * 10 µs of placeholder filling and row mapping to each 1 µs lookup. The same texts run on
 * PostgreSQL (postgresStatement below).
 */
function prepare(client: Pick<Database.Database, "prepare">) {
  return {
    enabled: client.prepare<[], Pick<typeof settings.$inferSelect, "value">>(
      `SELECT value FROM settings WHERE key = 'enabled'`,
    ),
    executionByOccurrence: client.prepare<[string], RawRow>(
      `SELECT * FROM executions WHERE occurrence_key = ?`,
    ),
    lastDispatch: client.prepare<[string, string | null], Pick<Execution, "id" | "committedAt">>(`
      SELECT id, committed_at AS "committedAt" FROM executions
      WHERE runbook = ? AND target IS NOT DISTINCT FROM ? AND ${COUNTS_AS_DISPATCH}
      ORDER BY committed_at DESC LIMIT 1`),
    dispatchesSince: client.prepare<[string, number], Pick<Execution, "committedAt">>(`
      SELECT committed_at AS "committedAt" FROM executions
      WHERE runbook = ? AND committed_at > ? AND ${COUNTS_AS_DISPATCH}
      ORDER BY committed_at`),
    // Active executions were all committed to dispatch, which lets SQLite use the partial index.
    activeExecution: client.prepare<
      [string, string | null, number],
      Pick<Execution, "id" | "state" | "updatedAt">
    >(`
      SELECT id, state, updated_at AS "updatedAt" FROM executions
      WHERE runbook = ? AND target IS NOT DISTINCT FROM ? AND committed_at IS NOT NULL
        AND state IN (${quoted(ACTIVE_STATES)}) AND updated_at > ?
      ORDER BY created_at DESC LIMIT 1`),
    // Relapse lookup (decide-firing.ts): the latest verified execution of this alert and runbook.
    lastVerified: client.prepare<[string, string, number], Pick<Execution, "id" | "clearedAt">>(`
      SELECT id, cleared_at AS "clearedAt" FROM executions
      WHERE fingerprint = ? AND runbook = ? AND state = 'verified' AND cleared_at >= ?
      ORDER BY cleared_at DESC LIMIT 1`),
    dispatchesAllSince: client.prepare<[number], { n: number }>(`
      SELECT count(*) AS n FROM executions WHERE committed_at > ? AND ${COUNTS_AS_DISPATCH}`),
    breaker: client.prepare<[string], RawRow>(`SELECT * FROM breakers WHERE key = ?`),
    upsertAlert: client.prepare<[RawRow], never>(`${insertSql(alerts)}
      ON CONFLICT (fingerprint, starts_at) DO UPDATE SET
        status = excluded.status,
        ends_at = excluded.ends_at,
        last_received_at = excluded.last_received_at,
        deliveries = alerts.deliveries + 1,
        resolved_at = CASE WHEN excluded.status = 'resolved' THEN coalesce(alerts.resolved_at, excluded.last_received_at) END`),
    insertExecution: client.prepare<[RawRow], never>(insertSql(executions)),
    insertOutbox: client.prepare<[RawRow], never>(insertSql(outbox)),
    insertAudit: client.prepare<[RawRow], { id: number }>(`${insertSql(auditEvents)} RETURNING id`),
  };
}

/** The statements as better-sqlite3 prepared them (hot-path.test.ts inspects their columns). */
export type SqliteHotStatements = ReturnType<typeof prepare>;

type Awaitable<T> = T | Promise<T>;

/** One hot statement on either engine. */
export interface HotStatement<P extends unknown[], R> {
  get(...params: P): Awaitable<R | undefined>;
  all(...params: P): Awaitable<R[]>;
  run(...params: P): Awaitable<unknown>;
}

export type HotStatements = {
  [K in keyof SqliteHotStatements]: SqliteHotStatements[K] extends {
    get(...params: infer P): infer R | undefined;
  }
    ? HotStatement<P, R>
    : never;
};

/**
 * A statement on PostgreSQL with better-sqlite3's calling convention: positional `?`
 * arguments, or one object for `@name` parameters. postgres.js prepares it on each connection
 * the first time it runs there; inside a transaction it runs on that transaction's connection.
 */
function postgresStatement(pool: postgres.Sql, text: string): HotStatement<unknown[], unknown> {
  const names: string[] = [];
  const positional = toPostgresSql(
    text.replace(/@(\w+)/g, (_, name: string) => {
      names.push(name);
      return "?";
    }),
  );
  const query = async (args: unknown[]): Promise<{ rows: readonly RawRow[]; count: number }> => {
    const params = names.length > 0 ? names.map((name) => (args[0] as RawRow)[name] ?? null) : args;
    // In a batch of decisions, the same statement of the other decisions goes with it
    // (postgres/statement-batch.ts).
    const batch = postgresBatchFor(pool);
    if (batch) return await batch.run(positional, params);
    const rows = await (postgresConnectionFor(pool) ?? pool).unsafe(
      positional,
      params as postgres.ParameterOrJSON<never>[],
      // simple: false, or postgres.js sends a statement without parameters (the kill switch's
      // read) as a simple query, which PostgreSQL parses and plans on every run.
      { prepare: true, simple: false },
    );
    return { rows, count: rows.count };
  };
  return {
    get: async (...args) => (await query(args)).rows[0],
    all: async (...args) => [...(await query(args)).rows],
    run: async (...args) => ({ changes: (await query(args)).count }),
  };
}

/** The same statements on a PostgreSQL pool. */
function postgresStatements(pool: postgres.Sql): HotStatements {
  // prepare() only hands each text to its connection: collect the texts instead.
  const texts = prepare({
    prepare: ((text: string) => ({ text })) as unknown as Database.Database["prepare"],
  }) as unknown as Record<string, { text: string }>;
  return Object.fromEntries(
    Object.entries(texts).map(([name, { text }]) => [name, postgresStatement(pool, text)]),
  ) as unknown as HotStatements;
}

const prepared = new WeakMap<object, HotStatements>();

/** The hot statements of this store, prepared once per SQLite connection or PostgreSQL pool. */
export function hot(db: Db): HotStatements {
  const engine = engineOf(db);
  const key = engine.kind === "sqlite" ? engine.client : engine.sql;
  let statements = prepared.get(key);
  if (!statements) {
    statements =
      engine.kind === "sqlite"
        ? (prepare(engine.client) as unknown as HotStatements)
        : postgresStatements(engine.sql);
    prepared.set(key, statements);
  }
  return statements;
}

const preparedTexts = new WeakMap<postgres.Sql, Map<string, HotStatement<unknown[], unknown>>>();

/**
 * A statement of the PostgreSQL store's own (one SQLite runs as several), prepared once per
 * pool like the hot statements: `@name` parameters, bound from one object.
 */
export function postgresHotStatement<R>(db: Db, text: string): HotStatement<[RawRow], R> {
  const engine = engineOf(db);
  if (engine.kind !== "postgres") throw new Error("postgresHotStatement: not a PostgreSQL store");
  let texts = preparedTexts.get(engine.sql);
  if (!texts) {
    texts = new Map();
    preparedTexts.set(engine.sql, texts);
  }
  let statement = texts.get(text);
  if (!statement) {
    statement = postgresStatement(engine.sql, text);
    texts.set(text, statement);
  }
  return statement as HotStatement<[RawRow], R>;
}

/** The SQLite statements themselves, for the check of their columns (hot-path.test.ts). */
export function sqliteHotStatements(client: Database.Database): SqliteHotStatements {
  return prepare(client);
}
