/**
 * @module
 * What a failed GitHub call means for the outbox, decided once: wait and retry (rate
 * limits), retry after a look-up because the call may have reached GitHub (5xx, timeouts,
 * network), give up with GitHub's own message (other 4xx: a wrong workflow, input or
 * token), or — an error that is not GitHub's answer at all — a bug in the bridge.
 */

export type Failure =
  | { kind: "rate_limited"; retryAfterMs: number; message: string }
  | { kind: "uncertain"; message: string }
  | { kind: "permanent"; status: number; message: string }
  /** Not an answer from GitHub: a bug (TypeError, …) or a local fault; whether the call went out is unknown. */
  | { kind: "internal"; message: string };

/** Octokit's RequestError (name `HttpError`), fetch's abort and timeout errors, Node's socket errors. */
interface HttpishError {
  status?: number;
  message?: string;
  name?: string;
  code?: unknown;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

/** Errors that mean the network or the clock cut the call short, not our own code. */
const TRANSPORT_ERROR_NAMES = new Set(["AbortError", "TimeoutError", "HttpError", "FetchError"]);

function githubMessage(error: HttpishError): string {
  const data = error.response?.data as { message?: string; errors?: unknown } | undefined;
  const detail = data?.errors ? ` ${JSON.stringify(data.errors)}` : "";
  return `${data?.message ?? error.message ?? "unknown error"}${detail}`.slice(0, 1_000);
}

export function classifyGitHubError(error: unknown, now: number): Failure {
  const http = error as HttpishError;
  const status = typeof http.status === "number" ? http.status : undefined;
  const headers = http.response?.headers ?? {};
  const message = githubMessage(http);
  const retryAfter = Number(headers["retry-after"]);
  const remaining = headers["x-ratelimit-remaining"];
  const reset = Number(headers["x-ratelimit-reset"]);

  if (
    status === 429 ||
    (status === 403 && (Number.isFinite(retryAfter) || remaining === "0" || /rate limit/i.test(message)))
  ) {
    const waitMs = Number.isFinite(retryAfter)
      ? retryAfter * 1_000
      : Number.isFinite(reset) && reset * 1_000 > now
        ? reset * 1_000 - now
        : 60_000;
    return {
      kind: "rate_limited",
      retryAfterMs: Math.max(1_000, waitMs),
      message: `GitHub ${status}: ${message}`,
    };
  }
  if (status === undefined) {
    const what = `${http.name ?? "Error"}: ${http.message ?? "no answer"}`;
    const transport = TRANSPORT_ERROR_NAMES.has(http.name ?? "") || typeof http.code === "string";
    return transport
      ? { kind: "uncertain", message: what }
      : { kind: "internal", message: `${what} (an error in the bridge, not an answer from GitHub)` };
  }
  if (status >= 500 || status === 408) return { kind: "uncertain", message: `GitHub ${status}: ${message}` };
  return { kind: "permanent", status, message: `GitHub ${status}: ${message}` };
}

/** Exponential backoff with jitter: 2s, 4s, 8s … capped at 5 minutes. */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = Math.min(300_000, 1_000 * 2 ** Math.min(attempt, 20));
  return Math.round(base * (0.75 + random() * 0.5));
}
