import { clock } from "./format.js";
import { ALLOW, type Guard } from "./types.js";

const HOUR = 3_600_000;

/** At most N dispatches of a runbook within any sliding hour. */
export const maxPerHour: Guard = ({ runbook, state, now }) => {
  const limit = runbook.guards.maxPerHour;
  if (!limit) return ALLOW;
  const inWindow = state.dispatchesLastHour.filter((at) => at > now - HOUR);
  if (inWindow.length < limit) return ALLOW;
  // The window frees a slot when the oldest dispatch that counts falls out of it.
  const freesAt = (inWindow[inWindow.length - limit] ?? now) + HOUR;
  return {
    allow: false,
    guard: "max_per_hour",
    reason: `maxPerHour: ${runbook.name} dispatched ${inWindow.length} times in the last hour (limit ${limit}); next slot ${clock(freesAt)}`,
  };
};
