/**
 * @module
 * Blackout windows: a cron expression marks each window's start in a time zone, a
 * duration its length. Inside one, nothing is dispatched (e.g. during a maintenance).
 */
import { Cron } from "croner";
import type { ResolvedBlackout } from "../runbooks/resolved-runbook.js";
import { clock } from "./format.js";
import { ALLOW, type Guard } from "./types.js";

interface CompiledWindow {
  cron: Cron;
  /** Last answer: the first start strictly after `from`. */
  from?: number;
  start?: number | null;
}

const compiled = new WeakMap<ResolvedBlackout, CompiledWindow>();

function compile(window: ResolvedBlackout): CompiledWindow {
  let entry = compiled.get(window);
  if (!entry) {
    entry = { cron: new Cron(window.cron, { timezone: window.timezone, paused: true }) };
    compiled.set(window, entry);
  }
  return entry;
}

/**
 * The first window start strictly after `from`. Evaluating a cron expression in a time zone
 * is the costliest step of a decision, and its answer stays the same until `from` passes
 * that start, so it is remembered until then.
 */
function firstStartAfter(entry: CompiledWindow, from: number): number | null {
  const known = entry.start;
  if (
    entry.from !== undefined &&
    known !== undefined &&
    from >= entry.from &&
    (known === null || from < known)
  ) {
    return known;
  }
  const start = entry.cron.nextRun(new Date(from))?.getTime() ?? null;
  entry.from = from;
  entry.start = start;
  return start;
}

/** The window containing `now`, as [start, end), or undefined. */
export function activeWindow(
  window: ResolvedBlackout,
  now: number,
): { start: number; end: number } | undefined {
  const entry = compile(window);
  // The first start strictly after (now - duration) is the only one whose window can contain now.
  const start = firstStartAfter(entry, now - window.durationMs);
  if (start === null || start > now) return undefined;
  return { start, end: start + window.durationMs };
}

export const blackout: Guard = ({ runbook, now }) => {
  for (const window of runbook.guards.blackout) {
    const active = activeWindow(window, now);
    if (active) {
      const why = window.reason ? ` (${window.reason})` : "";
      return {
        allow: false,
        guard: "blackout",
        reason: `blackout: ${runbook.name} is in the window "${window.cron}" ${window.timezone} for ${window.duration}${why}, ${clock(active.start)}–${clock(active.end)}`,
      };
    }
  }
  return ALLOW;
};
