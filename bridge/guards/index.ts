/**
 * @module
 * The guards in the order they are evaluated; the first that says no decides, and its
 * reason is recorded on the execution. Identity comes first and is not a guard: an alert
 * occurrence that already has an execution is a duplicate (HA Alertmanager peers,
 * retries and repeat_interval all deliver it again) and is never decided twice. Then:
 *
 *   1 kill switch        5 maxPerHour (sliding hour, per runbook)
 *   2 blackout window    6 circuit breaker (global, then the runbook's scope)
 *   3 target allowed     7 one active execution per runbook + target
 *   4 cooldown           8 global storm limit (opens the global breaker)
 *
 * After the guards, the runbook's mode (or global dry-run) decides whether to dispatch.
 */
import { activeExecution } from "./active-execution.js";
import { blackout } from "./blackout.js";
import { circuitBreaker } from "./circuit-breaker.js";
import { cooldown } from "./cooldown.js";
import { killSwitch } from "./kill-switch.js";
import { maxPerHour } from "./max-per-hour.js";
import { stormLimit } from "./storm-limit.js";
import { targetAllowed } from "./target-allowed.js";
import { ALLOW, type Guard, type GuardContext, type Verdict } from "./types.js";

export const GUARDS: readonly Guard[] = [
  killSwitch,
  blackout,
  targetAllowed,
  cooldown,
  maxPerHour,
  circuitBreaker,
  activeExecution,
  stormLimit,
];

export function evaluateGuards(context: GuardContext): Verdict {
  for (const guard of GUARDS) {
    const verdict = guard(context);
    if (!verdict.allow) return verdict;
  }
  return ALLOW;
}

export type { GuardContext, GuardState, Verdict } from "./types.js";
