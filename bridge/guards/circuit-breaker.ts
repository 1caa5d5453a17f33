/**
 * @module
 * Circuit breakers stop automation that keeps failing from making an outage worse.
 * Open: nothing passes until `halfOpenAt`. Half-open: one probe passes; while it runs,
 * everything else waits. How a breaker opens and closes is breakers/state-machine.ts;
 * this guard only asks what phase it is in.
 */
import { phaseOf } from "../breakers/state-machine.js";
import { clock } from "./format.js";
import { ALLOW, type BreakerSnapshot, type Guard, type Verdict } from "./types.js";

function judge(breaker: BreakerSnapshot | undefined, now: number): Verdict {
  const phase = phaseOf(breaker, now);
  if (!breaker || phase === "closed") return ALLOW;
  const label = breaker.key === "global" ? "global breaker" : `breaker ${breaker.key}`;
  if (phase === "open") {
    const until = breaker.halfOpenAt == null ? "until reset" : `half-open at ${clock(breaker.halfOpenAt)}`;
    return {
      allow: false,
      guard: "circuit_breaker",
      reason: `circuit breaker: ${label} is open (${breaker.reason}); ${until}`,
    };
  }
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
