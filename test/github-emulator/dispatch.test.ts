import type { Octokit } from "@octokit/rest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGitHubEmulator, type GitHubEmulator } from "./index.js";
import { octokitFor } from "./octokit-for.js";

const inputs = { runbook: "nginx-down", target: "web-1", execution_id: "exec-42" };

describe("workflow and repository dispatch", () => {
  let gh: GitHubEmulator;
  let octokit: Octokit;
  beforeEach(async () => {
    gh = await createGitHubEmulator({ now: () => new Date("2025-06-01T12:00:00Z") });
    octokit = octokitFor(gh);
  });
  afterEach(() => gh.close());

  it("starts a queued run and returns its id and URLs when return_run_details is true", async () => {
    const response = await fetch(`${gh.url}/repos/acme/ops/actions/workflows/remediate.yml/dispatches`, {
      method: "POST",
      headers: { authorization: "Bearer ghs_test", "content-type": "application/json" },
      body: JSON.stringify({ ref: "main", inputs, return_run_details: true }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { workflow_run_id: number; run_url: string; html_url: string };
    expect(gh.checkResponse("actions/create-workflow-dispatch", 200, body)).toEqual([]);

    const [run] = gh.runs();
    expect(body).toEqual({
      workflow_run_id: run?.id,
      run_url: `${gh.url}/repos/acme/ops/actions/runs/${run?.id}`,
      html_url: `https://github.com/acme/ops/actions/runs/${run?.id}`,
    });
    expect(run).toMatchObject({
      status: "queued",
      event: "workflow_dispatch",
      displayTitle: "Remediate nginx-down on web-1 [exec-42]",
      createdAt: new Date("2025-06-01T12:00:00Z"),
    });
    expect(gh.dispatches()).toMatchObject([
      { kind: "workflow_dispatch", workflow: "remediate.yml", ref: "main", inputs },
    ]);
    expect(gh.violations).toEqual([]);
  });

  it("answers 204 without a body when run details are not asked for", async () => {
    const response = await octokit.rest.actions.createWorkflowDispatch({
      owner: "acme",
      repo: "ops",
      workflow_id: "remediate.yml",
      ref: "main",
      inputs,
    });
    expect(response.status).toBe(204);
    expect(gh.runs()).toHaveLength(1);
    expect(gh.violations).toEqual([]);
  });

  it("returns run details through Octokit's typed request()", async () => {
    const { status, data } = await octokit.request(
      "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches",
      {
        owner: "acme",
        repo: "ops",
        workflow_id: "remediate.yml",
        ref: "main",
        inputs,
        return_run_details: true,
      },
    );
    expect(status).toBe(200);
    expect(data).toMatchObject({ workflow_run_id: gh.runs()[0]?.id });
    expect(gh.requests[0]).toMatchObject({
      operationId: "actions/create-workflow-dispatch",
      auth: { scheme: "token", token: "ghs_test" },
      body: { ref: "main", inputs, return_run_details: true },
    });
  });

  it("always returns run details from API version 2026-03-10, as the spec's breaking change says", async () => {
    const response = await octokit.request(
      "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches",
      {
        owner: "acme",
        repo: "ops",
        workflow_id: "remediate.yml",
        ref: "main",
        inputs,
        headers: { "x-github-api-version": "2026-03-10" },
      },
    );
    expect(response.status).toBe(200);
    expect(gh.violations).toEqual([]);
  });

  it("uses a pluggable run name", async () => {
    await gh.close();
    gh = await createGitHubEmulator({ runName: (i) => `custom ${i.execution_id}` });
    octokit = octokitFor(gh);
    await octokit.rest.actions.createWorkflowDispatch({
      owner: "a",
      repo: "b",
      workflow_id: "w.yml",
      ref: "main",
      inputs,
    });
    const { data } = await octokit.rest.actions.getWorkflowRun({
      owner: "a",
      repo: "b",
      run_id: gh.runs()[0]?.id ?? 0,
    });
    expect(data.display_title).toBe("custom exec-42");
    expect(data.name).toBe("w");
  });

  it("refuses an unknown ref with 422 once refs are seeded", async () => {
    gh.state.setRef("main", "a".repeat(40));
    const error = await octokit.rest.actions
      .createWorkflowDispatch({ owner: "acme", repo: "ops", workflow_id: "remediate.yml", ref: "nope" })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 422, response: { data: { message: "No ref found for: nope" } } });
    expect(gh.runs()).toEqual([]);
  });

  it("records a repository_dispatch and starts a run from its client_payload", async () => {
    const response = await octokit.rest.repos.createDispatchEvent({
      owner: "acme",
      repo: "ops",
      event_type: "remediate",
      client_payload: inputs,
    });
    expect(response.status).toBe(204);
    expect(gh.dispatches()).toMatchObject([
      { kind: "repository_dispatch", eventType: "remediate", clientPayload: inputs },
    ]);
    expect(gh.runs()).toMatchObject([
      { event: "repository_dispatch", inputs, workflowFile: "remediate.yml" },
    ]);
    expect(gh.violations).toEqual([]);
  });

  it("rejects a client_payload with more than 10 keys or of 64 KB and records violations", async () => {
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, i]));
    const big = { blob: "x".repeat(64 * 1024) };
    for (const client_payload of [eleven, big]) {
      const error = await octokit.rest.repos
        .createDispatchEvent({ owner: "acme", repo: "ops", event_type: "remediate", client_payload })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 422 });
    }
    expect(gh.violations.map((v) => v.kind)).toEqual(["invalid-request", "documented-limit"]);
    expect(gh.runs()).toEqual([]);
  });
});
