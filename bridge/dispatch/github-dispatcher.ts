/**
 * @module
 * The two calls that start a remediation on GitHub, and the look-up that tells whether
 * an earlier, unanswered call already did (the run's name carries `[<execution id>]`).
 */
import { executionIdInRunName } from "../executions/run-marker.js";
import type { ResolvedRunbook } from "../runbooks/resolved-runbook.js";
import type { Execution } from "../store/executions.js";
import { type GitHubClient, type GitHubRepository, once } from "./github-client.js";
import { clientPayload, dispatchInputs } from "./payload.js";

export interface DispatchedRun {
  runId?: number;
  runUrl?: string;
}

export interface Dispatcher {
  dispatch(execution: Execution, runbook: ResolvedRunbook, signal: AbortSignal): Promise<DispatchedRun>;
  findRun(
    execution: Execution,
    runbook: ResolvedRunbook,
    since: number,
    signal: AbortSignal,
  ): Promise<DispatchedRun | undefined>;
}

/** Pages of 100 runs read when looking for the run of an unanswered dispatch. */
const LOOK_UP_PAGES = 5;

export function createDispatcher(octokit: GitHubClient, repository: GitHubRepository): Dispatcher {
  const { owner, repo } = repository;
  return {
    async dispatch(execution, runbook, signal) {
      // once: a retried POST could start a second run; the outbox retries after a look-up.
      const request = once(signal);
      if (runbook.dispatch === "repository") {
        await octokit.request("POST /repos/{owner}/{repo}/dispatches", {
          owner,
          repo,
          event_type: "runbridge",
          client_payload: clientPayload(execution),
          request,
        });
        return {};
      }
      const response = await octokit.request(
        "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches",
        {
          owner,
          repo,
          workflow_id: runbook.workflow,
          ref: runbook.ref,
          inputs: { ...dispatchInputs(execution) },
          return_run_details: true,
          request,
        },
      );
      const data = (response.data ?? {}) as { workflow_run_id?: number; html_url?: string };
      return { runId: data.workflow_run_id, runUrl: data.html_url };
    },

    async findRun(execution, runbook, since, signal) {
      const created = `>=${new Date(since - 60_000).toISOString()}`;
      const repositoryDispatch = runbook.dispatch === "repository";
      // once here too: the retry plugin would retry a look-up that timed out with the
      // same, already aborted signal (1 s + 4 s + 9 s of waiting, each attempt failing at
      // once), holding a worker slot well past timeoutMs; the outbox reschedules the look-up.
      // Newest first; a busy repository may start more than 100 runs in the window, so a few
      // pages are read before concluding the earlier call started nothing.
      for (let page = 1; page <= LOOK_UP_PAGES; page++) {
        const response = repositoryDispatch
          ? await octokit.request("GET /repos/{owner}/{repo}/actions/runs", {
              owner,
              repo,
              event: "repository_dispatch",
              created,
              per_page: 100,
              page,
              request: once(signal),
            })
          : await octokit.request("GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs", {
              owner,
              repo,
              workflow_id: runbook.workflow,
              event: "workflow_dispatch",
              created,
              per_page: 100,
              page,
              request: once(signal),
            });
        const runs = response.data.workflow_runs;
        // GitHub shows the workflow's run-name as display_title; `name` is the workflow's name.
        const run = runs.find((candidate) => executionIdInRunName(candidate.display_title) === execution.id);
        if (run) return { runId: Number(run.id), runUrl: run.html_url };
        if (runs.length < 100) return undefined;
      }
      return undefined;
    },
  };
}
