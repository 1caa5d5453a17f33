import { ago, clock, subject } from "./format.js";
import { ALLOW, type Guard } from "./types.js";

/** Not again for the same runbook + target until the cooldown has passed since the last dispatch. */
export const cooldown: Guard = ({ runbook, target, state, now }) => {
  const period = runbook.guards.cooldownMs;
  const last = state.lastDispatch;
  if (period === undefined || !last) return ALLOW;
  const nextAllowed = last.at + period;
  if (now >= nextAllowed) return ALLOW;
  return {
    allow: false,
    guard: "cooldown",
    reason: `cooldown: ${subject(runbook.name, target)} last dispatched ${ago(last.at, now)} (${last.executionId}); next allowed ${clock(nextAllowed)}`,
  };
};
