/**
 * @module
 * Circuit breaker state. Failures are rows (one per failed execution and key), counted
 * within the runbook's window; reaching the threshold opens the breaker until
 * `halfOpenAt`, when one probe may pass. A successful probe closes it.
 */
import { and, count, eq, gt } from "drizzle-orm";
import { breakerKey } from "../guards/circuit-breaker.js";
import { formatDuration } from "../runbooks/duration.js";
import type { ResolvedBreaker } from "../runbooks/resolved-runbook.js";
import type { Db } from "./database.js";
import { breakerFailures, breakers } from "./schema.js";

export type BreakerRow = typeof breakers.$inferSelect;

export interface BreakerChange {
  key: string;
  state: "open" | "closed";
  reason: string;
}

function upsert(db: Db, row: typeof breakers.$inferInsert): void {
  db.insert(breakers).values(row).onConflictDoUpdate({ target: breakers.key, set: row }).run();
}

/**
 * Counts a failed execution against its runbook's breaker and opens it when the
 * threshold is reached (or re-opens it when a half-open probe failed).
 */
export function recordBreakerFailure(
  db: Db,
  input: {
    runbook: string;
    target: string | undefined;
    executionId: string;
    config: ResolvedBreaker | undefined;
    now: number;
    why: string;
  },
): BreakerChange | undefined {
  const { config, now } = input;
  if (!config) return undefined;
  const scope = config.scope;
  const key = breakerKey(scope, input.runbook, input.target);
  db.insert(breakerFailures)
    .values({ key, executionId: input.executionId, at: now })
    .onConflictDoNothing()
    .run();

  const existing = db.select().from(breakers).where(eq(breakers.key, key)).get();
  const windowStart = Math.max(now - config.withinMs, existing?.countFailuresFrom ?? 0);
  const failures =
    db
      .select({ n: count() })
      .from(breakerFailures)
      .where(and(eq(breakerFailures.key, key), gt(breakerFailures.at, windowStart)))
      .get()?.n ?? 0;
  const halfOpenProbeFailed =
    existing?.state === "open" && existing.halfOpenAt !== null && now >= existing.halfOpenAt;
  if (failures < config.failures && !halfOpenProbeFailed) return undefined;
  if (existing?.state === "open" && !halfOpenProbeFailed) return undefined;

  const openFor = config.openForMs;
  const reason = halfOpenProbeFailed
    ? `half-open probe ${input.executionId} failed: ${input.why}`
    : `${failures} failure${failures === 1 ? "" : "s"} within ${config.within} (last: ${input.executionId}: ${input.why})`;
  upsert(db, {
    key,
    scope,
    runbook: scope === "global" ? null : input.runbook,
    target: scope === "target" ? (input.target ?? "") : null,
    state: "open",
    openedAt: now,
    halfOpenAt: now + openFor,
    countFailuresFrom: existing?.countFailuresFrom ?? 0,
    reason: `${reason}; open for ${formatDuration(openFor)}`,
    closesAutomatically: false,
    updatedAt: now,
  });
  return { key, state: "open", reason };
}

/** A successful execution closes its breaker when it was the half-open probe. */
export function recordBreakerSuccess(
  db: Db,
  input: {
    runbook: string;
    target: string | undefined;
    config: ResolvedBreaker | undefined;
    now: number;
    executionId: string;
  },
): BreakerChange | undefined {
  if (!input.config) return undefined;
  const key = breakerKey(input.config.scope, input.runbook, input.target);
  const existing = db.select().from(breakers).where(eq(breakers.key, key)).get();
  if (existing?.state !== "open" || existing.halfOpenAt === null || input.now < existing.halfOpenAt)
    return undefined;
  const reason = `half-open probe ${input.executionId} succeeded`;
  closeBreaker(db, key, input.now, reason);
  return { key, state: "closed", reason };
}

export function closeBreaker(db: Db, key: string, now: number, reason: string): boolean {
  const result = db
    .update(breakers)
    .set({
      state: "closed",
      countFailuresFrom: now,
      reason,
      updatedAt: now,
      openedAt: null,
      halfOpenAt: null,
    })
    .where(and(eq(breakers.key, key), eq(breakers.state, "open")))
    .run();
  return result.changes > 0;
}

/** The storm limit opens the global breaker; it closes by itself after `openForMs`. */
export function openGlobalBreaker(db: Db, now: number, openForMs: number, reason: string): void {
  upsert(db, {
    key: "global",
    scope: "global",
    runbook: null,
    target: null,
    state: "open",
    openedAt: now,
    halfOpenAt: now + openForMs,
    countFailuresFrom: now,
    reason,
    closesAutomatically: true,
    updatedAt: now,
  });
}

/** Open breakers, excluding storm breakers whose time is up. */
export function listOpenBreakers(db: Db, now: number): BreakerRow[] {
  return db
    .select()
    .from(breakers)
    .where(eq(breakers.state, "open"))
    .all()
    .filter((row) => !(row.closesAutomatically && row.halfOpenAt !== null && now >= row.halfOpenAt));
}
