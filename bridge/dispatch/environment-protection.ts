/**
 * @module
 * Whether a GitHub environment can hold a remediate job for approval: it exists and has
 * required reviewers. Required reviewers on environments of private repositories exist only
 * on GitHub Enterprise (Free, Pro and Team: public repositories only), and an environment
 * without them lets the job run at once, so the bridge asks before dispatching an approval
 * runbook. Answers are cached for a few minutes; `forget` drops one when GitHub shows it
 * changed (a deployment_protection_rule event, a run that did not wait).
 *
 * @example
 *   const protection = createEnvironmentProtection({ read: api.getEnvironment, ttlMs: 300_000 });
 *   const found = await protection.check("remediation-production");
 *   if (!found.holds) holdInTheBridge(found.why);
 */

export interface EnvironmentInfo {
  name: string;
  /** Users and teams of the environment's `required_reviewers` rules. */
  reviewers: { type: string; name: string }[];
  /** Whether repository administrators may bypass the protection rules. */
  canAdminsBypass: boolean;
}

/** What GitHub reported about an environment, as one word (metrics label it so). */
export type ProtectionFinding = "holds" | "no_environment" | "environment_missing" | "no_reviewers";

export interface ProtectionVerdict {
  /** GitHub will hold the remediate job until a required reviewer approves it. */
  holds: boolean;
  finding: ProtectionFinding;
  /** For people: what GitHub reported, and what that means. */
  why: string;
}

export interface EnvironmentProtection {
  /** @throws the GitHub error when the environment could not be read (not a 404: that is an answer) */
  check(environment: string | undefined): Promise<ProtectionVerdict>;
  /** GitHub showed the environment changed: the next check asks again. */
  forget(environment: string): void;
  /**
   * The last verdict read for an environment, however old (undefined: never read, or forgotten
   * since). Asks GitHub nothing: for /api/status and the metrics, which must stay cheap.
   */
  known(environment: string | undefined): ProtectionVerdict | undefined;
}

export interface EnvironmentProtectionOptions {
  /** GET /repos/{owner}/{repo}/environments/{name}; undefined when there is no such environment. */
  read: (environment: string) => Promise<EnvironmentInfo | undefined>;
  ttlMs: number;
  now?: () => number;
}

export function judgeProtection(
  environment: string | undefined,
  info: EnvironmentInfo | undefined,
): ProtectionVerdict {
  if (environment === undefined) {
    return {
      holds: false,
      finding: "no_environment",
      why: "the runbook names no environment, so nothing on GitHub holds its remediate job",
    };
  }
  if (!info) {
    return {
      holds: false,
      finding: "environment_missing",
      why: `environment ${environment} does not exist on GitHub, so nothing holds the remediate job`,
    };
  }
  if (info.reviewers.length === 0) {
    return {
      holds: false,
      finding: "no_reviewers",
      why: `environment ${environment} has no required reviewers (on GitHub Free, Pro and Team they exist for public repositories only), so its remediate job would run at once`,
    };
  }
  const who = info.reviewers.map((reviewer) => reviewer.name).join(", ");
  return {
    holds: true,
    finding: "holds",
    why: `environment ${environment} requires a review by ${who}${info.canAdminsBypass ? " (administrators may bypass)" : ""}`,
  };
}

export function createEnvironmentProtection(options: EnvironmentProtectionOptions): EnvironmentProtection {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { verdict: ProtectionVerdict; at: number }>();
  return {
    async check(environment) {
      if (environment === undefined) return judgeProtection(undefined, undefined);
      const cached = cache.get(environment);
      if (cached && now() - cached.at < options.ttlMs) return cached.verdict;
      const verdict = judgeProtection(environment, await options.read(environment));
      cache.set(environment, { verdict, at: now() });
      return verdict;
    },
    forget(environment) {
      cache.delete(environment);
    },
    known(environment) {
      if (environment === undefined) return judgeProtection(undefined, undefined);
      return cache.get(environment)?.verdict;
    },
  };
}
