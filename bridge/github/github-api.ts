/**
 * @module
 * The GitHub calls the feedback loop makes, behind one small interface so handlers stay
 * readable and tests can point them at the local emulator. Built on the bridge's one GitHub
 * client (dispatch/github-client.ts), which decides what is retried and classifies failures.
 */
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
  reviewDeploymentGate(
    runId: number,
    environment: string,
    state: "approved" | "rejected",
    comment: string,
  ): Promise<void>;
  createIssue(title: string, body: string, labels: string[]): Promise<{ number: number; url: string }>;
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
    async createIssue(title, body, labels) {
      const { data } = await octokit.request("POST /repos/{owner}/{repo}/issues", {
        owner,
        repo,
        title,
        body,
        labels,
        // once: a retried POST after a lost answer (502) opened a second, duplicate issue.
        request: once(),
      });
      return { number: data.number, url: data.html_url };
    },
  };
}
