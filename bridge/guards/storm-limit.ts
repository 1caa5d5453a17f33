import { formatDuration } from "../runbooks/duration.js";
import { clock } from "./format.js";
import { ALLOW, type Guard } from "./types.js";

/**
 * Across all runbooks, more than `max` dispatches within the window means automation
 * itself may be amplifying an outage: the global breaker opens and says so.
 */
export const stormLimit: Guard = ({ storm, state, now }) => {
  if (state.recentDispatchesAll < storm.max) return ALLOW;
  return {
    allow: false,
    guard: "storm_limit",
    reason: `storm limit: ${state.recentDispatchesAll} dispatches across all runbooks in the last ${formatDuration(storm.windowMs)} (limit ${storm.max}); global breaker opened until ${clock(now + storm.openForMs)}`,
    opensGlobalBreaker: true,
  };
};
