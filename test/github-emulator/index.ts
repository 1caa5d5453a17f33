/**
 * @module A local stand-in for api.github.com that checks every request against GitHub's
 * published OpenAPI description, keeps a small in-memory world of runs, files and issues, and
 * injects faults on demand.
 *
 * @example
 *   const gh = await createGitHubEmulator();
 *   const octokit = new Octokit({ auth: "test-token", baseUrl: gh.url });
 *   await octokit.rest.actions.createWorkflowDispatch({ owner: "acme", repo: "ops",
 *     workflow_id: "remediate.yml", ref: "main", inputs: { runbook: "nginx-down" }, return_run_details: true });
 *   expect(gh.runs()).toHaveLength(1);
 *   expect(gh.violations).toEqual([]);
 *   await gh.close();
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { FaultRule } from "./faults.js";
import { createRouter, listOperations, loadSubset, type Operation } from "./openapi.js";
import type { RouteOptions } from "./routes/context.js";
import { routeHandlers } from "./routes/index.js";
import { createPipeline, DEFAULT_API_VERSION, type RecordedRequest, type Violation } from "./server.js";
import {
  clearState,
  createState,
  type DispatchRecord,
  type EmulatorState,
  type GateReview,
  type RunConclusion,
  type RunStatus,
  type WorkflowRunRecord,
} from "./state.js";
import { createValidator } from "./validate.js";

export * from "./faults.js";
export type { RecordedRequest, Violation, ViolationKind } from "./server.js";
export type * from "./state.js";

export interface GitHubEmulatorOptions {
  /** A run's `display_title` (the workflow's `run-name:`) from its inputs or client_payload. */
  runName?: (inputs: Record<string, unknown>) => string;
  /** The workflow's `name:` for a workflow file; default: the file name without extension. */
  workflowName?: (workflowFile: string) => string;
  /** Workflow files (or ids) that exist; others answer 404. Default: any. */
  workflows?: string[];
  /** The workflow a repository_dispatch starts. Default `remediate.yml`. */
  repositoryDispatchWorkflow?: string;
  /** Default `main`: the ref for repository_dispatch runs and for contents without `?ref=`. */
  defaultBranch?: string;
  /** Login shown as actor/author. Default `runbridge[bot]`. */
  actor?: string;
  /** Base for `html_url`s. Default `https://github.com`. */
  htmlUrl?: string;
  /** The clock for `created_at` and friends. Default: the system clock. */
  now?: () => Date;
  /** Answer 401 (and record a violation) when a request has no usable `authorization`. Default true. */
  requireAuth?: boolean;
  /** Lifetime of installation tokens. Default one hour, as on GitHub. */
  tokenTtlMs?: number;
  /** Primary rate limit reported in `x-ratelimit-*` and `/rate_limit`. Default 5000. */
  rateLimit?: number;
}

export interface GitHubEmulator {
  /** `http://127.0.0.1:<port>`, to use as Octokit's `baseUrl`. */
  url: string;
  /** Every request received, in order, including faulted and invalid ones. */
  requests: RecordedRequest[];
  /** Requests that GitHub would reject or that break a documented rule; tests expect `[]`. */
  violations: Violation[];
  /** Push rules here to fault upcoming requests; see `FaultRule`. */
  faults: FaultRule[];
  state: EmulatorState;
  /** Workflow runs, oldest first, optionally for one `owner/repo`. */
  runs(repo?: string): WorkflowRunRecord[];
  /** workflow_dispatch and repository_dispatch requests that started a run, oldest first. */
  dispatches(): DispatchRecord[];
  /** Deployment protection rule reviews (`approved`/`rejected` and comment) received. */
  gateReviews(): GateReview[];
  /** Moves a run along, as GitHub would while it executes. */
  setRunStatus(id: number, status: RunStatus, conclusion?: RunConclusion): WorkflowRunRecord;
  /** Checks a JSON body against the spec's response schema; returns readable errors. */
  checkResponse(operationId: string, status: number, body: unknown): string[];
  /** Forgets requests, violations, faults and state (ids keep increasing). */
  reset(): void;
  /** Stops listening and drops open connections, including hanging ones. */
  close(): Promise<void>;
}

/** The default run name, matching `run-name:` in `.github/workflows/remediate.yml`. */
export const defaultRunName = (inputs: Record<string, unknown>) =>
  `Remediate ${inputs.run_name || `${inputs.runbook} on ${inputs.target}`} [${inputs.execution_id}]`;

/**
 * Starts an emulator on 127.0.0.1 with a free port.
 *
 * @param options behaviour knobs; all optional
 * @returns the running emulator; call `close()` when done
 */
export async function createGitHubEmulator(options: GitHubEmulatorOptions = {}): Promise<GitHubEmulator> {
  const doc = loadSubset();
  const operations = listOperations(doc);
  const missing = operations.filter((op) => !routeHandlers[op.operationId]).map((op) => op.operationId);
  if (missing.length > 0) {
    throw new Error(`The OpenAPI subset has operations without emulator handlers: ${missing.join(", ")}`);
  }
  const byId = new Map<string, Operation>(operations.map((op) => [op.operationId, op]));
  const validator = createValidator(doc);
  const state = createState();
  const requests: RecordedRequest[] = [];
  const violations: Violation[] = [];
  const faults: FaultRule[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const now = options.now ?? (() => new Date());
  const htmlUrl = options.htmlUrl ?? "https://github.com";
  let url = "";

  const routeOptions: RouteOptions & { requireAuth: boolean } = {
    runName: options.runName ?? defaultRunName,
    workflowName: options.workflowName ?? ((file) => file.replace(/\.ya?ml$/, "")),
    ...(options.workflows ? { workflows: options.workflows } : {}),
    repositoryDispatchWorkflow: options.repositoryDispatchWorkflow ?? "remediate.yml",
    defaultBranch: options.defaultBranch ?? "main",
    actor: options.actor ?? "runbridge[bot]",
    tokenTtlMs: options.tokenTtlMs ?? 3_600_000,
    rateLimit: { limit: options.rateLimit ?? 5000 },
    requireAuth: options.requireAuth ?? true,
  };
  // Versions GitHub accepts: the default plus each one the spec's breaking changes name.
  const supportedVersions = new Set([
    DEFAULT_API_VERSION,
    ...operations.flatMap((op) => op.breakingChanges.map((change) => change.version)),
  ]);

  const pipeline = createPipeline({
    matchRoute: createRouter(operations),
    validator,
    handlers: routeHandlers,
    state,
    options: routeOptions,
    now,
    urls: () => ({ api: url, html: htmlUrl }),
    supportedVersions,
    requests,
    violations,
    faults,
    timers,
  });
  const server = createServer((req, res) => {
    pipeline(req, res).catch((error: unknown) => {
      violations.push({
        kind: "emulator-error",
        method: req.method ?? "",
        path: req.url ?? "",
        operationId: null,
        message: String(error),
      });
      if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    violations,
    faults,
    state,
    runs: (repo) =>
      state.runs.filter((run) => !repo || `${run.owner}/${run.repo}`.toLowerCase() === repo.toLowerCase()),
    dispatches: () => [...state.dispatches],
    gateReviews: () => [...state.gateReviews],
    setRunStatus(id, status, conclusion = null) {
      const run = state.runs.find((r) => r.id === id);
      if (!run)
        throw new Error(
          `setRunStatus: no run ${id}; runs are ${state.runs.map((r) => r.id).join(", ") || "none"}`,
        );
      run.status = status;
      run.conclusion = status === "completed" ? (conclusion ?? "success") : conclusion;
      run.updatedAt = now();
      return run;
    },
    checkResponse(operationId, status, body) {
      const operation = byId.get(operationId);
      if (!operation) throw new Error(`checkResponse: "${operationId}" is not in the OpenAPI subset`);
      return validator.checkResponse(operation, status, body);
    },
    reset() {
      requests.length = 0;
      violations.length = 0;
      faults.length = 0;
      clearState(state);
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging and keep-alive sockets would keep close() waiting forever.
        server.closeAllConnections();
      });
    },
  };
}
