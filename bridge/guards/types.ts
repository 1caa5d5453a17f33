/**
 * @module
 * What every guard sees and says. A guard is a pure function of (alert, runbook, state,
 * now): no I/O, no clock, so each is tested with tables and the decision can be replayed.
 */
import type { NormalizedAlert } from "../alerts/types.js";
import type { BreakerScope, BreakerTiming } from "../breakers/state-machine.js";
import type { ResolvedRunbook } from "../runbooks/resolved-runbook.js";

export type GuardName =
  | "kill_switch"
  | "blackout"
  | "target_not_allowed"
  | "cooldown"
  | "max_per_hour"
  | "circuit_breaker"
  | "active_execution"
  | "storm_limit";

/** A breaker as a decision sees it: its phase's fields, and the half-open probe still running. */
export interface BreakerSnapshot extends BreakerTiming {
  key: string;
  scope: BreakerScope;
  openedAt?: number | null;
  reason: string;
  /** A probe let through while half-open that has not finished yet. */
  probeExecutionId?: string;
}

/** State read from the store for one decision. Times are epoch milliseconds. */
export interface GuardState {
  /** Whether automation is switched on (the kill switch). */
  enabled: boolean;
  /** The last dispatch for this runbook + target. */
  lastDispatch?: { at: number; executionId: string };
  /** Dispatch times of this runbook within the last hour, oldest first. */
  dispatchesLastHour: number[];
  /** The breaker at the runbook's own scope, when it has one. */
  breaker?: BreakerSnapshot;
  /** The global breaker (opened by a storm or a global-scope runbook). */
  globalBreaker?: BreakerSnapshot;
  /** A non-final execution for this runbook + target. */
  active?: { id: string; state: string; since: number };
  /** Dispatches across all runbooks within the storm window. */
  recentDispatchesAll: number;
}

export interface StormLimit {
  /** More than this many dispatches within `windowMs` opens the global breaker. */
  max: number;
  windowMs: number;
  openForMs: number;
}

export interface GuardContext {
  alert: NormalizedAlert;
  runbook: ResolvedRunbook;
  target: string | undefined;
  state: GuardState;
  storm: StormLimit;
  now: number;
}

export type Verdict =
  | { allow: true }
  | {
      allow: false;
      guard: GuardName;
      reason: string;
      /** The storm guard asks the recorder to open the global breaker. */
      opensGlobalBreaker?: boolean;
    };

export type Guard = (context: GuardContext) => Verdict;

export const ALLOW: Verdict = Object.freeze({ allow: true });
