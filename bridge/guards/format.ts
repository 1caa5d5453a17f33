import { formatDuration } from "../runbooks/duration.js";

/** `12:40:05Z` — short UTC clock time for reasons people read during an incident. */
export function clock(at: number): string {
  return `${new Date(at).toISOString().slice(11, 19)}Z`;
}

/** `3m ago` */
export function ago(at: number, now: number): string {
  return `${formatDuration(Math.max(0, now - at))} ago`;
}

/** `nginx-down on web-1`, or just the runbook when there is no target. */
export function subject(runbook: string, target: string | undefined): string {
  return target ? `${runbook} on ${target}` : runbook;
}
