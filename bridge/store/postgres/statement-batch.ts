/**
 * @module
 * Many decisions' statements as a few set-based ones (PostgreSQL). Inside a batch of decisions
 * (decision-batches.ts) the decisions run side by side on one transaction's connection, and a
 * hot statement (hot-path.ts) called by several of them in the same turn of the event loop is
 * sent once, for all of them: a read as one statement over the calls' arguments (a LATERAL join
 * over a JSON array of them), an INSERT as one INSERT … SELECT over a JSON array of rows. On
 * PostgreSQL a decision's cost is mostly per statement (its parse, bind, execute and answer on
 * both sides of the socket), not per row, so thirty decisions cost a few statements instead of
 * three hundred. Each caller still gets exactly its own rows.
 *
 * Only statements whose calls cannot see each other are merged: the decisions of one wave read
 * disjoint guard state (decision-batches.ts), and one decision never has two calls of the same
 * statement outstanding at once. Reads with identical arguments are asked once. A merged
 * statement leaves at the end of the turn, so a statement a decision sends directly (not a hot
 * one) in the same turn runs before it: none of those reads what the hot statements write.
 */

import { getTableName, is } from "drizzle-orm";
import { SQLiteTable } from "drizzle-orm/sqlite-core";
import type postgres from "postgres";
import * as schema from "../schema.js";
import { columnsByName } from "../table-rows.js";
import { jsonWithoutNul, withoutNul } from "./text.js";

type RawRow = Record<string, unknown>;

/** One call's answer: its rows, and how many rows the statement touched for it. */
export interface CallResult {
  rows: RawRow[];
  count: number;
}

interface Call {
  params: unknown[];
  resolve: (result: CallResult) => void;
  reject: (error: unknown) => void;
}

/** A hot statement's text as sent (`$1, $2, …`), and what it becomes for many calls at once. */
interface SetForm {
  kind: "read" | "insert";
  /** The set-based statement: one parameter, a JSON array with an element per call. */
  text: string;
  /** The JSON text of one call's element. */
  element(params: unknown[], index: number): string;
}

/** PostgreSQL's names for the parameter types the hot reads take (oids from pg_type). */
const TYPE_NAMES: Record<number, string> = {
  16: "boolean",
  20: "bigint",
  21: "smallint",
  23: "integer",
  25: "text",
  701: "double precision",
  1043: "text",
};

/** A JSON value PostgreSQL's text can hold: NUL (untrusted alert text may carry it) becomes U+FFFD. */
function jsonScalar(value: unknown): string {
  if (value === null || value === undefined) return "null";
  return JSON.stringify(typeof value === "string" ? withoutNul(value) : value);
}

/**
 * A read for many calls: each call's arguments are a row of `w`, and the statement runs once per
 * row (LATERAL), its rows tagged with the call's position. `OFFSET 0` keeps PostgreSQL from
 * turning it into a join: planned for the hundred rows it guesses a JSON array holds, that join
 * read the whole executions table by a hash instead of its index, slower as the table grew. `types` are the parameters' types as
 * PostgreSQL described the original statement.
 */
function readForm(text: string, types: readonly number[]): SetForm | undefined {
  const names = types.map((oid) => TYPE_NAMES[oid]);
  if (names.some((name) => name === undefined)) return undefined;
  const columns = names.map((name, index) => `p${index + 1} ${name}`);
  const perRow = text.replace(/\$(\d+)\b/g, (_, position: string) => `w.p${position}`);
  return {
    kind: "read",
    text: `SELECT w.call_index AS "__call", s.* FROM json_to_recordset($1::json) AS w(call_index integer${columns.map((column) => `, ${column}`).join("")})
      CROSS JOIN LATERAL (SELECT * FROM (${perRow}) AS q OFFSET 0) AS s ORDER BY w.call_index`,
    element: (params, index) =>
      `{"call_index":${index}${params.map((value, position) => `,"p${position + 1}":${jsonScalar(value)}`).join("")}}`,
  };
}

const INSERT = /^\s*INSERT INTO (\w+) \(([^)]*)\)\s*VALUES \(([^)]*)\)([\s\S]*)$/;

/** The JSON-mode text columns of each table: their values are JSON text already, embedded as they are. */
function jsonColumnsOf(table: string): Set<string> {
  const found = (Object.values(schema) as unknown[]).find(
    (value): value is SQLiteTable => is(value, SQLiteTable) && getTableName(value) === table,
  );
  const json = new Set<string>();
  if (!found) return json;
  for (const [name, entry] of columnsByName(found)) {
    if (entry.column.columnType === "SQLiteTextJson") json.add(name);
  }
  return json;
}

/**
 * An INSERT for many calls: `INSERT INTO t (cols) SELECT cols FROM json_populate_recordset(NULL::t,
 * $1)`, which gives each element the table's own column types, inserted in the calls' order. An
 * ON CONFLICT clause stays as it is. `RETURNING id` answers the ids ascending, which is the calls'
 * order: an identity takes its values in the order rows are inserted.
 */
function insertForm(text: string): SetForm | undefined {
  const match = INSERT.exec(text);
  if (!match) return undefined;
  const [, table = "", columnList = "", valueList = "", tail = ""] = match;
  const columns = columnList.split(",").map((column) => column.trim());
  const values = valueList.split(",").map((value) => value.trim());
  if (columns.length !== values.length || values.some((value, index) => value !== `$${index + 1}`))
    return undefined;
  const json = jsonColumnsOf(table);
  const returning = /\bRETURNING\s+id\s*$/i.exec(tail);
  const conflict = returning ? tail.slice(0, returning.index) : tail;
  const insert = `INSERT INTO ${table} (${columns.join(", ")})
      SELECT ${columns.join(", ")} FROM json_populate_recordset(NULL::${table}, $1::json) WITH ORDINALITY AS w
      ORDER BY w.ordinality${conflict}`;
  return {
    kind: "insert",
    text: returning
      ? `WITH inserted AS (${insert} RETURNING id) SELECT id FROM inserted ORDER BY id`
      : insert,
    element: (params) =>
      `{${columns
        .map((column, index) => {
          const value = params[index];
          // A JSON column's value is its JSON text (table-rows.ts): embedded, so it stays a document.
          const embedded =
            json.has(column) && typeof value === "string" ? jsonWithoutNul(value) : jsonScalar(value);
          return `${JSON.stringify(column)}:${embedded}`;
        })
        .join(",")}}`,
  };
}

/** Set forms per statement text, per pool: a read's form needs its parameter types, asked of the server once. */
const forms = new WeakMap<postgres.Sql, Map<string, Promise<SetForm | undefined>>>();

/**
 * @param connection the batch's own: describing on another of the pool's connections could wait
 *   for one while every connection is held by a batch waiting the same way.
 */
function setFormOf(
  pool: postgres.Sql,
  connection: postgres.ReservedSql,
  text: string,
): Promise<SetForm | undefined> {
  let known = forms.get(pool);
  if (!known) {
    known = new Map();
    forms.set(pool, known);
  }
  let form = known.get(text);
  if (!form) {
    form = /^\s*INSERT\b/i.test(text)
      ? Promise.resolve(insertForm(text))
      : /^\s*SELECT\b/i.test(text)
        ? connection
            .unsafe(text, [], { prepare: true })
            .describe()
            .then((described) => readForm(text, described.types as number[]))
        : Promise.resolve(undefined);
    // A statement the server could not describe (its batch's transaction had failed) runs call
    // by call this time, which is only slower; the next batch asks again.
    form = form.catch(() => {
      known?.delete(text);
      return undefined;
    });
    known.set(text, form);
  }
  return form;
}

/**
 * The statements of one batch's transaction, gathered per turn of the event loop and sent as
 * one statement per text. Closed when the batch ends: a call after that is a bug, and fails.
 */
export class StatementBatch {
  private pending = new Map<string, Call[]>();
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly pool: postgres.Sql,
    private readonly connection: postgres.ReservedSql,
  ) {}

  /** One call of a hot statement (`$n` placeholders); resolves with this call's rows. */
  run(text: string, params: unknown[]): Promise<CallResult> {
    if (this.closed)
      return Promise.reject(new Error("a statement was sent after its batch's transaction ended"));
    return new Promise((resolve, reject) => {
      let calls = this.pending.get(text);
      if (!calls) {
        calls = [];
        this.pending.set(text, calls);
      }
      calls.push({ params, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the I/O callbacks and promise reactions of this turn: every decision of the wave
        // that can ask has asked.
        setImmediate(() => void this.flush());
      }
    });
  }

  close(): void {
    this.closed = true;
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const due = [...this.pending];
    this.pending.clear();
    // Every form is looked up before any statement is sent, so the statements leave in the
    // order they were first asked for (a row's outbox and audit event after the row itself).
    const planned = await Promise.all(
      due.map(async ([text, calls]) => ({
        text,
        calls,
        form: calls.length > 1 ? await setFormOf(this.pool, this.connection, text) : undefined,
      })),
    );
    await Promise.all(planned.map(({ text, calls, form }) => this.send(text, calls, form)));
  }

  private async send(text: string, calls: Call[], form: SetForm | undefined): Promise<void> {
    if (!form) {
      // Alone (or not mergeable): as it was written.
      await Promise.all(
        calls.map(async (call) => {
          try {
            const rows = await this.connection.unsafe(
              text,
              call.params as postgres.ParameterOrJSON<never>[],
              // Prepared even without parameters (hot-path.ts says why).
              { prepare: true, simple: false },
            );
            call.resolve({ rows: [...rows], count: rows.count });
          } catch (error) {
            call.reject(error);
          }
        }),
      );
      return;
    }
    // Identical reads are asked once and answered to each caller.
    const unique = new Map<string, number>();
    const positions: number[] = [];
    const elements: string[] = [];
    for (const call of calls) {
      const key = form.kind === "read" ? JSON.stringify(call.params) : undefined;
      let position = key === undefined ? undefined : unique.get(key);
      if (position === undefined) {
        position = elements.length;
        elements.push(form.element(call.params, position));
        if (key !== undefined) unique.set(key, position);
      }
      positions.push(position);
    }
    try {
      const rows = await this.connection.unsafe(form.text, [`[${elements.join(",")}]`], { prepare: true });
      if (form.kind === "insert") {
        // Every element is one row inserted (or, with ON CONFLICT … DO UPDATE, updated).
        const written = rows.length > 0 ? rows.length : rows.count;
        if (written !== elements.length)
          throw new Error(`a merged INSERT wrote ${rows.count} rows for ${elements.length} calls`);
        calls.forEach((call, index) => {
          const row = rows[index];
          call.resolve({ rows: row ? [row] : [], count: 1 });
        });
        return;
      }
      const byPosition: RawRow[][] = elements.map(() => []);
      for (const row of rows) {
        const { __call, ...rest } = row as unknown as RawRow & { __call: number };
        byPosition[__call]?.push(rest);
      }
      calls.forEach((call, index) => {
        const own = byPosition[positions[index] ?? -1] ?? [];
        call.resolve({ rows: own, count: own.length });
      });
    } catch (error) {
      for (const call of calls) call.reject(error);
    }
  }
}
