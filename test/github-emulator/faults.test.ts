import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createGitHubEmulator,
  type GitHubEmulator,
  primaryRateLimit,
  secondaryRateLimit,
  tooManyRequests,
} from "./index.js";
import { octokitFor } from "./octokit-for.js";

const DISPATCH = "actions/create-workflow-dispatch";
const dispatchPath = "/repos/acme/ops/actions/workflows/remediate.yml/dispatches";

describe("fault injection", () => {
  let gh: GitHubEmulator;
  beforeEach(async () => {
    gh = await createGitHubEmulator();
  });
  afterEach(() => gh.close());

  const dispatch = (signal?: AbortSignal) =>
    fetch(`${gh.url}${dispatchPath}`, {
      method: "POST",
      headers: { authorization: "token ghs_test" },
      body: JSON.stringify({ ref: "main", inputs: { runbook: "r" }, return_run_details: true }),
      ...(signal ? { signal } : {}),
    });

  it("answers 500 for the next N matching requests, then normally", async () => {
    gh.faults.push({ operationId: DISPATCH, times: 2, status: 500 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await dispatch()).status);
    expect(statuses).toEqual([500, 500, 200]);
    expect(gh.faults).toEqual([]);
    expect(gh.requests.map((r) => r.fault ?? false)).toEqual([true, true, false]);
    expect(gh.runs()).toHaveLength(1);
    expect(gh.violations).toEqual([]);
  });

  it("answers a 502 with an HTML body, matched by method and path template", async () => {
    gh.faults.push({
      method: "post",
      pathPattern: "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches",
      times: 1,
      status: 502,
      body: "<html><body>Unicorn!</body></html>",
    });
    const response = await dispatch();
    expect(response.status).toBe(502);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(await response.text()).toContain("Unicorn");
  });

  it("answers 429 with retry-after", async () => {
    gh.faults.push(tooManyRequests({ pathPattern: /\/dispatches$/, retryAfterSeconds: 3 }));
    const response = await dispatch();
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("3");
  });

  it("answers GitHub's secondary rate limit so Octokit sees a 403 with retry-after", async () => {
    gh.faults.push(secondaryRateLimit({ operationId: DISPATCH }));
    const error = await octokitFor(gh)
      .rest.actions.createWorkflowDispatch({
        owner: "acme",
        repo: "ops",
        workflow_id: "remediate.yml",
        ref: "main",
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 403,
      response: {
        headers: { "retry-after": "1" },
        data: { message: expect.stringContaining("You have exceeded a secondary rate limit") },
      },
    });
    expect(gh.runs()).toEqual([]);
  });

  it("answers the primary rate limit with x-ratelimit-remaining 0 and the reset time", async () => {
    const resetAt = new Date(Date.now() + 60_000);
    gh.faults.push(primaryRateLimit({ operationId: DISPATCH, resetAt }));
    const response = await dispatch();
    expect(response.status).toBe(403);
    expect(response.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(response.headers.get("x-ratelimit-reset")).toBe(String(Math.ceil(resetAt.getTime() / 1000)));
  });

  it("delays an otherwise normal answer", async () => {
    gh.faults.push({ operationId: DISPATCH, times: 1, delayMs: 300 });
    const started = performance.now();
    const response = await dispatch();
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("hangs until the client times out, and close() still returns", async () => {
    gh.faults.push({ operationId: DISPATCH, times: 1, hang: true });
    const error = await dispatch(AbortSignal.timeout(200)).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "TimeoutError" });
    expect(gh.requests).toMatchObject([{ fault: true }]);
    expect(gh.requests[0]?.status).toBeUndefined();
    expect(gh.runs()).toEqual([]);
  });

  it("close() ends a request that is still hanging", async () => {
    gh.faults.push({ operationId: DISPATCH, times: 1, hang: true });
    const pending = dispatch().catch((e: unknown) => e);
    await expect.poll(() => gh.requests.length).toBe(1);
    await gh.close();
    expect(await pending).toBeInstanceOf(Error);
  });

  it("can lose the answer after performing the operation", async () => {
    gh.faults.push({ operationId: DISPATCH, times: 1, status: 502, afterHandler: true });
    expect((await dispatch()).status).toBe(502);
    expect(gh.runs()).toHaveLength(1);
  });

  it("resets the connection, before or after performing the operation", async () => {
    gh.faults.push({ operationId: DISPATCH, times: 1, reset: true });
    expect(await dispatch().catch((e: unknown) => e)).toMatchObject({ cause: { code: "ECONNRESET" } });
    expect(gh.runs()).toEqual([]);
    gh.faults.push({ operationId: DISPATCH, times: 1, reset: true, afterHandler: true });
    expect(await dispatch().catch((e: unknown) => e)).toMatchObject({ cause: { code: "ECONNRESET" } });
    expect(gh.runs()).toHaveLength(1);
    expect((await dispatch()).status).toBe(200);
  });

  it("still records violations of a faulted request", async () => {
    gh.faults.push({ operationId: DISPATCH, times: 1, status: 500 });
    const response = await fetch(`${gh.url}${dispatchPath}`, {
      method: "POST",
      headers: { authorization: "token ghs_test" },
      body: JSON.stringify({ inputs: {} }),
    });
    expect(response.status).toBe(500);
    expect(gh.violations).toMatchObject([{ kind: "invalid-request" }]);
  });
});
