/**
 * @module
 * Retention: the queries that delete what is older than the retention period, one small
 * batch per transaction so a webhook waits at most one batch for the write lock. Each batch
 * walks its table in insertion order (the rowid, or the execution id, which sorts by creation
 * time) from a cursor, so a batch reads at most `limit` rows whatever the table's size, and
 * needs no index on a time column that every decision would have to maintain.
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
import { FINAL_STATES } from "../executions/states.js";
import type { Db } from "./database.js";
import { requireSqlite } from "./engine.js";
import { executionIdFloor } from "./ids.js";
import { inTransaction } from "./transaction.js";

export interface PruneBatch {
  /** Rows deleted by this batch (dependent rows of deleted executions included). */
  deleted: number;
  /** Where the next batch starts; undefined when the table holds nothing older to look at. */
  next: string | number | undefined;
}

const finalStates = FINAL_STATES.map((state) => `'${state}'`).join(", ");

/** Deletes old, final executions (with their outbox rows, run jobs and breaker failures) among the next `limit` by id. */
export async function pruneExecutionBatch(
  db: Db,
  batch: { cutoff: number; after: string; limit: number },
): Promise<PruneBatch> {
  const client = requireSqlite(db, "retention");
  return await inTransaction(db, () => {
    // Only executions created before the cutoff can have been updated before it.
    const window = client
      .prepare<[string, string, number], { id: string }>(
        "SELECT id FROM executions WHERE id > ? AND id < ? ORDER BY id LIMIT ?",
      )
      .all(batch.after, executionIdFloor(batch.cutoff), batch.limit);
    const last = window.at(-1)?.id;
    if (last === undefined) return { deleted: 0, next: undefined };
    const ids = client
      .prepare<{ after: string; last: string; cutoff: number }, { id: string }>(`
        SELECT e.id FROM executions e
        WHERE e.id > @after AND e.id <= @last
          AND e.state IN (${finalStates}) AND e.updated_at < @cutoff
          AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.execution_id = e.id AND o.state IN ('pending', 'in_flight'))
          AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.execution_id = e.id AND n.state IN ('pending', 'in_flight'))
          AND NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.execution_id = e.id AND a.at >= @cutoff)`)
      .all({ after: batch.after, last, cutoff: batch.cutoff })
      .map((row) => row.id);
    if (ids.length === 0) return { deleted: 0, next: last };
    const list = JSON.stringify(ids);
    const ofThese = "IN (SELECT value FROM json_each(?))";
    let deleted = 0;
    for (const statement of [
      `DELETE FROM outbox WHERE execution_id ${ofThese}`,
      `DELETE FROM notifications WHERE execution_id ${ofThese}`,
      `DELETE FROM run_jobs WHERE execution_id ${ofThese}`,
      `DELETE FROM breaker_failures WHERE execution_id ${ofThese}`,
      `DELETE FROM executions WHERE id ${ofThese}`,
    ]) {
      deleted += client.prepare(statement).run(list).changes;
    }
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
  const client = requireSqlite(db, "retention");
  return await inTransaction(db, () => {
    const window = client
      .prepare<[number, number, number], { last: number | null; old: number | null }>(`
        SELECT max(id) AS last, sum(at < ?) AS old
        FROM (SELECT id, at FROM audit_events WHERE id > ? ORDER BY id LIMIT ?)`)
      .get(batch.cutoff, batch.after, batch.limit);
    if (!window?.last || !window.old) return { deleted: 0, next: undefined };
    const { changes } = client
      .prepare<{ after: number; last: number; cutoff: number }>(`
        DELETE FROM audit_events WHERE id IN (
          SELECT a.id FROM audit_events a
          WHERE a.id > @after AND a.id <= @last AND a.at < @cutoff
            AND (a.execution_id IS NULL
              OR NOT EXISTS (SELECT 1 FROM executions e WHERE e.id = a.execution_id)))`)
      .run({ after: batch.after, last: window.last, cutoff: batch.cutoff });
    return { deleted: changes, next: window.last };
  });
}

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
  const client = requireSqlite(db, "retention");
  return await inTransaction(db, () => {
    const window = client
      .prepare<[number, number, number], { last: number | null; old: number | null }>(`
        SELECT max(rowid) AS last, sum(first_received_at < ?) AS old
        FROM (SELECT rowid, first_received_at FROM alerts WHERE rowid > ? ORDER BY rowid LIMIT ?)`)
      .get(batch.cutoff, batch.after, batch.limit);
    if (!window?.last || !window.old) return { deleted: 0, next: undefined };
    const { changes } = client
      .prepare<{ after: number; last: number; cutoff: number }>(`
        DELETE FROM alerts WHERE rowid IN (
          SELECT a.rowid FROM alerts a
          WHERE a.rowid > @after AND a.rowid <= @last AND a.last_received_at < @cutoff
            AND NOT EXISTS (SELECT 1 FROM executions e
              WHERE e.fingerprint = a.fingerprint AND e.starts_at = a.starts_at
                AND e.state NOT IN (${finalStates})))`)
      .run({ after: batch.after, last: window.last, cutoff: batch.cutoff });
    return { deleted: changes, next: window.last };
  });
}
