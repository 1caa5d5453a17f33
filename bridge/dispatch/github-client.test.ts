import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixtureRunbooks } from "../../test/fixtures/store/temp-database.js";
import { primaryRateLimit } from "../../test/github-emulator/faults.js";
import { createGitHubEmulator, type GitHubEmulator } from "../../test/github-emulator/index.js";
import { octokitFor } from "../../test/github-emulator/octokit-for.js";
import { createGitHubApi } from "../github/github-api.js";
import { createLogger } from "../logger.js";
import type { Execution } from "../store/executions.js";
import {
  classifyGitHubError,
  createGitHubClient,
  type Failure,
  type GitHubClient,
  type GitHubHeaders,
  observeAnswers,
} from "./github-client.js";
import { createDispatcher } from "./github-dispatcher.js";

const NOW = Date.parse("2025-06-02T12:00:00Z");

const httpError = (status: number, message: string, headers: Record<string, string> = {}, data?: unknown) =>
  Object.assign(new Error(message), { status, response: { headers, data: data ?? { message } } });

describe("classifyGitHubError", () => {
  it.each<[string, unknown, Failure]>([
    [
      "429 with retry-after waits that long",
      httpError(429, "Too Many Requests", { "retry-after": "7" }),
      { kind: "rate_limited", retryAfterMs: 7_000, message: "GitHub 429: Too Many Requests" },
    ],
    [
      "a secondary rate limit (403 with retry-after) waits",
      httpError(403, "You have exceeded a secondary rate limit.", { "retry-after": "60" }),
      {
        kind: "rate_limited",
        retryAfterMs: 60_000,
        message: "GitHub 403: You have exceeded a secondary rate limit.",
      },
    ],
    [
      "a primary rate limit waits until the reset",
      httpError(403, "API rate limit exceeded", {
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String((NOW + 90_000) / 1_000),
      }),
      { kind: "rate_limited", retryAfterMs: 90_000, message: "GitHub 403: API rate limit exceeded" },
    ],
    [
      "a rate limit without a hint waits a minute",
      httpError(429, "slow down"),
      { kind: "rate_limited", retryAfterMs: 60_000, message: "GitHub 429: slow down" },
    ],
    [
      "retry-after 0 still waits a second",
      httpError(429, "x", { "retry-after": "0" }),
      { kind: "rate_limited", retryAfterMs: 1_000, message: "GitHub 429: x" },
    ],
    [
      "a 5xx may have reached GitHub",
      httpError(502, "Bad Gateway"),
      { kind: "uncertain", message: "GitHub 502: Bad Gateway" },
    ],
    [
      "a 408 may have reached GitHub",
      httpError(408, "Request Timeout"),
      { kind: "uncertain", message: "GitHub 408: Request Timeout" },
    ],
    [
      "a network error or timeout without a status may have reached GitHub",
      Object.assign(new Error("The operation was aborted due to timeout"), { name: "TimeoutError" }),
      { kind: "uncertain", message: "TimeoutError: The operation was aborted due to timeout" },
    ],
    [
      "a socket error (ECONNRESET) may have reached GitHub",
      Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
      { kind: "uncertain", message: "Error: socket hang up" },
    ],
    [
      "a TypeError is a bug in the bridge, not GitHub's answer",
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      {
        kind: "internal",
        message:
          "TypeError: Cannot read properties of undefined (reading 'id') (an error in the bridge, not an answer from GitHub)",
      },
    ],
    [
      "a 403 without rate-limit signs is permanent (missing permission)",
      httpError(403, "Resource not accessible by integration"),
      { kind: "permanent", status: 403, message: "GitHub 403: Resource not accessible by integration" },
    ],
    [
      "a 422 is permanent, with GitHub's message and its errors",
      httpError(
        422,
        "Validation Failed",
        {},
        { message: 'Unexpected inputs provided: ["x"]', errors: [{ code: "invalid" }] },
      ),
      {
        kind: "permanent",
        status: 422,
        message: 'GitHub 422: Unexpected inputs provided: ["x"] [{"code":"invalid"}]',
      },
    ],
    [
      "a 404 is permanent",
      httpError(404, "Not Found"),
      { kind: "permanent", status: 404, message: "GitHub 404: Not Found" },
    ],
  ])("%s", (_case, error, failure) => {
    expect(classifyGitHubError(error, NOW)).toEqual(failure);
  });
});

describe("the bridge's GitHub client against the emulator", () => {
  const REPO = { owner: "acme", repo: "infra" };
  const loaded = fixtureRunbooks().index.byName.get("web-restart");
  if (!loaded) throw new Error("fixture runbook web-restart is missing");
  const RUNBOOK = loaded.runbook;
  const EXECUTION = {
    id: "ex_01m8e00001aaaaaaaa",
    runbook: RUNBOOK.name,
    runbookSha: null,
    runbookHash: "a".repeat(64),
    target: "web-1",
    severity: "critical",
    alert: { labels: { alertname: "NginxDown" } },
  } as unknown as Execution;

  let gh: GitHubEmulator;
  let octokit: GitHubClient;
  beforeEach(async () => {
    gh = await createGitHubEmulator();
    octokit = createGitHubClient(
      { apiUrl: gh.url, ...REPO, auth: { kind: "token", token: "ghs_test" } },
      createLogger("silent"),
    );
  });
  afterEach(async () => {
    expect(gh.violations).toEqual([]);
    await gh.close();
  });

  const operations = () => gh.requests.map((request) => `${request.operationId}:${request.status}`);

  /** A run started with a plain Octokit (no plugins), so the client under test makes no call for it. */
  async function startedRun(): Promise<number> {
    const run = await createDispatcher(octokitFor(gh) as unknown as GitHubClient, REPO).dispatch(
      EXECUTION,
      RUNBOOK,
      AbortSignal.timeout(5_000),
    );
    gh.requests.length = 0;
    return run.runId as number;
  }

  it("retries a read GitHub answered with a 502", async () => {
    const runId = await startedRun();
    gh.faults.push({ operationId: "actions/get-workflow-run", times: 1, status: 502 });
    expect(await createGitHubApi(octokit, REPO).getRun(runId)).toMatchObject({ id: runId });
    expect(operations()).toEqual(["actions/get-workflow-run:502", "actions/get-workflow-run:200"]);
  });

  it("sends a dispatch once even when its answer is lost: the outbox looks the run up instead", async () => {
    const dispatch = "actions/create-workflow-dispatch";
    gh.faults.push({ operationId: dispatch, times: 1, status: 502, afterHandler: true });
    const failure = await createDispatcher(octokit, REPO)
      .dispatch(EXECUTION, RUNBOOK, AbortSignal.timeout(10_000))
      .catch((error: unknown) => error);
    expect(classifyGitHubError(failure, NOW)).toMatchObject({ kind: "uncertain" });
    expect(operations()).toEqual([`${dispatch}:502`]);
    expect(gh.runs()).toHaveLength(1);
  });

  it("opens an issue once even when its answer is lost", async () => {
    gh.faults.push({ operationId: "issues/create", times: 1, status: 502, afterHandler: true });
    await expect(createGitHubApi(octokit, REPO).createIssue("t", "b", [])).rejects.toMatchObject({
      status: 502,
    });
    expect(operations()).toEqual(["issues/create:502"]);
  });

  it("hands every answer's headers to the observer, a rate-limited answer included", async () => {
    const runId = await startedRun();
    const seen: GitHubHeaders[] = [];
    observeAnswers(octokit, (headers) => seen.push(headers));
    const api = createGitHubApi(octokit, REPO);
    await api.getRun(runId);
    const resetAt = new Date(Date.now() + 60_000);
    gh.faults.push(primaryRateLimit({ operationId: "actions/get-workflow-run", resetAt }));
    const limited = await api.getRun(runId).catch((error: unknown) => error);
    expect(classifyGitHubError(limited, Date.now())).toMatchObject({ kind: "rate_limited" });
    expect(seen.map((headers) => headers["x-ratelimit-remaining"])).toEqual([
      expect.stringMatching(/^\d+$/),
      "0",
    ]);
    expect(seen[1]?.["x-ratelimit-reset"]).toBe(String(Math.ceil(resetAt.getTime() / 1000)));
  });
});
