/**
 * @module
 * Rows for the hand-prepared statements, derived from the drizzle tables in schema.ts.
 * The hot path skips drizzle's query builder for speed (see hot-path.ts), but not its
 * column list: INSERTs are written from the table's columns and values are converted by
 * each column's own driver mapping, so a column added to the schema cannot be missed by
 * a statement, and a boolean or JSON column is never read back as a raw number or string.
 */
import { type Column, getTableColumns, getTableName, SQL, type Table } from "drizzle-orm";

interface ColumnEntry {
  property: string;
  column: Column;
}

const entriesByTable = new WeakMap<Table, ColumnEntry[]>();

function entries(table: Table): ColumnEntry[] {
  let list = entriesByTable.get(table);
  if (!list) {
    list = Object.entries(getTableColumns(table)).map(([property, column]) => ({ property, column }));
    entriesByTable.set(table, list);
  }
  return list;
}

/** A key the database numbers by itself (SQLite's INTEGER PRIMARY KEY AUTOINCREMENT, PostgreSQL's identity). */
function numberedByDatabase(column: Column): boolean {
  return column.primary && (column as Column & { autoIncrement?: boolean }).autoIncrement === true;
}

/**
 * `INSERT INTO t (every column) VALUES (@everyProperty)`: bind it with `toDriverRow`. A key
 * the database numbers itself is left out (`RETURNING id` reads it back).
 */
export function insertSql(table: Table): string {
  const list = entries(table).filter((entry) => !numberedByDatabase(entry.column));
  return `INSERT INTO ${getTableName(table)} (${list.map((entry) => entry.column.name).join(", ")})
    VALUES (${list.map((entry) => `@${entry.property}`).join(", ")})`;
}

/**
 * The named parameters for `insertSql(table)`: every column present, a missing value given
 * the schema's default (or NULL), each converted by its column (JSON text, 0/1 booleans).
 */
export function toDriverRow(table: Table, value: Record<string, unknown>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const { property, column } of entries(table)) {
    let field = value[property];
    if (field === undefined && column.default !== undefined && !(column.default instanceof SQL)) {
      field = column.default;
    }
    row[property] = field === undefined || field === null ? null : column.mapToDriverValue(field);
  }
  return row;
}

/** A row as SQLite returned it (column names) → the table's `$inferSelect` shape. */
export function fromDriverRow<T>(table: Table, raw: Record<string, unknown>): T {
  const row: Record<string, unknown> = {};
  for (const { property, column } of entries(table)) {
    const field = raw[column.name];
    row[property] = field === undefined || field === null ? null : column.mapFromDriverValue(field);
  }
  return row as T;
}

/** Property name → column, for the column check of hand-written projections. */
export function columnsByName(table: Table): Map<string, ColumnEntry> {
  return new Map(entries(table).map((entry) => [entry.column.name, entry]));
}
