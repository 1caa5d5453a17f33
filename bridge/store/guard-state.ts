/**
 * @module
 * Reads what the guards need for one decision. Cooldown, rate limits and the storm
 * limit are derived from `executions` (committed dispatches), never from counters.
 */
import { and, count, desc, eq, gt, gte, inArray, isNotNull, isNull, ne, or, type SQL } from "drizzle-orm";
import { breakerKey } from "../guards/circuit-breaker.js";
import type { BreakerSnapshot, GuardState } from "../guards/types.js";
import type { Db } from "./database.js";
import { breakers, type ExecutionState, executions } from "./schema.js";
import { isEnabled } from "./settings.js";

const HOUR = 3_600_000;

/** States in which an execution may still act on its target. */
export const ACTIVE_STATES: ExecutionState[] = [
  "pending",
  "dispatched",
  "queued",
  "awaiting_approval",
  "running",
];

/** A committed dispatch that counts for cooldown and rate limits: it reached, or may reach, GitHub. */
function countsAsDispatch(): SQL {
  return and(
    isNotNull(executions.committedAt),
    ne(executions.state, "dispatch_failed"),
    or(ne(executions.state, "cancelled"), isNotNull(executions.dispatchedAt)),
  ) as SQL;
}

function sameTarget(target: string | undefined): SQL {
  return target === undefined ? isNull(executions.target) : eq(executions.target, target);
}

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
  const row = db.select().from(breakers).where(eq(breakers.key, key)).get();
  if (row?.state !== "open") return undefined;
  const snapshot: BreakerSnapshot = {
    key: row.key,
    scope: row.scope,
    state: row.state,
    openedAt: row.openedAt ?? undefined,
    halfOpenAt: row.halfOpenAt ?? undefined,
    reason: row.reason,
    closesAutomatically: row.closesAutomatically,
  };
  if (snapshot.halfOpenAt !== undefined && now >= snapshot.halfOpenAt && !row.closesAutomatically) {
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
  const last = db
    .select({ id: executions.id, at: executions.committedAt })
    .from(executions)
    .where(and(eq(executions.runbook, runbook), sameTarget(target), countsAsDispatch()))
    .orderBy(desc(executions.committedAt))
    .limit(1)
    .get();
  const lastHour = db
    .select({ at: executions.committedAt })
    .from(executions)
    .where(and(eq(executions.runbook, runbook), gt(executions.committedAt, now - HOUR), countsAsDispatch()))
    .orderBy(executions.committedAt)
    .all();
  const active = db
    .select({ id: executions.id, state: executions.state, since: executions.updatedAt })
    .from(executions)
    .where(
      and(
        eq(executions.runbook, runbook),
        sameTarget(target),
        inArray(executions.state, ACTIVE_STATES),
        gt(executions.updatedAt, now - query.staleAfterMs),
      ),
    )
    .orderBy(desc(executions.createdAt))
    .limit(1)
    .get();
  const recent = db
    .select({ n: count() })
    .from(executions)
    .where(and(gt(executions.committedAt, now - query.stormWindowMs), countsAsDispatch()))
    .get();

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
