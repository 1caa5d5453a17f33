/**
 * @module
 * Gathers what the guards need for one decision from the store: the dispatch counts,
 * the kill switch, and the breakers with their half-open probe (a breaker's phase is the
 * state machine's answer, not the store's).
 */
import { phaseOf } from "../breakers/state-machine.js";
import type { BreakerSnapshot, GuardState } from "../guards/types.js";
import type { Db } from "../store/database.js";
import { readBreakerFast, readDispatchFacts, unfinishedExecutionInScope } from "../store/guard-state.js";
import { isEnabled } from "../store/settings.js";

export interface GuardStateQuery {
  runbook: string;
  target: string | undefined;
  /** The key of the runbook's own breaker (runbook or target scope), when it has one. */
  breakerKey?: string;
  stormWindowMs: number;
  /** Active executions not heard of for this long stop blocking (a missed webhook must not block forever). */
  staleAfterMs: number;
  now: number;
}

async function breakerSnapshot(db: Db, key: string, now: number): Promise<BreakerSnapshot | undefined> {
  const row = await readBreakerFast(db, key);
  if (row?.state !== "open") return undefined;
  const probe =
    phaseOf(row, now) === "half_open" && row.halfOpenAt !== null
      ? await unfinishedExecutionInScope(db, row, row.halfOpenAt)
      : undefined;
  return { ...row, probeExecutionId: probe };
}

export async function loadGuardState(db: Db, query: GuardStateQuery): Promise<GuardState> {
  const { now } = query;
  // Asked together: on PostgreSQL the reads go out on the transaction's connection one after
  // the other without waiting for each answer (pipelined), one round trip instead of several.
  const [facts, enabled, breaker, globalBreaker] = await Promise.all([
    readDispatchFacts(db, {
      runbook: query.runbook,
      target: query.target,
      activeSince: now - query.staleAfterMs,
      stormSince: now - query.stormWindowMs,
      now,
    }),
    isEnabled(db),
    query.breakerKey ? breakerSnapshot(db, query.breakerKey, now) : undefined,
    breakerSnapshot(db, "global", now),
  ]);
  const { lastDispatch, active } = facts;
  return {
    enabled,
    lastDispatch: lastDispatch?.committedAt
      ? { at: lastDispatch.committedAt, executionId: lastDispatch.id }
      : undefined,
    dispatchesLastHour: facts.dispatchesLastHour,
    breaker,
    globalBreaker,
    active: active ? { id: active.id, state: active.state, since: active.updatedAt } : undefined,
    recentDispatchesAll: facts.dispatchesAllSince,
  };
}
