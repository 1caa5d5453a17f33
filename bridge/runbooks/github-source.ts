/**
 * @module
 * Runbooks served from Git: read through the GitHub API at one commit, so every
 * decision can name the exact commit its runbook came from (passed on as runbook_sha,
 * and checked out by the workflow's plan job).
 */
import type { GitHubClient } from "../dispatch/github-client.js";
import { RUNBOOK_FILE } from "./load.js";
import { RunbookProblem } from "./problem.js";
import { buildRunbookSet, type RunbookSetResult, type RunbookSource } from "./runbook-set.js";

export interface GitRunbookLocation {
  owner: string;
  repo: string;
  /** Branch, tag or commit to follow, e.g. main. */
  ref: string;
  /** Folder in the repository, e.g. runbooks. */
  path: string;
}

async function resolveCommit(octokit: GitHubClient, where: GitRunbookLocation): Promise<string> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}", {
    owner: where.owner,
    repo: where.repo,
    ref: where.ref,
  });
  return data.sha;
}

async function readFile(
  octokit: GitHubClient,
  where: GitRunbookLocation,
  path: string,
  sha: string,
): Promise<string> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
    owner: where.owner,
    repo: where.repo,
    path,
    ref: sha,
  });
  if (Array.isArray(data) || data.type !== "file" || !("content" in data)) {
    throw new Error(`${path} is not a file`);
  }
  return Buffer.from(data.content, (data.encoding as BufferEncoding) || "base64").toString("utf8");
}

/** Loads and validates the runbook set at `sha`, or at the commit `where.ref` points to now. */
export async function loadRunbooksFromGitHub(
  octokit: GitHubClient,
  where: GitRunbookLocation,
  sha?: string,
): Promise<RunbookSetResult> {
  const label = `${where.owner}/${where.repo}/${where.path}@${where.ref}`;
  try {
    const commit = sha ?? (await resolveCommit(octokit, where));
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
      owner: where.owner,
      repo: where.repo,
      path: where.path,
      ref: commit,
    });
    if (!Array.isArray(data)) throw new Error(`${where.path} is not a directory`);
    const files = data
      .filter((entry) => entry.type === "file" && RUNBOOK_FILE.test(entry.name))
      .sort((a, b) => a.name.localeCompare(b.name));
    const sources: RunbookSource[] = [];
    for (const entry of files) {
      sources.push({
        file: `${entry.path}@${commit.slice(0, 12)}`,
        text: await readFile(octokit, where, entry.path, commit),
      });
    }
    return buildRunbookSet(sources, commit);
  } catch (error) {
    return {
      problems: [
        new RunbookProblem(
          { file: label, path: "" },
          `cannot read runbooks from GitHub: ${(error as Error).message}. Check GITHUB_REPOSITORY, RUNBRIDGE_RUNBOOKS_REF/PATH and that the token may read contents`,
        ),
      ],
    };
  }
}
