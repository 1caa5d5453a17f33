/**
 * @module
 * Blackout windows: a cron expression marks each window's start in a time zone, a
 * duration its length. Inside one, nothing is dispatched (e.g. during a maintenance).
 */
import { Cron } from "croner";
import { parseDuration } from "../runbooks/duration.js";
import type { Blackout } from "../runbooks/runbook.types.js";
import { clock } from "./format.js";
import { ALLOW, type Guard } from "./types.js";

const compiled = new WeakMap<Blackout, { cron: Cron; durationMs: number }>();

function compile(window: Blackout) {
  let entry = compiled.get(window);
  if (!entry) {
    entry = {
      cron: new Cron(window.cron, { timezone: window.timezone ?? "UTC", paused: true }),
      durationMs: parseDuration(window.duration),
    };
    compiled.set(window, entry);
  }
  return entry;
}

/** The window containing `now`, as [start, end), or undefined. */
export function activeWindow(window: Blackout, now: number): { start: number; end: number } | undefined {
  const { cron, durationMs } = compile(window);
  // The first start strictly after (now - duration) is the only one whose window can contain now.
  const start = cron.nextRun(new Date(now - durationMs))?.getTime();
  if (start === undefined || start > now) return undefined;
  return { start, end: start + durationMs };
}

export const blackout: Guard = ({ runbook, now }) => {
  for (const window of runbook.guards?.blackout ?? []) {
    const active = activeWindow(window, now);
    if (active) {
      const why = window.reason ? ` (${window.reason})` : "";
      return {
        allow: false,
        guard: "blackout",
        reason: `blackout: ${runbook.name} is in the window "${window.cron}" ${window.timezone ?? "UTC"} for ${window.duration}${why}, ${clock(active.start)}–${clock(active.end)}`,
      };
    }
  }
  return ALLOW;
};
