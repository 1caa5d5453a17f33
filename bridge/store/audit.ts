/**
 * @module
 * The audit trail: append-only, one row per decision, dispatch attempt and state change.
 */
import { and, desc, eq, gte, inArray, lt, type SQL, sql } from "drizzle-orm";
import type { AuditKind } from "./audit-kinds.js";
import type { Db } from "./database.js";
import { hot } from "./hot-path.js";
import { auditEvents, type executions } from "./schema.js";
import { toDriverRow } from "./table-rows.js";
import { writing } from "./transaction.js";

export type { AuditKind };
export type AuditEvent = typeof auditEvents.$inferSelect;
/** A new event: its kind is one of the table in audit-kinds.ts. */
export type NewAuditEvent = Omit<typeof auditEvents.$inferInsert, "id" | "kind"> & { kind: AuditKind };

/** Listeners see each event after it is written (the live console, metrics). */
export type AuditListener = (event: AuditEvent) => void;

/** An audit event about one execution: who it concerns is taken from the execution itself. */
export function executionEvent(
  execution: Pick<typeof executions.$inferSelect, "id" | "alertname" | "runbook" | "target">,
  at: number,
  kind: AuditKind,
  message: string,
  data?: Record<string, unknown>,
): NewAuditEvent {
  return {
    at,
    kind,
    executionId: execution.id,
    alertname: execution.alertname,
    runbook: execution.runbook,
    target: execution.target,
    message,
    data: data ?? null,
  };
}

export async function appendAudit(db: Db, event: NewAuditEvent): Promise<AuditEvent> {
  return await writing(db, async () => {
    const row: Omit<AuditEvent, "id"> = {
      at: event.at,
      kind: event.kind,
      executionId: event.executionId ?? null,
      alertname: event.alertname ?? null,
      runbook: event.runbook ?? null,
      target: event.target ?? null,
      message: event.message,
      data: event.data ?? null,
    };
    const inserted = await hot(db).insertAudit.get(toDriverRow(auditEvents, row));
    if (!inserted) throw new Error("appending an audit event returned no id");
    return { id: Number(inserted.id), ...row };
  });
}

/** The events with these ids (those that exist), oldest first. */
export async function auditEventsByIds(db: Db, ids: readonly number[]): Promise<AuditEvent[]> {
  if (ids.length === 0) return [];
  return await db
    .select()
    .from(auditEvents)
    .where(inArray(auditEvents.id, [...ids]))
    .orderBy(auditEvents.id)
    .all();
}

export interface AuditQuery {
  n?: number;
  kind?: string;
  alertname?: string;
  executionId?: string;
  since?: number;
  before?: number;
  contains?: string;
}

/** Newest first. `contains` searches the message (case-insensitive, LIKE with escaping). */
export async function queryAudit(db: Db, query: AuditQuery): Promise<AuditEvent[]> {
  const filters: SQL[] = [];
  if (query.kind) filters.push(eq(auditEvents.kind, query.kind));
  if (query.alertname) filters.push(eq(auditEvents.alertname, query.alertname));
  if (query.executionId) filters.push(eq(auditEvents.executionId, query.executionId));
  if (query.since !== undefined) filters.push(gte(auditEvents.at, query.since));
  if (query.before !== undefined) filters.push(lt(auditEvents.id, query.before));
  if (query.contains) {
    const escaped = query.contains.replace(/[\\%_]/g, (char) => `\\${char}`);
    // lower() on both sides: SQLite's LIKE ignores ASCII case by itself, PostgreSQL's does not.
    filters.push(sql`lower(${auditEvents.message}) LIKE lower(${`%${escaped}%`}) ESCAPE '\\'`);
  }
  return await db
    .select()
    .from(auditEvents)
    .where(filters.length ? and(...filters) : undefined)
    .orderBy(desc(auditEvents.id))
    .limit(Math.min(Math.max(query.n ?? 100, 1), 1000))
    .all();
}
