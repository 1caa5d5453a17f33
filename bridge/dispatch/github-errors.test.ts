import { describe, expect, it } from "vitest";
import { backoffMs, classifyGitHubError, type Failure } from "./github-errors.js";

const NOW = Date.parse("2025-06-02T12:00:00Z");

const httpError = (status: number, message: string, headers: Record<string, string> = {}, data?: unknown) =>
  Object.assign(new Error(message), { status, response: { headers, data: data ?? { message } } });

describe("classifyGitHubError", () => {
  it.each<[string, unknown, Failure]>([
    [
      "429 with retry-after waits that long",
      httpError(429, "Too Many Requests", { "retry-after": "7" }),
      { kind: "rate_limited", retryAfterMs: 7_000, message: "GitHub 429: Too Many Requests" },
    ],
    [
      "a secondary rate limit (403 with retry-after) waits",
      httpError(403, "You have exceeded a secondary rate limit.", { "retry-after": "60" }),
      {
        kind: "rate_limited",
        retryAfterMs: 60_000,
        message: "GitHub 403: You have exceeded a secondary rate limit.",
      },
    ],
    [
      "a primary rate limit waits until the reset",
      httpError(403, "API rate limit exceeded", {
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String((NOW + 90_000) / 1_000),
      }),
      { kind: "rate_limited", retryAfterMs: 90_000, message: "GitHub 403: API rate limit exceeded" },
    ],
    [
      "a rate limit without a hint waits a minute",
      httpError(429, "slow down"),
      { kind: "rate_limited", retryAfterMs: 60_000, message: "GitHub 429: slow down" },
    ],
    [
      "retry-after 0 still waits a second",
      httpError(429, "x", { "retry-after": "0" }),
      { kind: "rate_limited", retryAfterMs: 1_000, message: "GitHub 429: x" },
    ],
    [
      "a 5xx may have reached GitHub",
      httpError(502, "Bad Gateway"),
      { kind: "uncertain", message: "GitHub 502: Bad Gateway" },
    ],
    [
      "a 408 may have reached GitHub",
      httpError(408, "Request Timeout"),
      { kind: "uncertain", message: "GitHub 408: Request Timeout" },
    ],
    [
      "a network error or timeout without a status may have reached GitHub",
      Object.assign(new Error("The operation was aborted due to timeout"), { name: "TimeoutError" }),
      { kind: "uncertain", message: "TimeoutError: The operation was aborted due to timeout" },
    ],
    [
      "a socket error (ECONNRESET) may have reached GitHub",
      Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
      { kind: "uncertain", message: "Error: socket hang up" },
    ],
    [
      "a TypeError is a bug in the bridge, not GitHub's answer",
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      {
        kind: "internal",
        message:
          "TypeError: Cannot read properties of undefined (reading 'id') (an error in the bridge, not an answer from GitHub)",
      },
    ],
    [
      "a 403 without rate-limit signs is permanent (missing permission)",
      httpError(403, "Resource not accessible by integration"),
      { kind: "permanent", status: 403, message: "GitHub 403: Resource not accessible by integration" },
    ],
    [
      "a 422 is permanent, with GitHub's message and its errors",
      httpError(
        422,
        "Validation Failed",
        {},
        { message: 'Unexpected inputs provided: ["x"]', errors: [{ code: "invalid" }] },
      ),
      {
        kind: "permanent",
        status: 422,
        message: 'GitHub 422: Unexpected inputs provided: ["x"] [{"code":"invalid"}]',
      },
    ],
    [
      "a 404 is permanent",
      httpError(404, "Not Found"),
      { kind: "permanent", status: 404, message: "GitHub 404: Not Found" },
    ],
  ])("%s", (_case, error, failure) => {
    expect(classifyGitHubError(error, NOW)).toEqual(failure);
  });
});

describe("backoffMs", () => {
  it.each([
    [1, 0.5, 2_000],
    [2, 0.5, 4_000],
    [3, 0, 6_000],
    [3, 1, 10_000],
    [30, 0.5, 300_000],
  ])("attempt %i with jitter %f waits %i ms", (attempt, random, ms) => {
    expect(backoffMs(attempt, () => random)).toBe(ms);
  });
});
