import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGitHubEmulator, type GitHubEmulator } from "./index.js";
import { octokitFor } from "./octokit-for.js";

describe("request checking against the OpenAPI description", () => {
  let gh: GitHubEmulator;
  beforeEach(async () => {
    gh = await createGitHubEmulator();
  });
  afterEach(() => gh.close());

  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gh.url}${path}`, {
      method,
      headers: { authorization: "token ghs_test", "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });

  it("answers 422 for a body that breaks the schema and records the violation", async () => {
    const response = await call("POST", "/repos/acme/ops/actions/workflows/remediate.yml/dispatches", {
      inputs: { runbook: 1 },
      return_run_details: "yes",
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { message: string; errors: { field: string; code: string }[] };
    expect(body.message).toBe("Invalid request.");
    expect(body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: "body.ref", code: "missing_field" }),
        expect.objectContaining({ field: "body.return_run_details", code: "invalid" }),
      ]),
    );
    expect(gh.violations).toMatchObject([
      { kind: "invalid-request", operationId: "actions/create-workflow-dispatch" },
    ]);
    expect(gh.runs()).toEqual([]);
  });

  it("answers 404 for a route GitHub does not have and records the violation", async () => {
    const response = await call("POST", "/repos/acme/ops/actions/workflows/remediate.yml/dispatch", {
      ref: "main",
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ message: "Not Found" });
    expect(gh.violations).toMatchObject([{ kind: "unknown-route", method: "POST", operationId: null }]);
    expect(gh.requests).toMatchObject([{ path: "/repos/acme/ops/actions/workflows/remediate.yml/dispatch" }]);
  });

  it("answers 404 for a path parameter of the wrong type", async () => {
    const response = await call("GET", "/repos/acme/ops/actions/runs/not-a-number");
    expect(response.status).toBe(404);
    expect(gh.violations).toMatchObject([
      { kind: "invalid-path-parameter", operationId: "actions/get-workflow-run" },
    ]);
  });

  it("answers 422 for a bad query value and 400 for malformed JSON", async () => {
    expect((await call("GET", "/repos/acme/ops/actions/runs?status=sleeping")).status).toBe(422);
    expect((await call("GET", "/repos/acme/ops/actions/runs?created=yesterday")).status).toBe(422);
    expect((await call("POST", "/repos/acme/ops/dispatches", "{not json")).status).toBe(400);
    expect(gh.violations.map((v) => v.kind)).toEqual(["invalid-request", "invalid-request", "invalid-json"]);
  });

  it("answers 401 without credentials and records the scheme used otherwise", async () => {
    const response = await fetch(`${gh.url}/repos/acme/ops/actions/runs`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ message: "Requires authentication" });
    await call("GET", "/repos/acme/ops/actions/runs", undefined, { authorization: "Bearer abc" });
    expect(gh.requests.map((r) => r.auth)).toEqual([null, { scheme: "bearer", token: "abc" }]);
    expect(gh.violations.map((v) => v.kind)).toEqual(["authentication"]);
  });

  it("answers normally but flags a query parameter the operation does not define", async () => {
    const response = await call("GET", "/repos/acme/ops/actions/runs?created_after=2025-01-01");
    expect(response.status).toBe(200);
    expect(gh.violations).toMatchObject([{ kind: "unknown-query-parameter" }]);
  });

  it("refuses an API version GitHub does not offer", async () => {
    const response = await call("GET", "/repos/acme/ops/actions/runs", undefined, {
      "x-github-api-version": "2020-01-01",
    });
    expect(response.status).toBe(400);
    expect(gh.violations).toMatchObject([{ kind: "unsupported-api-version" }]);
  });

  it("records a clean Octokit call with its operation, query and headers", async () => {
    const octokit = octokitFor(gh);
    await octokit.rest.actions.listWorkflowRunsForRepo({ owner: "acme", repo: "ops", per_page: 5 });
    expect(gh.requests).toMatchObject([
      {
        method: "GET",
        operationId: "actions/list-workflow-runs-for-repo",
        pathParams: { owner: "acme", repo: "ops" },
        query: { per_page: "5" },
        headers: {
          accept: "application/vnd.github.v3+json",
          "user-agent": expect.stringContaining("octokit"),
        },
        status: 200,
      },
    ]);
    expect(gh.requests[0]?.time).toBeInstanceOf(Date);
    expect(gh.violations).toEqual([]);
  });
});
