/**
 * @module
 * Assembles the runbook scorecard (GET /api/runbooks) from the store's aggregates: each
 * runbook's decisions, outcomes, verified rate, times to resolution, relapses, suppressions
 * by guard, last failure and breaker, over 24h, 7d and 30d. SQLite does the counting
 * (store/runbook-scorecard.ts); this module only sorts the counts into buckets
 * (outcome-buckets.ts) and windows.
 *
 * @example
 *   const answer = await runbookScorecard(db, { now: Date.now(), loaded: ["nginx-down"] });
 */
import { phaseOf } from "../breakers/state-machine.js";
import { openBreakers } from "../executions/breaker-changes.js";
import type {
  RunbookScorecardJson,
  RunbooksAnswer,
  ScorecardBreakerJson,
  ScorecardWindow,
  ScorecardWindowJson,
} from "../http/api-types.js";
import type { Db } from "../store/database.js";
import {
  countExecutionsByRunbookState,
  countRelapsesByRunbook,
  lastFailureByRunbook,
  type ResolutionTimeRow,
  resolutionTimesByRunbook,
  type StateCountRow,
} from "../store/runbook-scorecard.js";
import {
  bucketOf,
  FAILURE_STATES,
  JUDGED_BUCKETS,
  OUTCOME_BUCKETS,
  RESOLUTION_STATES,
} from "./outcome-buckets.js";

const DAY_MS = 86_400_000;

/** The windows, shortest first; the longest bounds every query. */
export const SCORECARD_WINDOWS: readonly { name: ScorecardWindow; ms: number }[] = [
  { name: "24h", ms: DAY_MS },
  { name: "7d", ms: 7 * DAY_MS },
  { name: "30d", ms: 30 * DAY_MS },
];

function emptyWindow(): ScorecardWindowJson {
  return {
    executions: 0,
    dispatched: 0,
    outcomes: Object.fromEntries(
      OUTCOME_BUCKETS.map((bucket) => [bucket, 0]),
    ) as ScorecardWindowJson["outcomes"],
    verifiedRate: null,
    timeToResolution: { count: 0, fromStart: null, fromDispatch: null },
    relapses: 0,
    suppressedBy: {},
  };
}

function emptyScorecard(runbook: string, loaded: boolean): RunbookScorecardJson {
  return {
    runbook,
    loaded,
    windows: Object.fromEntries(
      SCORECARD_WINDOWS.map((window) => [window.name, emptyWindow()]),
    ) as RunbookScorecardJson["windows"],
    lastFailure: null,
    breaker: { state: "closed", notClosed: [] },
  };
}

/** Adds one (runbook, state, guard) count row to each window it has executions in. */
export function addStateCounts(card: RunbookScorecardJson, row: StateCountRow): void {
  const bucket = bucketOf(row.state);
  SCORECARD_WINDOWS.forEach(({ name }, index) => {
    const window = card.windows[name];
    const decided = row.decided[index] ?? 0;
    window.executions += decided;
    window.dispatched += row.dispatched[index] ?? 0;
    window.outcomes[bucket] += decided;
    if (bucket === "suppressed" && decided > 0) {
      const guard = row.guard ?? "unknown";
      window.suppressedBy[guard] = (window.suppressedBy[guard] ?? 0) + decided;
    }
  });
}

/** verified / judged outcomes, or null when no outcome in the window was judged. */
export function verifiedRate(window: ScorecardWindowJson): number | null {
  const judged = JUDGED_BUCKETS.reduce((sum, bucket) => sum + window.outcomes[bucket], 0);
  return judged === 0 ? null : window.outcomes.verified / judged;
}

function addResolutionTimes(card: RunbookScorecardJson, row: ResolutionTimeRow): void {
  const window = SCORECARD_WINDOWS[row.window];
  if (!window) return;
  card.windows[window.name].timeToResolution = {
    count: row.count,
    fromStart: { medianMs: row.fromStartMedianMs, p90Ms: row.fromStartP90Ms },
    fromDispatch: { medianMs: row.fromDispatchMedianMs, p90Ms: row.fromDispatchP90Ms },
  };
}

const SEVERITY = { closed: 0, half_open: 1, open: 2 } as const;

async function addBreakers(cards: Map<string, RunbookScorecardJson>, db: Db, now: number): Promise<void> {
  for (const row of await openBreakers(db, now)) {
    const card = row.runbook === null ? undefined : cards.get(row.runbook);
    const phase = phaseOf(row, now);
    if (!card || phase === "closed") continue;
    const breaker: ScorecardBreakerJson = {
      key: row.key,
      scope: row.scope,
      target: row.target,
      state: phase,
      reason: row.reason,
      openedAt: row.openedAt,
      halfOpenAt: row.halfOpenAt,
    };
    card.breaker.notClosed.push(breaker);
    if (SEVERITY[phase] > SEVERITY[card.breaker.state]) card.breaker.state = phase;
  }
}

/**
 * The scorecard of every loaded runbook and of every runbook with executions in the last
 * 30 days, sorted by name.
 * @param options.now the end of every window
 * @param options.loaded names of the runbooks in the active set (shown even without executions)
 */
export async function runbookScorecard(
  db: Db,
  options: { now: number; loaded: readonly string[] },
): Promise<RunbooksAnswer> {
  const { now } = options;
  const starts = SCORECARD_WINDOWS.map((window) => now - window.ms);
  const cards = new Map<string, RunbookScorecardJson>();
  const cardOf = (runbook: string) => {
    let card = cards.get(runbook);
    if (!card) {
      card = emptyScorecard(runbook, false);
      cards.set(runbook, card);
    }
    return card;
  };
  for (const name of options.loaded) cards.set(name, emptyScorecard(name, true));

  for (const row of await countExecutionsByRunbookState(db, starts)) addStateCounts(cardOf(row.runbook), row);
  for (const row of await resolutionTimesByRunbook(db, starts, RESOLUTION_STATES)) {
    addResolutionTimes(cardOf(row.runbook), row);
  }
  for (const row of await countRelapsesByRunbook(db, starts)) {
    const card = cardOf(row.runbook);
    SCORECARD_WINDOWS.forEach(({ name }, index) => {
      card.windows[name].relapses = row.relapses[index] ?? 0;
    });
  }
  const longest = Math.min(...starts);
  for (const row of await lastFailureByRunbook(db, longest, FAILURE_STATES)) {
    cardOf(row.runbook).lastFailure = {
      executionId: row.id,
      state: row.state,
      reason: row.reason,
      at: row.at,
      runUrl: row.runUrl,
    };
  }
  for (const card of cards.values()) {
    for (const { name } of SCORECARD_WINDOWS)
      card.windows[name].verifiedRate = verifiedRate(card.windows[name]);
  }
  await addBreakers(cards, db, now);
  return {
    generatedAt: now,
    windows: SCORECARD_WINDOWS.map((window) => window.name),
    runbooks: [...cards.values()].sort((a, b) => a.runbook.localeCompare(b.runbook)),
  };
}
