/**
 * @module Workflow runs: list (repository-wide and per workflow), get, cancel, jobs, artifacts,
 * a job's check-run annotations, and the deployment protection rule callback that approves or
 * rejects a gated run.
 */
import { inDateRange, parseDateQualifier } from "../search-dates.js";
import { artifact, checkAnnotation, job, workflowRun } from "../shapes.js";
import { type WorkflowRunRecord, workflowIdFor } from "../state.js";
import { GitHubError, notFound, paginate, type RouteContext, type RouteHandler, repoOf } from "./context.js";

function findRun(context: RouteContext): WorkflowRunRecord {
  const { key } = repoOf(context);
  const run = context.state.runs.find(
    (r) => r.id === context.params.run_id && `${r.owner}/${r.repo}`.toLowerCase() === key,
  );
  if (!run) throw notFound();
  return run;
}

function listRuns(context: RouteContext, workflow?: string) {
  const { owner, repo, key } = repoOf(context);
  const p = context.params;
  const created = typeof p.created === "string" ? parseDateQualifier(p.created) : null;
  const workflowId = workflow === undefined ? undefined : workflowIdFor(context.state, workflow);
  const matching = context.state.runs
    .filter((run) => `${run.owner}/${run.repo}`.toLowerCase() === key)
    .filter((run) => workflowId === undefined || run.workflowId === workflowId)
    .filter((run) => p.event === undefined || run.event === p.event)
    // `status` takes a status or a conclusion ("success", "failure", …).
    .filter((run) => p.status === undefined || run.status === p.status || run.conclusion === p.status)
    .filter((run) => p.branch === undefined || run.ref.replace(/^refs\/heads\//, "") === p.branch)
    .filter((run) => p.head_sha === undefined || run.headSha === p.head_sha)
    // Every emulated run has the same actor.
    .filter(() => p.actor === undefined || p.actor === context.options.actor)
    .filter((run) => created === null || inDateRange(created, run.createdAt.getTime()))
    // Newest first, as GitHub lists them.
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id);
  const path =
    workflow === undefined
      ? `/repos/${owner}/${repo}/actions/runs`
      : `/repos/${owner}/${repo}/actions/workflows/${workflow}/runs`;
  const page = paginate(context, path, matching);
  return {
    status: 200,
    headers: page.headers,
    body: {
      total_count: matching.length,
      workflow_runs: page.items.map((run) =>
        workflowRun(context.urls, run, context.options.actor, context.options.workflowName(run.workflowFile)),
      ),
    },
  };
}

export const runRoutes: Record<string, RouteHandler> = {
  "actions/list-workflow-runs-for-repo": (context) => listRuns(context),

  "actions/list-workflow-runs": (context) => listRuns(context, String(context.params.workflow_id)),

  "actions/get-workflow-run"(context) {
    const run = findRun(context);
    return {
      status: 200,
      body: workflowRun(
        context.urls,
        run,
        context.options.actor,
        context.options.workflowName(run.workflowFile),
      ),
    };
  },

  "actions/cancel-workflow-run"(context) {
    const run = findRun(context);
    // GitHub refuses with 409 once the run has finished; the spec lists 409 (conflict) for this.
    if (run.status === "completed") {
      throw new GitHubError(409, "Cannot cancel a workflow run that is completed.");
    }
    run.status = "completed";
    run.conclusion = "cancelled";
    run.updatedAt = context.now;
    for (const record of context.state.jobs.get(run.id) ?? []) {
      if (record.status !== "completed") {
        record.status = "completed";
        record.conclusion = "cancelled";
      }
    }
    return { status: 202, body: {} };
  },

  "actions/list-jobs-for-workflow-run"(context) {
    const run = findRun(context);
    const records = context.state.jobs.get(run.id) ?? [];
    const page = paginate(context, `/repos/${run.owner}/${run.repo}/actions/runs/${run.id}/jobs`, records);
    const name = context.options.workflowName(run.workflowFile);
    return {
      status: 200,
      headers: page.headers,
      body: {
        total_count: records.length,
        jobs: page.items.map((record) => job(context.urls, run, record, name)),
      },
    };
  },

  "actions/list-workflow-run-artifacts"(context) {
    const run = findRun(context);
    const name = context.params.name;
    const records = (context.state.artifacts.get(run.id) ?? []).filter(
      (record) => name === undefined || record.name === name,
    );
    const page = paginate(
      context,
      `/repos/${run.owner}/${run.repo}/actions/runs/${run.id}/artifacts`,
      records,
    );
    return {
      status: 200,
      headers: page.headers,
      body: {
        total_count: records.length,
        artifacts: page.items.map((record) => artifact(context.urls, run, record)),
      },
    };
  },

  // An Actions job is its check run: the same id (the job's `check_run_url` says so).
  "checks/list-annotations"(context) {
    const { key } = repoOf(context);
    for (const [runId, records] of context.state.jobs) {
      const record = records.find((candidate) => candidate.id === context.params.check_run_id);
      const run = context.state.runs.find(
        (candidate) => candidate.id === runId && `${candidate.owner}/${candidate.repo}`.toLowerCase() === key,
      );
      if (!record || !run) continue;
      const page = paginate(
        context,
        `/repos/${run.owner}/${run.repo}/check-runs/${record.id}/annotations`,
        record.annotations,
      );
      return {
        status: 200,
        headers: page.headers,
        body: page.items.map((annotation) => checkAnnotation(context.urls, run, annotation)),
      };
    }
    // GitHub answers 404 for a check run it does not know, though the spec declares no 404 here
    // (the emulator then reports its own answer as a violation: a client asking is a test gap).
    throw notFound();
  },

  "actions/review-custom-gates-for-run"(context) {
    const run = findRun(context);
    const body = context.body as {
      environment_name: string;
      state?: "approved" | "rejected";
      comment?: string;
    };
    context.state.gateReviews.push({
      runId: run.id,
      environmentName: body.environment_name,
      ...(body.state === undefined ? {} : { state: body.state }),
      ...(body.comment === undefined ? {} : { comment: body.comment }),
      time: context.now,
    });
    return { status: 204 };
  },
};
