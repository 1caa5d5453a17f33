/**
 * @module
 * The execution state table: every state, and what being in it means. Every group of
 * states the bridge uses (active, watching, final, on GitHub, cancellable, counts as a
 * dispatch, feeds the breaker) is derived from this one table, so a new state is described
 * once. Pure data; imports nothing (the store reads it to build its SQL).
 *
 *   decided:  suppressed | dry_run                         (final at once)
 *             notifying → notified | notify_failed         (mode: notify; the bridge's notifications)
 *             pending → dispatched → queued → awaiting_approval ⇄ running
 *                     ↘ dispatch_failed                    → succeeded | failed | cancelled | rolled_back
 *             succeeded (the run is over; the bridge watches the alert) → verified | not_cleared
 *             pending → awaiting_approval (held by the bridge, nothing on GitHub yet)
 *                     → pending (approved) | cancelled (rejected) | expired (unanswered)
 *
 * `succeeded` means only that the run's steps passed: the outcome is known when the alert
 * cleared (`verified`) or is still firing at the runbook's deadline (`not_cleared`), so the
 * breaker hears about those two, not about `succeeded`.
 */

export interface StateTraits {
  /** Nothing moves it any more. */
  final: boolean;
  /**
   * The run is over and the bridge watches whether the alert cleared: it no longer acts on its
   * target (so it blocks no other execution there), but its outcome is not known yet.
   */
  watching?: true;
  /**
   * Progress of a dispatched execution; an observation never moves it to a lower rank.
   * awaiting_approval and running share one: a run is running while its remediate job
   * waits for reviewers, and which of the two holds is derived from the jobs.
   */
  rank?: number;
  /** A run for it exists, or may exist, on GitHub. */
  onGitHub: boolean;
  /** Remediation has not started yet: a resolved alert may still cancel it (onResolved: cancel). */
  beforeRemediation: boolean;
  /**
   * Whether a committed execution in this state counts for cooldown and rate limits:
   * `always`, `never` (GitHub refused it), or `if_dispatched` (cancelled: only when it had
   * reached GitHub, where a run may have touched the target).
   */
  countsAsDispatch: "always" | "never" | "if_dispatched";
  /** What reaching this state tells the runbook's circuit breaker. */
  breaker?: "failure" | "success";
  /** How a run that was dispatched ended, as the outcome metrics and the scorecard count it. */
  runOutcome?: true;
  /** A decision records an alert in this state; the outcome as metrics name it. */
  decision?: "dispatched" | "suppressed" | "dry_run" | "notified";
  /**
   * Reaching this state tells the runbook's notify channels, once, that remediation failed
   * (run link, what was tried). A new failing outcome is one `notifiesFailure: true` here.
   */
  notifiesFailure?: true;
}

export const EXECUTION_STATES = {
  suppressed: {
    final: true,
    onGitHub: false,
    beforeRemediation: false,
    countsAsDispatch: "never",
    decision: "suppressed",
  },
  dry_run: {
    final: true,
    onGitHub: false,
    beforeRemediation: false,
    countsAsDispatch: "never",
    decision: "dry_run",
  },
  /** mode: notify. Its notifications are queued; nothing is dispatched. */
  notifying: {
    final: false,
    onGitHub: false,
    beforeRemediation: false,
    countsAsDispatch: "never",
    decision: "notified",
  },
  /** A notify channel took the notification (the first one that did). */
  notified: {
    final: true,
    onGitHub: false,
    beforeRemediation: false,
    countsAsDispatch: "never",
  },
  /** No notify channel took it: every one failed for good (the reason says why), or none applied. */
  notify_failed: {
    final: true,
    onGitHub: false,
    beforeRemediation: false,
    countsAsDispatch: "never",
  },
  pending: {
    final: false,
    rank: 0,
    onGitHub: false,
    beforeRemediation: true,
    countsAsDispatch: "always",
    decision: "dispatched",
  },
  dispatched: { final: false, rank: 1, onGitHub: true, beforeRemediation: true, countsAsDispatch: "always" },
  queued: { final: false, rank: 2, onGitHub: true, beforeRemediation: true, countsAsDispatch: "always" },
  awaiting_approval: {
    final: false,
    rank: 3,
    onGitHub: true,
    beforeRemediation: true,
    countsAsDispatch: "always",
  },
  running: { final: false, rank: 3, onGitHub: true, beforeRemediation: false, countsAsDispatch: "always" },
  succeeded: {
    final: false,
    watching: true,
    rank: 5,
    onGitHub: false,
    beforeRemediation: false,
    countsAsDispatch: "always",
  },
  /** The alert cleared within the runbook's outcome window after the run succeeded. */
  verified: {
    final: true,
    runOutcome: true,
    onGitHub: false,
    beforeRemediation: false,
    countsAsDispatch: "always",
    breaker: "success",
  },
  /** The run succeeded, yet the alert was still firing at the deadline: the remediation did not fix it. */
  not_cleared: {
    final: true,
    runOutcome: true,
    onGitHub: false,
    beforeRemediation: false,
    countsAsDispatch: "always",
    breaker: "failure",
    notifiesFailure: true,
  },
  failed: {
    final: true,
    runOutcome: true,
    rank: 5,
    onGitHub: false,
    beforeRemediation: false,
    countsAsDispatch: "always",
    breaker: "failure",
    notifiesFailure: true,
  },
  /** The verify phase failed and the rollback phase ran: the target was put back, nothing fixed. */
  rolled_back: {
    final: true,
    runOutcome: true,
    rank: 5,
    onGitHub: false,
    beforeRemediation: false,
    countsAsDispatch: "always",
    breaker: "failure",
    notifiesFailure: true,
  },
  cancelled: {
    final: true,
    rank: 5,
    onGitHub: false,
    beforeRemediation: false,
    countsAsDispatch: "if_dispatched",
  },
  /** An approval the bridge held got no answer within the runbook's approvalExpiry: nothing ran. */
  expired: {
    final: true,
    onGitHub: false,
    beforeRemediation: false,
    countsAsDispatch: "never",
  },
  dispatch_failed: {
    final: true,
    onGitHub: false,
    beforeRemediation: false,
    countsAsDispatch: "never",
    breaker: "failure",
  },
} as const satisfies Record<string, StateTraits>;

export type ExecutionState = keyof typeof EXECUTION_STATES;

/** States a decision can record an alert in. */
export type DecidedState = {
  [S in ExecutionState]: (typeof EXECUTION_STATES)[S] extends { decision: string } ? S : never;
}[ExecutionState];

const ALL = Object.keys(EXECUTION_STATES) as ExecutionState[];

/** Every state, in the order of the table (the schema's enum). */
export const executionStates = ALL as [ExecutionState, ...ExecutionState[]];

export function traitsOf(state: ExecutionState): StateTraits {
  return EXECUTION_STATES[state];
}

function where(test: (traits: StateTraits) => boolean): readonly ExecutionState[] {
  return Object.freeze(ALL.filter((state) => test(EXECUTION_STATES[state])));
}

/** Nothing moves them any more. */
export const FINAL_STATES = where((traits) => traits.final);
/** The execution may still act on its target: it blocks another on the same target. */
export const ACTIVE_STATES = where((traits) => !traits.final && !traits.watching);
/** The run is over; the bridge waits for the alert to clear (or the deadline) to know the outcome. */
export const WATCHING_STATES = where((traits) => traits.watching === true);
/** The outcome is not known yet (active or watching): a half-open breaker's probe in one has not finished. */
export const UNSETTLED_STATES = where((traits) => !traits.final);
/** Dispatched and not finished: GitHub has (or will have) a run to ask about. */
export const ON_GITHUB_STATES = where((traits) => traits.onGitHub);
/** Not yet remediating: a resolved alert with `onResolved: cancel` stops them. */
export const CANCELLABLE_STATES = where((traits) => traits.beforeRemediation);
/** Cancellable states whose run already exists on GitHub (cancelled there, by the reconciler). */
export const CANCELLABLE_ON_GITHUB_STATES = where((traits) => traits.beforeRemediation && traits.onGitHub);
/** How a dispatched run ended: verified, not cleared, rolled back, failed. */
export const RUN_OUTCOME_STATES = where((traits) => traits.runOutcome === true);
/** States a committed execution never counts as a dispatch in. */
export const NEVER_COUNTED_STATES = where((traits) => traits.countsAsDispatch === "never");
/** States a committed execution counts as a dispatch in only once it reached GitHub. */
export const COUNTED_IF_DISPATCHED_STATES = where((traits) => traits.countsAsDispatch === "if_dispatched");

/** Final states that tell the runbook's channels remediation failed (enter-state.ts queues it). */
export const NOTIFIES_FAILURE_STATES = where((traits) => traits.notifiesFailure === true);

/** A decision's state → the outcome metrics count it as (`pending` is a dispatch). */
export const DECISION_OUTCOMES: ReadonlyMap<ExecutionState, string> = new Map(
  ALL.flatMap((state) => {
    const outcome = (EXECUTION_STATES[state] as StateTraits).decision;
    return outcome ? [[state, outcome] as const] : [];
  }),
);

export function isFinal(state: ExecutionState): boolean {
  return EXECUTION_STATES[state].final;
}

/** The run is over (final, or watching the alert): GitHub's observations no longer move it. */
export function isRunOver(state: ExecutionState): boolean {
  const traits: StateTraits = EXECUTION_STATES[state];
  return traits.final || traits.watching === true;
}

export function isExecutionState(value: unknown): value is ExecutionState {
  return typeof value === "string" && Object.hasOwn(EXECUTION_STATES, value);
}

/** The state to move to, or undefined when the observation is old news (redelivered, out of order). */
export function advance(current: ExecutionState, observed: ExecutionState): ExecutionState | undefined {
  if (isRunOver(current) || observed === current) return undefined;
  const from = traitsOf(current).rank;
  const to = traitsOf(observed).rank;
  if (from === undefined || to === undefined || to < from) return undefined;
  return observed;
}
