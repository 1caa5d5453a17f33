/**
 * @module
 * The one GitHub client: how the bridge's Octokit is built (auth, plugins, logging), which
 * calls its retry plugin may repeat, how every answer's rate-limit headers are observed, and
 * what a failed call means. The dispatcher (dispatch/github-dispatcher.ts) and the feedback
 * loop's API (github/github-api.ts) are two small interfaces over this client.
 *
 * The throttling plugin paces requests the way GitHub asks (writes spaced out, secondary
 * limits respected); the retry plugin retries reads. A call made with `once()` is never
 * retried by a plugin: a dispatch POST that timed out may have started a run, so the outbox
 * decides (after a look-up).
 *
 * @example
 *   const octokit = createGitHubClient(config.github, log);
 *   observeAnswers(octokit, metrics.recordGitHubAnswer);
 *   const dispatcher = createDispatcher(octokit, repository);
 */
import { createAppAuth } from "@octokit/auth-app";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import type { GitHubConfig } from "../config.js";
import type { Logger } from "../logger.js";

export const GitHubOctokit = Octokit.plugin(throttling, retry);
export type GitHubClient = InstanceType<typeof GitHubOctokit>;

/** The repository the bridge dispatches to and follows runs in. */
export interface GitHubRepository {
  owner: string;
  repo: string;
}

/** Response headers as Octokit hands them over. */
export type GitHubHeaders = Record<string, string | number | undefined>;

export function createGitHubClient(config: GitHubConfig, log: Logger): GitHubClient {
  const auth =
    config.auth.kind === "token"
      ? { auth: config.auth.token }
      : {
          authStrategy: createAppAuth,
          auth: {
            appId: config.auth.appId,
            privateKey: config.auth.privateKey,
            installationId: config.auth.installationId,
          },
        };
  const quiet = log.child({ component: "octokit" });
  return new GitHubOctokit({
    ...auth,
    baseUrl: config.apiUrl,
    userAgent: "runbridge",
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => quiet.warn(message),
      error: (message: string) => quiet.error(message),
    },
    throttle: {
      // Hand rate limits back to the caller: the outbox re-queues by priority (critical
      // first) and records the wait as an audit event, instead of blocking invisibly.
      onRateLimit: (retryAfter: number, options: { method: string; url: string }) => {
        quiet.warn({ retryAfter, method: options.method, url: options.url }, "GitHub rate limit reached");
        return false;
      },
      onSecondaryRateLimit: (retryAfter: number, options: { method: string; url: string }) => {
        quiet.warn(
          { retryAfter, method: options.method, url: options.url },
          "GitHub secondary rate limit reached",
        );
        return false;
      },
    },
    retry: { retries: 3 },
  });
}

/**
 * Request options for a call the retry plugin must not repeat: a POST whose lost answer may
 * already have taken effect (a second dispatch would start a second run, a second issue is a
 * duplicate), or a call bounded by the caller's own deadline (a retry would reuse the already
 * aborted signal). The caller decides what comes next: a look-up, the next pass.
 *
 * @example
 *   await octokit.request("POST /repos/{owner}/{repo}/dispatches", { ...params, request: once(signal) });
 */
export function once(signal?: AbortSignal): { retries: 0; signal?: AbortSignal } {
  return signal ? { retries: 0, signal } : { retries: 0 };
}

/**
 * Hands the headers of every GitHub answer to `record`, error answers included (a 403/429
 * carries the rate-limit headers that matter most), without changing either.
 *
 * @param octokit the client built by createGitHubClient
 * @param record e.g. the rate-limit gauges' `recordGitHubAnswer`
 */
export function observeAnswers(
  octokit: Pick<GitHubClient, "hook">,
  record: (headers: GitHubHeaders) => void,
): void {
  octokit.hook.after("request", (response) => {
    record(response.headers as GitHubHeaders);
  });
  octokit.hook.error("request", (error) => {
    const headers = (error as { response?: { headers?: GitHubHeaders } }).response?.headers;
    if (headers) record(headers);
    throw error;
  });
}

// ---- what a failed call means -------------------------------------------------------------
// The outbox acts on it: wait and retry (rate limits), retry after a look-up because the call
// may have reached GitHub (5xx, timeouts, network), give up with GitHub's own message (other
// 4xx: a wrong workflow, input or token), or — an error that is not GitHub's answer at all —
// a bug in the bridge.

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
