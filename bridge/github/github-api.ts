/**
 * @module
 * The GitHub calls the feedback loop makes, behind one small interface so handlers stay
 * readable and tests can point them at the local emulator. Built on the bridge's one GitHub
 * client (dispatch/github-client.ts), which decides what is retried and classifies failures.
 */
import type { EnvironmentInfo } from "../dispatch/environment-protection.js";
import { type GitHubClient, type GitHubRepository, once } from "../dispatch/github-client.js";

export interface RunInfo {
  id: number;
  status: string | null;
  conclusion: string | null;
  htmlUrl: string;
  displayTitle: string;
}

export interface GitHubApi {
  getRun(runId: number): Promise<RunInfo>;
  listJobs(runId: number): Promise<{ id: number; name: string; status: string; conclusion: string | null }[]>;
  cancelRun(runId: number): Promise<void>;
  /** A check run's annotations (an Actions job is its check run: the same id). */
  listAnnotations(checkRunId: number): Promise<{ title: string | null; message: string | null }[]>;
  /** A run's artifacts with this name (an artifact's id makes its link on the run's page). */
  listArtifacts(runId: number, name: string): Promise<{ id: number; name: string; expired: boolean }[]>;
  reviewDeploymentGate(
    runId: number,
    environment: string,
    state: "approved" | "rejected",
    comment: string,
  ): Promise<void>;
  createIssue(
    title: string,
    body: string,
    labels: string[],
    assignees?: string[],
  ): Promise<{ number: number; url: string }>;
  /** Closes an issue (a breaker's, once the breaker closed). */
  /** Whether an issue is still open (false when closed or gone). */
  issueIsOpen(issueNumber: number): Promise<boolean>;
  commentOnIssue(issueNumber: number, body: string): Promise<{ url: string }>;
  /**
   * Closes an issue; idempotent. `completed` (default): what it was about is over (a breaker
   * closed); `not_planned`: nothing there waits for an answer any more (a held approval ended).
   */
  closeIssue(issueNumber: number, reason?: "completed" | "not_planned"): Promise<void>;
  /** The environment's protection as GitHub reports it; undefined when there is no such environment. */
  getEnvironment(name: string): Promise<EnvironmentInfo | undefined>;
  /** Whether `login` is an active member of the team `org/team`. */
  isActiveTeamMember(org: string, teamSlug: string, login: string): Promise<boolean>;
  /** `login`'s permission on the repository: admin, write (maintain counts as write), read, or none. */
  repositoryPermission(login: string): Promise<string>;
  /** Whether a GitHub account with this login exists. */
  userExists(login: string): Promise<boolean>;
  /** Whether the team `org/team` exists (and the bridge's credentials can see it). */
  teamExists(org: string, teamSlug: string): Promise<boolean>;
  /** The team's permission on the repository: admin, maintain, write, triage, read, or none. */
  teamRepositoryPermission(org: string, teamSlug: string): Promise<string>;
}

function isStatus(error: unknown, status: number): boolean {
  return (error as { status?: number }).status === status;
}

export function createGitHubApi(octokit: GitHubClient, repository: GitHubRepository): GitHubApi {
  const { owner, repo } = repository;
  return {
    async getRun(runId) {
      const { data } = await octokit.request("GET /repos/{owner}/{repo}/actions/runs/{run_id}", {
        owner,
        repo,
        run_id: runId,
      });
      return {
        id: Number(data.id),
        status: data.status ?? null,
        conclusion: data.conclusion ?? null,
        htmlUrl: data.html_url,
        displayTitle: data.display_title ?? "",
      };
    },
    async listJobs(runId) {
      const { data } = await octokit.request("GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs", {
        owner,
        repo,
        run_id: runId,
        per_page: 100,
      });
      return data.jobs.map((job) => ({
        id: Number(job.id),
        name: job.name,
        status: job.status,
        conclusion: job.conclusion ?? null,
      }));
    },
    async listAnnotations(checkRunId) {
      const { data } = await octokit.request(
        "GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations",
        {
          owner,
          repo,
          check_run_id: checkRunId,
          per_page: 50,
        },
      );
      return data.map((annotation) => ({
        title: annotation.title ?? null,
        message: annotation.message ?? null,
      }));
    },
    async listArtifacts(runId, name) {
      const { data } = await octokit.request("GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts", {
        owner,
        repo,
        run_id: runId,
        name,
        per_page: 10,
      });
      return data.artifacts.map((artifact) => ({
        id: Number(artifact.id),
        name: artifact.name,
        expired: artifact.expired,
      }));
    },
    async cancelRun(runId) {
      await octokit.request("POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel", {
        owner,
        repo,
        run_id: runId,
        // once: GitHub's 409 (run already completed) is definitive, and the reconciler's
        // next pass is the retry for anything else.
        request: once(),
      });
    },
    async reviewDeploymentGate(runId, environment, state, comment) {
      await octokit.request("POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule", {
        owner,
        repo,
        run_id: runId,
        environment_name: environment,
        state,
        comment: comment.slice(0, 1_000),
      });
    },
    async createIssue(title, body, labels, assignees) {
      const { data } = await octokit.request("POST /repos/{owner}/{repo}/issues", {
        owner,
        repo,
        title,
        body,
        labels,
        ...(assignees?.length ? { assignees } : {}),
        // once: a retried POST after a lost answer (502) opened a second, duplicate issue.
        request: once(),
      });
      return { number: data.number, url: data.html_url };
    },
    async issueIsOpen(issueNumber) {
      try {
        const { data } = await octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}", {
          owner,
          repo,
          issue_number: issueNumber,
        });
        return data.state === "open";
      } catch (error) {
        if (isStatus(error, 404) || isStatus(error, 410)) return false;
        throw error;
      }
    },
    async commentOnIssue(issueNumber, body) {
      const { data } = await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
        owner,
        repo,
        issue_number: issueNumber,
        body: body.slice(0, 65_000),
        // once: a retried POST after a lost answer would post the same comment twice.
        request: once(),
      });
      return { url: data.html_url };
    },
    async closeIssue(issueNumber, reason = "completed") {
      await octokit.request("PATCH /repos/{owner}/{repo}/issues/{issue_number}", {
        owner,
        repo,
        issue_number: issueNumber,
        state: "closed",
        state_reason: reason,
      });
    },
    async getEnvironment(name) {
      try {
        const { data } = await octokit.request("GET /repos/{owner}/{repo}/environments/{environment_name}", {
          owner,
          repo,
          environment_name: name,
        });
        const reviewers: EnvironmentInfo["reviewers"] = [];
        for (const rule of data.protection_rules ?? []) {
          if (rule.type !== "required_reviewers" || !("reviewers" in rule)) continue;
          for (const entry of rule.reviewers ?? []) {
            const reviewer = entry.reviewer as { login?: string; slug?: string } | undefined;
            reviewers.push({ type: entry.type ?? "User", name: reviewer?.login ?? reviewer?.slug ?? "?" });
          }
        }
        // can_admins_bypass is in GitHub's answer and its documented example, not in its OpenAPI
        // schema; absent, assume the default (administrators may bypass).
        const bypass = (data as { can_admins_bypass?: boolean }).can_admins_bypass;
        return { name: data.name, reviewers, canAdminsBypass: bypass ?? true };
      } catch (error) {
        if (isStatus(error, 404)) return undefined;
        throw error;
      }
    },
    async isActiveTeamMember(org, teamSlug, login) {
      try {
        const { data } = await octokit.request("GET /orgs/{org}/teams/{team_slug}/memberships/{username}", {
          org,
          team_slug: teamSlug,
          username: login,
        });
        return data.state === "active";
      } catch (error) {
        // 404: not a member (or the team is not visible to the bridge's token).
        if (isStatus(error, 404)) return false;
        throw error;
      }
    },
    async userExists(login) {
      try {
        await octokit.request("GET /users/{username}", { username: login });
        return true;
      } catch (error) {
        if (isStatus(error, 404)) return false;
        throw error;
      }
    },
    async teamExists(org, teamSlug) {
      try {
        await octokit.request("GET /orgs/{org}/teams/{team_slug}", { org, team_slug: teamSlug });
        return true;
      } catch (error) {
        if (isStatus(error, 404)) return false;
        throw error;
      }
    },
    async teamRepositoryPermission(org, teamSlug) {
      try {
        // The repository media type makes GitHub say which permission (else only 204: some access).
        const { data } = await octokit.request("GET /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}", {
          org,
          team_slug: teamSlug,
          owner,
          repo,
          mediaType: { format: "repository+json" },
        });
        if (!data) return "read";
        if (data.role_name) return data.role_name;
        const can = data.permissions;
        if (can?.admin) return "admin";
        if (can?.maintain) return "maintain";
        if (can?.push) return "write";
        if (can?.triage) return "triage";
        return can?.pull ? "read" : "none";
      } catch (error) {
        if (isStatus(error, 404)) return "none";
        throw error;
      }
    },
    async repositoryPermission(login) {
      try {
        const { data } = await octokit.request(
          "GET /repos/{owner}/{repo}/collaborators/{username}/permission",
          { owner, repo, username: login },
        );
        return data.permission;
      } catch (error) {
        if (isStatus(error, 404)) return "none";
        throw error;
      }
    },
  };
}
