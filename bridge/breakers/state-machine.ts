/**
 * @module
 * The circuit breaker's state machine, whole and pure: what a breaker is at a moment,
 * and what a failure, a success, a storm or an operator's reset makes of it.
 *
 *   closed ──(failures within the window reach the threshold)──▶ open
 *   open ──(openFor elapses)──▶ half-open: one probe may pass
 *   half-open ──(the probe succeeds)──▶ closed     half-open ──(the probe fails)──▶ open
 *   any ──(operator reset)──▶ closed
 *
 * A storm breaker (the global storm limit) closes by itself once its time is up: there
 * is no probe to wait for. The store reads and writes the rows; the guard asks `phaseOf`.
 *
 * @example
 *   const next = nextBreaker(current, { kind: "failure", executionId, why, failuresInWindow: 3 }, scope, now);
 *   if (next) writeBreaker(db, next.record);
 */
import { formatDuration } from "../runbooks/duration.js";

export type BreakerScope = "runbook" | "target" | "global";

/** A breaker as stored. Times are epoch milliseconds. */
export interface BreakerRecord {
  key: string;
  scope: BreakerScope;
  runbook: string | null;
  target: string | null;
  state: "open" | "closed";
  openedAt: number | null;
  /** From then on the breaker is half-open and lets one probe through. */
  halfOpenAt: number | null;
  /** Failures before this time no longer count (set when the breaker closes or a storm opens it). */
  countFailuresFrom: number;
  reason: string;
  /** Storm breakers close by themselves after openFor; failure breakers need a successful probe. */
  closesAutomatically: boolean;
  updatedAt: number;
}

/** A runbook's breaker settings, in milliseconds. */
export interface BreakerPolicy {
  failures: number;
  withinMs: number;
  openForMs: number;
}

/** Which breaker a runbook's failures count against. */
export interface BreakerScopeKey {
  key: string;
  scope: BreakerScope;
  runbook: string | null;
  target: string | null;
}

export type BreakerEvent =
  | { kind: "failure"; executionId: string; why: string; failuresInWindow: number; policy: BreakerPolicy }
  | { kind: "success"; executionId: string }
  | { kind: "storm"; reason: string; openForMs: number }
  | { kind: "reset"; reason: string };

export interface BreakerChange {
  key: string;
  state: "open" | "closed";
  reason: string;
}

export type BreakerPhase = "closed" | "open" | "half_open";

/** The breaker key a runbook's failures count against. */
export function breakerKey(scope: BreakerScope, runbook: string, target: string | undefined): string {
  if (scope === "global") return "global";
  if (scope === "target") return `target:${runbook}:${target ?? ""}`;
  return `runbook:${runbook}`;
}

export function breakerScopeKey(
  scope: BreakerScope,
  runbook: string,
  target: string | undefined,
): BreakerScopeKey {
  return {
    key: breakerKey(scope, runbook, target),
    scope,
    runbook: scope === "global" ? null : runbook,
    target: scope === "target" ? (target ?? "") : null,
  };
}

/** The fields that decide a breaker's phase. */
export type BreakerTiming = Pick<BreakerRecord, "state"> & {
  halfOpenAt?: number | null;
  closesAutomatically?: boolean;
};

/** What the breaker is at `now`. A storm breaker whose time is up is closed. */
export function phaseOf(breaker: BreakerTiming | undefined, now: number): BreakerPhase {
  if (breaker?.state !== "open") return "closed";
  if (breaker.halfOpenAt === null || breaker.halfOpenAt === undefined || now < breaker.halfOpenAt)
    return "open";
  return breaker.closesAutomatically ? "closed" : "half_open";
}

/** Failures at or before this time do not count towards opening the breaker. */
export function failureWindowStart(
  breaker: BreakerRecord | undefined,
  withinMs: number,
  now: number,
): number {
  return Math.max(now - withinMs, breaker?.countFailuresFrom ?? 0);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function opened(
  at: BreakerScopeKey,
  current: BreakerRecord | undefined,
  now: number,
  openForMs: number,
  reason: string,
  storm: boolean,
): { record: BreakerRecord; change: BreakerChange } {
  return {
    record: {
      ...at,
      state: "open",
      openedAt: now,
      halfOpenAt: now + openForMs,
      // A storm starts a fresh count; a failure breaker keeps counting from its last close.
      countFailuresFrom: storm ? now : (current?.countFailuresFrom ?? 0),
      reason: storm ? reason : `${reason}; open for ${formatDuration(openForMs)}`,
      closesAutomatically: storm,
      updatedAt: now,
    },
    change: { key: at.key, state: "open", reason },
  };
}

function closed(
  current: BreakerRecord,
  now: number,
  reason: string,
): { record: BreakerRecord; change: BreakerChange } {
  return {
    record: {
      ...current,
      state: "closed",
      openedAt: null,
      halfOpenAt: null,
      countFailuresFrom: now,
      reason,
      updatedAt: now,
    },
    change: { key: current.key, state: "closed", reason },
  };
}

/**
 * The breaker after `event`, or undefined when the event changes nothing.
 * @param current the stored breaker at `at.key`, if any
 * @param at where the event happens (a storm and a reset name the key themselves)
 */
export function nextBreaker(
  current: BreakerRecord | undefined,
  event: BreakerEvent,
  at: BreakerScopeKey,
  now: number,
): { record: BreakerRecord; change: BreakerChange } | undefined {
  const phase = phaseOf(current, now);
  switch (event.kind) {
    case "failure": {
      if (phase === "half_open") {
        return opened(
          at,
          current,
          now,
          event.policy.openForMs,
          `half-open probe ${event.executionId} failed: ${event.why}`,
          false,
        );
      }
      if (phase === "open" || event.failuresInWindow < event.policy.failures) return undefined;
      const reason = `${plural(event.failuresInWindow, "failure")} within ${formatDuration(event.policy.withinMs)} (last: ${event.executionId}: ${event.why})`;
      return opened(at, current, now, event.policy.openForMs, reason, false);
    }
    case "success":
      if (phase !== "half_open" || !current) return undefined;
      return closed(current, now, `half-open probe ${event.executionId} succeeded`);
    case "storm":
      return opened(at, current, now, event.openForMs, event.reason, true);
    case "reset":
      if (current?.state !== "open") return undefined;
      return closed(current, now, event.reason);
  }
}
