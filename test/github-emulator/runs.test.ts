import type { Octokit } from "@octokit/rest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGitHubEmulator, type GitHubEmulator } from "./index.js";
import { octokitFor } from "./octokit-for.js";

const repo = { owner: "acme", repo: "ops" };

describe("workflow runs", () => {
  let gh: GitHubEmulator;
  let octokit: Octokit;
  let clock: Date;

  const dispatch = (execution_id: string) =>
    octokit.request("POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches", {
      ...repo,
      workflow_id: "remediate.yml",
      ref: "main",
      inputs: { runbook: "nginx-down", target: "web-1", execution_id },
      return_run_details: true,
    });

  beforeEach(async () => {
    clock = new Date("2025-06-01T12:00:00Z");
    gh = await createGitHubEmulator({ now: () => clock });
    octokit = octokitFor(gh);
    await dispatch("e1");
    clock = new Date("2025-06-01T12:05:00Z");
    await dispatch("e2");
    clock = new Date("2025-06-01T12:10:00Z");
    await octokit.rest.repos.createDispatchEvent({
      ...repo,
      event_type: "remediate",
      client_payload: { execution_id: "e3" },
    });
  });
  afterEach(() => gh.close());

  it("lists runs newest first, filtered by created (>= search syntax) and event", async () => {
    const { data } = await octokit.rest.actions.listWorkflowRunsForRepo({
      ...repo,
      created: ">=2025-06-01T12:05:00Z",
      event: "workflow_dispatch",
    });
    expect(gh.checkResponse("actions/list-workflow-runs-for-repo", 200, data)).toEqual([]);
    expect(data.total_count).toBe(1);
    expect(data.workflow_runs.map((run) => run.display_title)).toEqual([
      "Remediate nginx-down on web-1 [e2]",
    ]);

    const all = await octokit.rest.actions.listWorkflowRunsForRepo({ ...repo, created: "2025-06-01" });
    expect(all.data.workflow_runs.map((run) => run.event)).toEqual([
      "repository_dispatch",
      "workflow_dispatch",
      "workflow_dispatch",
    ]);
    expect(gh.violations).toEqual([]);
  });

  it("lists per workflow, filters by status and paginates with Link headers", async () => {
    const [first] = gh.runs();
    gh.setRunStatus(first?.id ?? 0, "completed", "failure");
    const failed = await octokit.rest.actions.listWorkflowRuns({
      ...repo,
      workflow_id: "remediate.yml",
      status: "failure",
    });
    expect(failed.data.workflow_runs.map((run) => run.id)).toEqual([first?.id]);

    const pages = await octokit.paginate(octokit.rest.actions.listWorkflowRuns, {
      ...repo,
      workflow_id: "remediate.yml",
      per_page: 1,
    });
    expect(pages).toHaveLength(3);
    expect(gh.requests.filter((r) => r.operationId === "actions/list-workflow-runs")).toHaveLength(4);
    expect(gh.violations).toEqual([]);
  });

  it("gets a run in the spec's workflow-run shape", async () => {
    const id = gh.runs()[0]?.id ?? 0;
    const { data } = await octokit.rest.actions.getWorkflowRun({ ...repo, run_id: id });
    expect(gh.checkResponse("actions/get-workflow-run", 200, data)).toEqual([]);
    expect(data).toMatchObject({ id, status: "queued", conclusion: null, event: "workflow_dispatch" });
    const missing = await octokit.rest.actions
      .getWorkflowRun({ ...repo, run_id: 1 })
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404 });
  });

  it("cancels a run with 202, then answers 409 because it is completed", async () => {
    const id = gh.runs()[0]?.id ?? 0;
    const first = await octokit.rest.actions.cancelWorkflowRun({ ...repo, run_id: id });
    expect(first.status).toBe(202);
    expect(gh.runs()[0]).toMatchObject({ status: "completed", conclusion: "cancelled" });

    const again = await octokit.rest.actions
      .cancelWorkflowRun({ ...repo, run_id: id })
      .catch((e: unknown) => e);
    expect(again).toMatchObject({
      status: 409,
      response: { data: { message: "Cannot cancel a workflow run that is completed." } },
    });
    expect(gh.violations).toEqual([]);
  });

  it("lists the jobs a test sets for a run", async () => {
    const id = gh.runs()[0]?.id ?? 0;
    gh.state.setJobs(id, [
      {
        name: "health-check",
        status: "completed",
        conclusion: "success",
        steps: [{ name: "probe", status: "completed", conclusion: "success" }],
      },
      { name: "remediate", status: "waiting" },
    ]);
    const { data } = await octokit.rest.actions.listJobsForWorkflowRun({ ...repo, run_id: id });
    expect(gh.checkResponse("actions/list-jobs-for-workflow-run", 200, data)).toEqual([]);
    expect(data.jobs.map((j) => [j.name, j.status, j.conclusion])).toEqual([
      ["health-check", "completed", "success"],
      ["remediate", "waiting", null],
    ]);
  });

  it("lists a run's artifacts (by name too) and a job's check-run annotations", async () => {
    const id = gh.runs()[0]?.id as number;
    gh.state.setArtifacts(id, ["diagnostics-e1", "other"]);
    const [diagnostics] = gh.state.setJobs(id, [
      {
        name: "diagnostics",
        status: "completed",
        conclusion: "success",
        annotations: [{ title: "Runbridge diagnostics summary", message: "disk: ok\nnginx: down" }],
      },
    ]);
    const artifacts = await octokit.rest.actions.listWorkflowRunArtifacts({
      ...repo,
      run_id: id,
      name: "diagnostics-e1",
    });
    expect(gh.checkResponse("actions/list-workflow-run-artifacts", 200, artifacts.data)).toEqual([]);
    expect(artifacts.data.artifacts.map((artifact) => artifact.name)).toEqual(["diagnostics-e1"]);
    const annotations = await octokit.rest.checks.listAnnotations({
      ...repo,
      check_run_id: diagnostics?.id as number,
    });
    expect(gh.checkResponse("checks/list-annotations", 200, annotations.data)).toEqual([]);
    expect(annotations.data).toMatchObject([
      {
        annotation_level: "notice",
        title: "Runbridge diagnostics summary",
        message: "disk: ok\nnginx: down",
      },
    ]);
    expect(gh.violations).toEqual([]);
  });

  it("records a deployment protection rule review", async () => {
    const id = gh.runs()[0]?.id ?? 0;
    const response = await octokit.rest.actions.reviewCustomGatesForRun({
      ...repo,
      run_id: id,
      environment_name: "remediation-production",
      state: "rejected",
      comment: "blackout window",
    });
    expect(response.status).toBe(204);
    expect(gh.gateReviews()).toMatchObject([
      { runId: id, environmentName: "remediation-production", state: "rejected", comment: "blackout window" },
    ]);
    expect(gh.violations).toEqual([]);
  });

  it("forgets everything on reset but keeps ids increasing", async () => {
    const before = Math.max(...gh.runs().map((r) => r.id));
    gh.reset();
    expect([gh.runs(), gh.requests, gh.dispatches()]).toEqual([[], [], []]);
    await dispatch("e4");
    expect(gh.runs()[0]?.id).toBeGreaterThan(before);
  });
});
