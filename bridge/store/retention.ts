/**
 * @module
 * Retention: the queries that delete what is older than the retention period, one small
 * batch per transaction so a webhook waits at most one batch for the write lock. Each batch
 * walks its table in insertion order (the rowid, or the execution id, which sorts by creation
 * time) from a cursor, so a batch reads at most `limit` rows whatever the table's size, and
 * needs no index on a time column that every decision would have to maintain. PostgreSQL has
 * no rowid: there alert rows are taken oldest first delivery first, `limit` at a time, until a
 * batch finds fewer.
 *
 * What is kept, and why:
 * - An execution that is not final (executions/states.ts), or whose outbox row (or one of its
 *   notifications) is still pending or in flight: it may still act, and the workers read it.
 * - An execution anything happened to within the period (an audit event about it, such as a
 *   `duplicate` delivery): it is the occurrence's dedup anchor. Deleting it while Alertmanager
 *   still delivers the occurrence would decide, and maybe dispatch, the same occurrence again.
 * - Audit events of a kept execution: they explain its state. The rest go by age.
 * - An alert row delivered within the period, or whose occurrence has an execution that is not
 *   final (the approval gate asks whether the alert resolved).
 * Rows that hang off a deleted execution (its outbox row, notifications, run jobs and breaker failures) go in
 * the same transaction, so no row names an execution that is gone.
 */
import { sql } from "drizzle-orm";
import { FINAL_STATES } from "../executions/states.js";
import type { Db } from "./database.js";
import { sqliteClientOf } from "./engine.js";
import { executionIdFloor } from "./ids.js";
import { rawRow, rawRows, rawRun } from "./raw.js";
import { inTransaction } from "./transaction.js";

export interface PruneBatch {
  /** Rows deleted by this batch (dependent rows of deleted executions included). */
  deleted: number;
  /** Where the next batch starts; undefined when the table holds nothing older to look at. */
  next: string | number | undefined;
}

const finalStates = sql.raw(FINAL_STATES.map((state) => `'${state}'`).join(", "));

/** Deletes old, final executions (with their outbox rows, run jobs and breaker failures) among the next `limit` by id. */
export async function pruneExecutionBatch(
  db: Db,
  batch: { cutoff: number; after: string; limit: number },
): Promise<PruneBatch> {
  return await inTransaction(db, async (tx) => {
    // Only executions created before the cutoff can have been updated before it.
    const window = await rawRows<{ id: string }>(
      tx,
      sql`SELECT id FROM executions WHERE id > ${batch.after} AND id < ${executionIdFloor(batch.cutoff)}
          ORDER BY id LIMIT ${batch.limit}`,
    );
    const last = window.at(-1)?.id;
    if (last === undefined) return { deleted: 0, next: undefined };
    const ids = (
      await rawRows<{ id: string }>(
        tx,
        sql`SELECT e.id FROM executions e
          WHERE e.id > ${batch.after} AND e.id <= ${last}
            AND e.state IN (${finalStates}) AND e.updated_at < ${batch.cutoff}
            AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.execution_id = e.id AND o.state IN ('pending', 'in_flight'))
            AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.execution_id = e.id AND n.state IN ('pending', 'in_flight'))
            AND NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.execution_id = e.id AND a.at >= ${batch.cutoff})`,
      )
    ).map((row) => row.id);
    if (ids.length === 0) return { deleted: 0, next: last };
    // At most `limit` ids (a few dozen): one parameter each.
    const ofThese = sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    );
    let deleted = 0;
    deleted += await rawRun(tx, sql`DELETE FROM outbox WHERE execution_id IN (${ofThese})`);
    deleted += await rawRun(tx, sql`DELETE FROM notifications WHERE execution_id IN (${ofThese})`);
    deleted += await rawRun(tx, sql`DELETE FROM run_jobs WHERE execution_id IN (${ofThese})`);
    deleted += await rawRun(tx, sql`DELETE FROM breaker_failures WHERE execution_id IN (${ofThese})`);
    deleted += await rawRun(tx, sql`DELETE FROM executions WHERE id IN (${ofThese})`);
    return { deleted, next: last };
  });
}

/**
 * Deletes audit events older than the cutoff among the next `limit` by id, except those of an
 * execution that is kept. Events are appended in time order, so a batch that finds no old
 * event has reached the period kept: the walk ends there.
 */
export async function pruneAuditBatch(
  db: Db,
  batch: { cutoff: number; after: number; limit: number },
): Promise<PruneBatch> {
  return await inTransaction(db, async (tx) => {
    const window = await rawRow<{ last: number | null; old: number | null }>(
      tx,
      sql`SELECT max(id) AS last, sum(CASE WHEN at < ${batch.cutoff} THEN 1 ELSE 0 END) AS old
        FROM (SELECT id, at FROM audit_events WHERE id > ${batch.after} ORDER BY id LIMIT ${batch.limit}) AS walked`,
    );
    if (!window?.last || !window.old) return { deleted: 0, next: undefined };
    const deleted = await rawRun(
      tx,
      sql`DELETE FROM audit_events WHERE id IN (
          SELECT a.id FROM audit_events a
          WHERE a.id > ${batch.after} AND a.id <= ${window.last} AND a.at < ${batch.cutoff}
            AND (a.execution_id IS NULL
              OR NOT EXISTS (SELECT 1 FROM executions e WHERE e.id = a.execution_id)))`,
    );
    return { deleted, next: Number(window.last) };
  });
}

/** An alert row that may go: delivered last before the cutoff, its occurrence's executions all final. */
const alertMayGo = (cutoff: number) => sql`a.last_received_at < ${cutoff}
  AND NOT EXISTS (SELECT 1 FROM executions e
    WHERE e.fingerprint = a.fingerprint AND e.starts_at = a.starts_at AND e.state NOT IN (${finalStates}))`;

/**
 * Deletes alert rows last delivered before the cutoff among the next `limit` by rowid, except
 * those whose occurrence has an execution that is not final. Rows are inserted when an
 * occurrence is first delivered, so a batch with no row first delivered before the cutoff ends
 * the walk.
 */
export async function pruneAlertBatch(
  db: Db,
  batch: { cutoff: number; after: number; limit: number },
): Promise<PruneBatch> {
  if (!sqliteClientOf(db)) return await pruneAlertBatchWithoutRowid(db, batch);
  return await inTransaction(db, async (tx) => {
    const window = await rawRow<{ last: number | null; old: number | null }>(
      tx,
      sql`SELECT max(rowid) AS last, sum(first_received_at < ${batch.cutoff}) AS old
        FROM (SELECT rowid, first_received_at FROM alerts WHERE rowid > ${batch.after} ORDER BY rowid LIMIT ${batch.limit})`,
    );
    if (!window?.last || !window.old) return { deleted: 0, next: undefined };
    const deleted = await rawRun(
      tx,
      sql`DELETE FROM alerts WHERE rowid IN (
          SELECT a.rowid FROM alerts a
          WHERE a.rowid > ${batch.after} AND a.rowid <= ${window.last} AND ${alertMayGo(batch.cutoff)})`,
    );
    return { deleted, next: window.last };
  });
}

/** PostgreSQL: the oldest `limit` alert rows that may go; the walk ends with a batch that found fewer. */
async function pruneAlertBatchWithoutRowid(
  db: Db,
  batch: { cutoff: number; after: number; limit: number },
): Promise<PruneBatch> {
  return await inTransaction(db, async (tx) => {
    const deleted = await rawRun(
      tx,
      sql`DELETE FROM alerts WHERE (fingerprint, starts_at) IN (
          SELECT a.fingerprint, a.starts_at FROM alerts a
          WHERE a.first_received_at < ${batch.cutoff} AND ${alertMayGo(batch.cutoff)}
          ORDER BY a.first_received_at LIMIT ${batch.limit})`,
    );
    return { deleted, next: deleted < batch.limit ? undefined : batch.after + deleted };
  });
}
