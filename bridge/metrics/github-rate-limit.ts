/**
 * @module
 * GitHub's rate limit as gauges, read from the `x-ratelimit-*` headers GitHub sends on
 * every answer (errors included), which the GitHub client hands over — no extra API calls.
 *
 * @example
 *   const gauges = rateLimitGauges(registry);
 *   observeAnswers(octokit, gauges.record);
 */
import { Gauge, type Registry } from "prom-client";
import { oneOf, RATE_LIMIT_RESOURCES } from "./label-values.js";

type Headers = Record<string, string | number | undefined>;

export interface RateLimitGauges {
  /** Records one answer's headers (exported for tests and other HTTP clients). */
  record(headers: Headers | undefined): void;
}

function gauge(registry: Registry, name: string, help: string): Gauge<"resource"> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Gauge<"resource">;
  return new Gauge({ name, help, labelNames: ["resource"], registers: [registry] });
}

/** The gauges, registered once per registry (several clients may share them). */
export function rateLimitGauges(registry: Registry): RateLimitGauges {
  const remaining = gauge(
    registry,
    "runbridge_github_rate_limit_remaining",
    "Requests left in GitHub's current rate-limit window, from the last answer's x-ratelimit-remaining.",
  );
  const limit = gauge(
    registry,
    "runbridge_github_rate_limit_limit",
    "GitHub's rate limit per window for the bridge's credentials (x-ratelimit-limit).",
  );
  const reset = gauge(
    registry,
    "runbridge_github_rate_limit_reset_timestamp_seconds",
    "Unix time GitHub's current rate-limit window ends (x-ratelimit-reset).",
  );
  return {
    record(headers) {
      if (!headers) return;
      const value = (name: string) => {
        const raw = headers[name];
        const parsed = raw === undefined ? Number.NaN : Number(raw);
        return Number.isFinite(parsed) ? parsed : undefined;
      };
      const left = value("x-ratelimit-remaining");
      if (left === undefined) return;
      const resource = oneOf(headers["x-ratelimit-resource"] ?? "core", RATE_LIMIT_RESOURCES);
      remaining.set({ resource }, left);
      const max = value("x-ratelimit-limit");
      if (max !== undefined) limit.set({ resource }, max);
      const resetAt = value("x-ratelimit-reset");
      if (resetAt !== undefined) reset.set({ resource }, resetAt);
    },
  };
}
