/**
 * @module
 * The Octokit the bridge talks to GitHub with. The throttling plugin paces requests
 * the way GitHub asks (writes spaced out, secondary limits respected); the retry
 * plugin retries idempotent reads. Dispatches are never retried by a plugin: a POST
 * that timed out may have started a run, so the outbox decides (after a look-up).
 */
import { createAppAuth } from "@octokit/auth-app";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import type { GitHubConfig } from "../config.js";
import type { Logger } from "../logger.js";

export const GitHubOctokit = Octokit.plugin(throttling, retry);
export type GitHubClient = InstanceType<typeof GitHubOctokit>;

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
