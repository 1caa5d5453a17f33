/**
 * @module
 * Circuit breakers stop automation that keeps failing from making an outage worse.
 * Open: nothing passes until `halfOpenAt`. Half-open: one probe passes; while it runs,
 * everything else waits; its success closes the breaker, its failure opens it again.
 */
import { clock } from "./format.js";
import { ALLOW, type BreakerSnapshot, type Guard, type Verdict } from "./types.js";

function judge(breaker: BreakerSnapshot | undefined, now: number): Verdict {
  if (breaker?.state !== "open") return ALLOW;
  const label = breaker.key === "global" ? "global breaker" : `breaker ${breaker.key}`;
  if (breaker.halfOpenAt === undefined || now < breaker.halfOpenAt) {
    const until =
      breaker.halfOpenAt === undefined ? "until reset" : `half-open at ${clock(breaker.halfOpenAt)}`;
    return {
      allow: false,
      guard: "circuit_breaker",
      reason: `circuit breaker: ${label} is open (${breaker.reason}); ${until}`,
    };
  }
  if (breaker.closesAutomatically) return ALLOW;
  if (breaker.probeExecutionId) {
    return {
      allow: false,
      guard: "circuit_breaker",
      reason: `circuit breaker: ${label} is half-open and its probe ${breaker.probeExecutionId} has not finished`,
    };
  }
  return ALLOW;
}

export const circuitBreaker: Guard = ({ state, now }) => {
  const global = judge(state.globalBreaker, now);
  return global.allow ? judge(state.breaker, now) : global;
};

/** The breaker key a runbook's failures count against. */
export function breakerKey(
  scope: "runbook" | "target" | "global",
  runbook: string,
  target: string | undefined,
): string {
  if (scope === "global") return "global";
  if (scope === "target") return `target:${runbook}:${target ?? ""}`;
  return `runbook:${runbook}`;
}
