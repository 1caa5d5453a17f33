/**
 * @module
 * When the outbox tries a failed dispatch again: exponential backoff with jitter, so many
 * rows failing together (GitHub down) do not come back in one burst.
 */

/** Exponential backoff with jitter: 2s, 4s, 8s … capped at 5 minutes. */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = Math.min(300_000, 1_000 * 2 ** Math.min(attempt, 20));
  return Math.round(base * (0.75 + random() * 0.5));
}
