/**
 * @module
 * Reads what the guards need for one decision. Cooldown, rate limits and the storm
 * limit are derived from `executions` (committed dispatches), never from counters.
 */
import { and, eq, gte, inArray } from "drizzle-orm";
import { breakerKey } from "../guards/circuit-breaker.js";
import type { BreakerSnapshot, GuardState } from "../guards/types.js";
import type { Db } from "./database.js";
import { ACTIVE_STATES, COUNTS_AS_DISPATCH, hot } from "./hot-path.js";
import { executions } from "./schema.js";
import { isEnabled } from "./settings.js";

const HOUR = 3_600_000;

export { ACTIVE_STATES };

export interface GuardStateQuery {
  runbook: string;
  target: string | undefined;
  breakerScope?: "runbook" | "target" | "global";
  stormWindowMs: number;
  /** Active executions not heard of for this long stop blocking (a missed webhook must not block forever). */
  staleAfterMs: number;
  now: number;
}

function breakerSnapshot(db: Db, key: string, now: number): BreakerSnapshot | undefined {
  const row = hot(db).breaker.get(key);
  if (row?.state !== "open") return undefined;
  const snapshot: BreakerSnapshot = {
    key: row.key,
    scope: row.scope,
    state: row.state,
    openedAt: row.openedAt ?? undefined,
    halfOpenAt: row.halfOpenAt ?? undefined,
    reason: row.reason,
    closesAutomatically: row.closesAutomatically === 1,
  };
  if (snapshot.halfOpenAt !== undefined && now >= snapshot.halfOpenAt && !snapshot.closesAutomatically) {
    const scopeFilter =
      row.scope === "global"
        ? undefined
        : row.scope === "runbook"
          ? eq(executions.runbook, row.runbook ?? "")
          : and(eq(executions.runbook, row.runbook ?? ""), eq(executions.target, row.target ?? ""));
    const probe = db
      .select({ id: executions.id })
      .from(executions)
      .where(
        and(
          scopeFilter,
          gte(executions.committedAt, snapshot.halfOpenAt),
          inArray(executions.state, ACTIVE_STATES),
        ),
      )
      .limit(1)
      .get();
    snapshot.probeExecutionId = probe?.id;
  }
  return snapshot;
}

export function loadGuardState(db: Db, query: GuardStateQuery): GuardState {
  const { runbook, target, now } = query;
  const statements = hot(db);
  const last = statements.lastDispatch.get(runbook, target ?? null);
  const lastHour = statements.dispatchesSince.all(runbook, now - HOUR);
  const active = statements.activeExecution.get(runbook, target ?? null, now - query.staleAfterMs);
  const recent = statements.dispatchesAllSince.get(now - query.stormWindowMs);

  const scope = query.breakerScope;
  return {
    enabled: isEnabled(db),
    lastDispatch: last?.at ? { at: last.at, executionId: last.id } : undefined,
    dispatchesLastHour: lastHour.map((row) => row.at ?? 0),
    breaker:
      scope && scope !== "global" ? breakerSnapshot(db, breakerKey(scope, runbook, target), now) : undefined,
    globalBreaker: breakerSnapshot(db, "global", now),
    active: active ? { id: active.id, state: active.state, since: active.since } : undefined,
    recentDispatchesAll: recent?.n ?? 0,
  };
}

/**
 * The latest committed dispatch per runbook + target since `since`, by the same rule the
 * cooldown guard applies (for the cooldown-remaining gauge).
 */
export function lastDispatchesSince(
  db: Db,
  since: number,
): { runbook: string; target: string; at: number }[] {
  return db.$client
    .prepare<[number], { runbook: string; target: string; at: number }>(`
      SELECT runbook, coalesce(target, '') AS target, max(committed_at) AS at FROM executions
      WHERE committed_at > ? AND runbook IS NOT NULL AND ${COUNTS_AS_DISPATCH}
      GROUP BY runbook, target`)
    .all(since);
}
